using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Resonance.Grains.Hosting;

/// <summary>
/// TLS between silos and from clients (gateways) to silos, bound from <c>Resonance:Tls</c>: every connection is mutual
/// TLS, each side presenting its certificate and accepting only peers whose certificate chains to the cluster's CA.
/// Peers are addressed by IP (pod addresses), so the certificate's name is not checked; the CA is the trust anchor.
/// </summary>
public sealed class ResonanceTlsOptions
{
    public const string Section = "Resonance:Tls";

    /// <summary>This process's certificate: a PEM file (with <see cref="KeyPath"/>) or a PKCS#12 file. Empty = no TLS.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/> (empty for PKCS#12, or a PEM holding both).</summary>
    public string? KeyPath { get; set; }

    /// <summary>The PKCS#12 password, if any.</summary>
    public string? Password { get; set; }

    /// <summary>PEM file with the CA certificate(s) peers must chain to. Empty = the system trust store (then names are checked too).</summary>
    public string? CaPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);

    public X509Certificate2 LoadCertificate()
    {
        string path = CertificatePath!;
        return path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase)
            ? X509CertificateLoader.LoadPkcs12FromFile(path, Password)
            : X509Certificate2.CreateFromPemFile(path, string.IsNullOrWhiteSpace(KeyPath) ? null : KeyPath);
    }

    /// <summary>Options for Orleans' TLS middleware: this certificate, mutual authentication, peers checked against the CA.</summary>
    public void Configure(TlsOptions options)
    {
        options.LocalCertificate = LoadCertificate();
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        if (string.IsNullOrWhiteSpace(CaPath)) return;
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPemFile(CaPath);
        options.RemoteCertificateValidation = (certificate, _, _) => ChainsTo(certificate, trusted);
    }

    /// <summary>True when <paramref name="certificate"/> chains to one of <paramref name="trusted"/> (and only to them).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection trusted)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
