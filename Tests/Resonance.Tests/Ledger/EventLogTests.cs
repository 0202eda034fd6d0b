using System.Net;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Resonance.Grains;
using Resonance.Tests.Events;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Ledger;

/// <summary>
/// The embedded default's event log end to end: real stored events (SQLite), checked through the REST endpoints by the
/// independent verifier; a changed row is caught; a restart keeps the log and its key; retention keeps proofs.
/// </summary>
public sealed class EventLogTests
{
    private static readonly Dictionary<string, string?> Embedded = new() { ["Resonance:Storage:Postgres"] = "" };

    private static EventRecord[] Events(string space, int count, DateTime at) =>
        [.. Enumerable.Range(0, count).Select(k => TestEvents.Make(space, at.AddMilliseconds(k * 1.7), x: k % 3 == 0 ? null : k, y: k, resonance: k % 5 == 0 ? null : k / 100.0))];

    [Fact]
    public async Task Stored_events_verify_against_signed_checkpoints_a_changed_row_is_detected_and_a_restart_keeps_the_log()
    {
        var host = await GatewayHost.StartAsync(Embedded);
        string dir = host.DataDirectory;
        try
        {
            var log = host.Grains.GetGrain<IEventLogGrain>(0);
            var now = DateTime.UtcNow;
            var first = Events("ledger-a", 13, now);
            var other = Events("ledger-b", 4, now);
            await log.Append([.. first.Take(6), .. other.Take(2)]);
            await log.Append([.. first.Skip(6), .. other.Skip(2)]);
            // A resent event (same id, stamped again) is stored once and logged once.
            await log.Append([first[3] with { Event = first[3].Event with { TimestampUtc = now.AddSeconds(5) } }]);

            using var client = new LogClient(host.Http);
            var (keyId, publicKey) = await client.KeyAsync();
            var c1 = await client.CheckpointAsync("ledger-a");
            Assert.Equal(13, c1.TreeSize);
            Assert.Equal(keyId, c1.KeyId);
            await client.VerifyAsync(publicKey, c1, first.Select(r => r.Event.EventId));
            Assert.Equal(4, (await client.CheckpointAsync("ledger-b")).TreeSize);

            // The leaf commits to the stored ciphertext: its hash is the SHA-256 of the bytes in the table.
            await using (var db = new SqliteConnection($"Data Source={Path.Combine(dir, "events.db")};Pooling=false"))
            {
                await db.OpenAsync();
                foreach (var r in first)
                {
                    var command = db.CreateCommand();
                    command.CommandText = "SELECT data FROM consciousness_events WHERE event_id = $id";
                    command.Parameters.AddWithValue("$id", r.Event.EventId.ToString());
                    var stored = (byte[])(await command.ExecuteScalarAsync())!;
                    var proof = await client.ProofAsync("ledger-a", r.Event.EventId);
                    Assert.Equal(SHA256.HashData(stored), IndependentVerifier.PayloadHashOf(proof.LeafInput));
                    Assert.True(proof.EventStored);
                }
            }

            // More events: the new checkpoint extends the old one, and old proofs still verify at the old size.
            var more = Events("ledger-a", 9, now.AddSeconds(1));
            await log.Append(more);
            var c2 = await client.CheckpointAsync("ledger-a");
            Assert.Equal(22, c2.TreeSize);
            await client.VerifyAsync(publicKey, c2, first.Concat(more).Select(r => r.Event.EventId));
            Assert.True(IndependentVerifier.VerifyConsistency(c1.TreeSize, c2.TreeSize, c1.RootHash, c2.RootHash,
                await client.ConsistencyAsync("ledger-a", c1.TreeSize, c2.TreeSize)));
            await client.VerifyAsync(publicKey, c1, first.Select(r => r.Event.EventId));

            // Restart on the same data directory: the same key, the same tree.
            await host.StopAsync();
            host = await GatewayHost.StartAsync(Embedded, dataDirectory: dir);
            using var after = new LogClient(host.Http);
            Assert.Equal(keyId, (await after.KeyAsync()).KeyId);
            var c3 = await after.CheckpointAsync("ledger-a");
            Assert.Equal(c2.TreeSize, c3.TreeSize);
            Assert.Equal(c2.RootHash, c3.RootHash);
            Assert.True(IndependentVerifier.VerifyConsistency(c1.TreeSize, c3.TreeSize, c1.RootHash, c3.RootHash,
                await after.ConsistencyAsync("ledger-a", c1.TreeSize, c3.TreeSize)));
            await after.VerifyAsync(publicKey, c3, first.Concat(more).Select(r => r.Event.EventId));

            // Someone edits rows behind the server's back: a payload byte, and a resonance value.
            var edited = new[] { first[4].Event.EventId, more[2].Event.EventId };
            await using (var db = new SqliteConnection($"Data Source={Path.Combine(dir, "events.db")};Pooling=false"))
            {
                await db.OpenAsync();
                var command = db.CreateCommand();
                command.CommandText = "UPDATE consciousness_events SET data = CAST(substr(data, 1, 20) || (CASE WHEN substr(data, 21, 1) = X'5A' THEN X'A5' ELSE X'5A' END) || substr(data, 22) AS BLOB) WHERE event_id = $a;" +
                                      "UPDATE consciousness_events SET resonance = 0.99 WHERE event_id = $b";
                command.Parameters.AddWithValue("$a", edited[0].ToString());
                command.Parameters.AddWithValue("$b", edited[1].ToString());
                Assert.Equal(2, await command.ExecuteNonQueryAsync());
            }
            foreach (var id in edited)
            {
                var p = await after.ProofAsync("ledger-a", id, c3.TreeSize);
                Assert.False(IndependentVerifier.VerifyInclusion(p.LeafIndex, p.TreeSize, p.LeafInput, p.AuditPath, c3.RootHash), $"the edit of {id} went unnoticed");
            }
            // The rest still verifies; the tree itself did not change.
            await after.VerifyAsync(publicKey, c3, first.Concat(more).Select(r => r.Event.EventId).Except(edited));
            Assert.Equal(c3.RootHash, (await after.CheckpointAsync("ledger-a")).RootHash);
        }
        finally
        {
            await host.StopAsync();
            GatewayHost.DeleteData(dir);
        }
    }

