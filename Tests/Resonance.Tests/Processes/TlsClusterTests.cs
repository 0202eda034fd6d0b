using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Services;

namespace Resonance.Tests.Processes;

/// <summary>
/// The production shape with TLS (Microsoft.Orleans.Connections.Security): two real silo processes and a client-mode
/// gateway, all configured from certificate paths (a throwaway self-signed certificate made here, which is also the
/// CA). The silos' ports speak TLS and present that certificate, and the gateway serves the protocol through them.
/// </summary>
public sealed class TlsClusterTests
{
    /// <summary>A self-signed certificate for loopback, usable by servers and clients, as PEM files.</summary>
    private static (string Cert, string Key, X509Certificate2 Certificate) MakeCertificate(string dir)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=resonance-test-cluster", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        string cert = Path.Combine(dir, "cluster.crt"), keyFile = Path.Combine(dir, "cluster.key");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (cert, keyFile, X509CertificateLoader.LoadCertificate(certificate.RawData));
    }

    [Fact]
    public async Task A_tls_cluster_of_silo_processes_serves_the_protocol_through_a_client_mode_gateway()
    {
        string dir = TempDirectories.Create("resonance-tls-");
        var (cert, key, certificate) = MakeCertificate(dir);
        string postgres = await TestServices.CreateDatabaseAsync("tls");
        var env = new Dictionary<string, string>
        {
            ["Resonance__Cluster__Redis"] = TestServices.Redis,
            ["Resonance__Cluster__ClusterId"] = $"tls-{Guid.NewGuid():N}",
            ["Resonance__Storage__Postgres"] = postgres,
            ["Resonance__Tls__CertificatePath"] = cert,
            ["Resonance__Tls__KeyPath"] = key,
            ["Resonance__Tls__CaPath"] = cert,
        };
        var silos = await SiloProcess.StartManyAsync(2, env);
        try
        {
            // Both ports of a silo answer a TLS handshake with the configured certificate (and want ours).
            foreach (int port in new[] { silos[0].SiloPort, silos[0].GatewayPort })
                Assert.Equal(certificate.Thumbprint, await ServerCertificateAsync(port, cert, key));

            var settings = env.Where(kv => !kv.Key.StartsWith("Resonance__Storage__", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key.Replace("__", ":"), kv => (string?)kv.Value);
            settings["Resonance:Gateway:Mode"] = "client";
            await using var gateway = await GatewayHost.StartAsync(settings);

            // With an identity (issued and checked over the TLS connections too), so the stored author can be compared.
            var identity = await Identity.CreateAsync(gateway.Http);
            await using var client = await WsClient.ConnectAsync(identity.WithToken(new Uri(gateway.WebSocket + "?space=tls")));
            var hello = (await client.WaitForTypeAsync("connection_established")).Json;
            Assert.Equal(identity.UserId, hello.GetProperty("subject").GetGuid());
            await client.SendAsync(new { type = "harmonic_stream", frequency = 432, amplitude = 0.7, phase = 0.3 });
            await client.SendAsync(new { type = "memory_crystallize", x = 10, y = 12, harmonic = 528, influence = 0.6, content = "over tls" });
            var memory = (await client.WaitForTypeAsync("memory_crystallized")).Json;
            await client.SendAsync(new { type = "consciousness_event", eventType = "insight", data = new { via = "tls" }, ackId = "t1" });
            await client.WaitForAsync(m => m.Type == "ack", TimeSpan.FromSeconds(30), "the event acked after commit");
            await client.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("activeNodes").GetInt32() == 1,
                TimeSpan.FromSeconds(30), "a tick counting the participant");

            var node = await gateway.Grains.GetGrain<INodeGrain>(memory.GetProperty("memoryId").GetGuid()).GetSnapshot();
            Assert.Equal("over tls", node!.Content);
            var stored = await gateway.Grains.GetGrain<IEventLogGrain>(0).Query(new EventQuery("tls", DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), 10));
            Assert.Equal("{\"via\":\"tls\"}", Assert.Single(stored).Event.DataJson);
            Assert.Equal(identity.UserId, stored[0].Event.UserId);
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    /// <summary>The thumbprint of the certificate the server on <paramref name="port"/> presents in a TLS handshake, offering ours as client certificate.</summary>
    private static async Task<string> ServerCertificateAsync(int port, string cert, string key)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        X509Certificate2? seen = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, c, _, _) =>
        {
            seen = c is null ? null : X509CertificateLoader.LoadCertificate(c.GetRawCertData());
            return true;
        });
        using var mine = X509Certificate2.CreateFromPemFile(cert, key);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [X509CertificateLoader.LoadPkcs12(mine.Export(X509ContentType.Pkcs12), null)],
        }).WaitAsync(TimeSpan.FromSeconds(10));
        return seen?.Thumbprint ?? "";
    }
}
