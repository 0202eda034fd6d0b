using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Processes;
using Resonance.Tests.Reliability;
using Resonance.Tests.Services;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Resonance.Tests.Ledger;

/// <summary>
/// The production shape (two silo processes, Redis membership, PostgreSQL, a client-mode gateway) with the export on:
/// clients send acked events while the silo running the exporter is killed. A Redis consumer group reads every stored
/// event exactly once, in commit order; the log's checkpoints before and after the kill are consistent, signed with the
/// configured key, and every acked event's inclusion proof verifies.
/// </summary>
public sealed class LedgerSiloFailoverTests(ITestOutputHelper output)
{
    private const string Space = "ledger-fault";

    [Fact]
    public async Task Killing_the_exporters_silo_neither_loses_nor_duplicates_a_stream_entry_and_the_log_stays_consistent()
    {
        string postgres = await TestServices.CreateDatabaseAsync("ledger_fault");
        string stream = $"ledger-fault:{Guid.NewGuid():N}";
        using var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string expectedKeyId = Convert.ToHexStringLower(SHA256.HashData(signingKey.ExportSubjectPublicKeyInfo()).AsSpan(0, 8));
        var env = new Dictionary<string, string>
        {
            ["Resonance__Cluster__Redis"] = TestServices.Redis,
            ["Resonance__Cluster__ClusterId"] = $"ledger-{Guid.NewGuid():N}",
            ["Resonance__Storage__Postgres"] = postgres,
            ["Resonance__Log__SigningKey"] = signingKey.ExportPkcs8PrivateKeyPem(),
            // The export uses the cluster's Redis (no Resonance__Export__Redis).
            ["Resonance__Export__RedisStream"] = stream,
            ["Resonance__Export__PollInterval"] = "00:00:00.250",
            ["Resonance__Cluster__Membership__ProbeTimeout"] = "00:00:01",
            ["Resonance__Cluster__Membership__NumMissedProbesLimit"] = "2",
            ["Resonance__Cluster__Membership__NumVotesForDeathDeclaration"] = "1",
        };
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis);
        var consumer = await StreamConsumer.StartAsync(redis, stream, "readers");
        var silos = await SiloProcess.StartManyAsync(2, env);
        var clients = new List<EventClient>();
        try
        {
            var settings = env.Where(kv => kv.Key.StartsWith("Resonance__Cluster__", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key.Replace("__", ":"), kv => (string?)kv.Value);
            settings["Resonance:Gateway:Mode"] = "client";
            await using var gateway = await GatewayHost.StartAsync(settings);
            var grains = gateway.Grains;
            using var log = new LogClient(gateway.Http);
            var (keyId, publicKey) = await log.KeyAsync();
            Assert.Equal(expectedKeyId, keyId);

            var clock = Stopwatch.StartNew();
            for (int k = 0; k < 4; k++) clients.Add(await EventClient.ConnectAsync(new Uri(gateway.WebSocket + $"?space={Space}"), clock));
            foreach (var c in clients) c.Start();
            await Eventually.Until(() => Task.FromResult(consumer.Received.Count), n => n >= 60, TimeSpan.FromSeconds(60), "entries in the stream before the kill");
            var before = await log.CheckpointAsync(Space);

            // Kill the silo the exporter runs on (found through the management grain).
            var exporter = grains.GetGrain<IEventExportGrain>(0);
            var address = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(exporter);
            var victim = silos.Single(s => s.SiloPort == address!.Endpoint.Port);
            var logAddress = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grains.GetGrain<ISpaceLogGrain>(Space));
            int exportedAtKill = consumer.Received.Count;
            victim.Kill();
            output.WriteLine($"killed silo {victim.SiloPort} (exporter; the log grain was on {logAddress?.Endpoint.Port}) with {exportedAtKill} entries read");

            await Eventually.Until(() => Task.FromResult(consumer.Received.Count), n => n >= exportedAtKill + 60, TimeSpan.FromSeconds(90), "entries after the kill");
            foreach (var c in clients) c.StopNew();
            await Eventually.Until(() => Task.FromResult(clients.All(c => c.Settled)), s => s, TimeSpan.FromSeconds(60), "every event acked");
            var acked = clients.SelectMany(c => c.Acked.Keys).ToHashSet();

            var stored = new List<(long Seq, Guid Id)>();
            await using (var connection = new NpgsqlConnection(postgres))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT l.seq, e.id FROM consciousness_events e JOIN event_log_leaves l ON encode(substring(l.leaf_input from 2 for 16), 'hex')::uuid = e.id ORDER BY l.seq", connection);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) stored.Add((reader.GetInt64(0), reader.GetGuid(1)));
            }
            Assert.True(acked.IsSubsetOf(stored.Select(s => s.Id)), "an acked event is not stored");
            await Eventually.Until(() => Task.FromResult(consumer.Received.Count), n => n >= stored.Count, TimeSpan.FromSeconds(60), "every stored event in the stream");
            var received = consumer.Received;
            // Exactly once and in commit order: the entries are the stored events' sequence 1..N, nothing twice.
            Assert.Equal(stored.Select(s => s.Seq), received.Select(r => r.Seq));
            Assert.Equal(stored.Select(s => s.Id), received.Select(r => r.EventId));
            Assert.Equal(0, (await redis.GetDatabase().StreamPendingAsync(stream, "readers")).PendingMessageCount);

            var after = await log.CheckpointAsync(Space);
            Assert.Equal(stored.Count, after.TreeSize);
            Assert.Equal(expectedKeyId, after.KeyId);
            Assert.True(IndependentVerifier.VerifyConsistency(before.TreeSize, after.TreeSize, before.RootHash, after.RootHash,
                await log.ConsistencyAsync(Space, before.TreeSize, after.TreeSize)));
            await log.VerifyAsync(publicKey, after, acked);
            output.WriteLine($"{acked.Count} acked, {stored.Count} stored and exported once; log {before.TreeSize} -> {after.TreeSize} consistent");
        }
        finally
        {
            await consumer.DisposeAsync();
            foreach (var c in clients) await c.DisposeAsync();
            foreach (var s in silos) await s.DisposeAsync();
            await redis.GetDatabase().KeyDeleteAsync(stream);
        }
    }
}