    [Fact]
    public async Task Proofs_of_events_dropped_by_retention_still_verify_from_the_log()
    {
        await using var host = await GatewayHost.StartAsync(Embedded);
        try
        {
            var now = DateTime.UtcNow;
            var old = TestEvents.Make("ledger-retention", now.AddDays(-45), x: 1, y: 2, resonance: 0.5);
            var recent = TestEvents.Make("ledger-retention", now, x: 3, y: 4, resonance: 0.25);
            await host.Grains.GetGrain<IEventLogGrain>(0).Append([old, recent]);
            await host.Grains.GetGrain<IEventMaintenanceGrain>(0).MaintainNow();
            Assert.Equal(1, await host.Grains.GetGrain<IEventLogGrain>(0).Count("ledger-retention"));

            using var client = new LogClient(host.Http);
            var (_, key) = await client.KeyAsync();
            var checkpoint = await client.CheckpointAsync("ledger-retention");
            Assert.Equal(2, checkpoint.TreeSize);
            await client.VerifyAsync(key, checkpoint, [old.Event.EventId, recent.Event.EventId]);
            Assert.False((await client.ProofAsync("ledger-retention", old.Event.EventId)).EventStored);
            Assert.True((await client.ProofAsync("ledger-retention", recent.Event.EventId)).EventStored);
        }
        finally
        {
            await host.StopAsync();
            GatewayHost.DeleteData(host.DataDirectory);
        }
    }

    [Fact]
    public async Task Bad_query_parameters_get_clear_400_errors_and_an_unknown_event_a_404()
    {
        await using var host = await GatewayHost.StartAsync(Embedded);
        try
        {
            var e = TestEvents.Make("ledger-errors", DateTime.UtcNow);
            await host.Grains.GetGrain<IEventLogGrain>(0).Append([e, TestEvents.Make("ledger-errors", DateTime.UtcNow)]);
            using var client = new LogClient(host.Http);
            string id = e.Event.EventId.ToString();
            var cases = new (string Path, HttpStatusCode Status, string Code, string? Field)[]
            {
                ("/api/spaces/Bad_Space/log/checkpoint", HttpStatusCode.BadRequest, "invalid_value", "id"),
                ("/api/spaces/ledger-errors/log/proof", HttpStatusCode.BadRequest, "missing_field", "eventId"),
                ("/api/spaces/ledger-errors/log/proof?eventId=nope", HttpStatusCode.BadRequest, "invalid_value", "eventId"),
                ($"/api/spaces/ledger-errors/log/proof?eventId={id}&treeSize=-1", HttpStatusCode.BadRequest, "out_of_range", "treeSize"),
                ($"/api/spaces/ledger-errors/log/proof?eventId={id}&treeSize=two", HttpStatusCode.BadRequest, "invalid_type", "treeSize"),
                ($"/api/spaces/ledger-errors/log/proof?eventId={id}&treeSize=3", HttpStatusCode.BadRequest, "out_of_range", "treeSize"),
                ($"/api/spaces/ledger-errors/log/proof?eventId={id}&treeSize=0", HttpStatusCode.BadRequest, "out_of_range", "treeSize"),
                ($"/api/spaces/ledger-errors/log/proof?eventId={Guid.NewGuid()}", HttpStatusCode.NotFound, "not_found", "eventId"),
                // An event of another space is not in this space's log.
                ($"/api/spaces/ledger-other/log/proof?eventId={id}", HttpStatusCode.NotFound, "not_found", "eventId"),
                ("/api/spaces/ledger-errors/log/consistency", HttpStatusCode.BadRequest, "missing_field", "from"),
                ("/api/spaces/ledger-errors/log/consistency?from=-2&to=2", HttpStatusCode.BadRequest, "out_of_range", "from"),
                ("/api/spaces/ledger-errors/log/consistency?from=1.5&to=2", HttpStatusCode.BadRequest, "invalid_type", "from"),
                ("/api/spaces/ledger-errors/log/consistency?from=2&to=1", HttpStatusCode.BadRequest, "out_of_range", "from"),
                ("/api/spaces/ledger-errors/log/consistency?from=1&to=3", HttpStatusCode.BadRequest, "out_of_range", "to"),
                ("/api/spaces/ledger-errors/log/consistency?from=3", HttpStatusCode.BadRequest, "out_of_range", "from"),
                ("/api/spaces/ledger-errors/log/consistency?from=99999999999999999999", HttpStatusCode.BadRequest, "invalid_type", "from"),
            };
            foreach (var (path, status, code, field) in cases)
            {
                var answer = await client.ErrorAsync(path);
                Assert.True((status, code, field) == (answer.Status, answer.Code, answer.Field), $"{path}: got {answer}");
            }
            // Nothing above changed the log.
            Assert.Equal(2, (await client.CheckpointAsync("ledger-errors")).TreeSize);
            Assert.Equal(0, (await client.CheckpointAsync("ledger-other")).TreeSize);
        }
        finally
        {
            await host.StopAsync();
            GatewayHost.DeleteData(host.DataDirectory);
        }
    }
}
