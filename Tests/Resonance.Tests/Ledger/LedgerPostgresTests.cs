using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Resonance.Grains;
using Resonance.Grains.Events;
using Resonance.Tests.Events;
using Resonance.Tests.Gateway;
using Resonance.Tests.Services;

namespace Resonance.Tests.Ledger;

/// <summary>The event log on PostgreSQL, where several silos commit at once.</summary>
public sealed class LedgerPostgresTests
{
    [Fact]
    public async Task Concurrent_silos_append_contiguous_leaves_in_commit_order_and_resent_events_add_none()
    {
        string db = await TestServices.CreateDatabaseAsync("ledger_conc");
        // Two stores on one database: what two silos' writers are.
        await using var a = EventStore.Postgres(db, 3, TestKeys.With(), NullLogger.Instance);
        await using var b = EventStore.Postgres(db, 3, TestKeys.With(), NullLogger.Instance);
        await Task.WhenAll(a.InitializeAsync(CancellationToken.None), b.InitializeAsync(CancellationToken.None));
        string[] spaces = ["conc-0", "conc-1", "conc-2"];
        var now = DateTime.UtcNow;
        var all = new System.Collections.Concurrent.ConcurrentBag<EventRecord>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (int k = 0; k < 15; k++)
            {
                var batch = Enumerable.Range(0, 1 + random.Next(25))
                    .Select(_ => TestEvents.Make(spaces[random.Next(spaces.Length)], now.AddTicks(random.Next(1_000_000_000)), x: random.Next(30), y: random.NextDouble() * 30, resonance: random.NextDouble()))
                    .ToArray();
                foreach (var r in batch) all.Add(r);
                // The same batch through both silos at once (a retry racing the original): stored and logged once.
                await Task.WhenAll((w % 2 == 0 ? a : b).AppendAsync(batch, CancellationToken.None),
                    (w % 2 == 0 ? b : a).AppendAsync(k % 3 == 0 ? batch : [], CancellationToken.None));
            }
        })));

        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        var leaves = new List<(string Space, long Index, long Seq, Guid Id)>();
        await using (var command = new NpgsqlCommand("SELECT space, leaf_index, seq, encode(substring(leaf_input from 2 for 16), 'hex')::uuid FROM event_log_leaves ORDER BY seq", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) leaves.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetGuid(3)));
        var stored = new HashSet<Guid>();
        await using (var command = new NpgsqlCommand("SELECT id FROM consciousness_events", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) stored.Add(reader.GetGuid(0));

        Assert.Equal(all.Count, stored.Count);
        // One leaf per stored event, the global sequence 1..N without a gap, and each space's indexes 0..n-1 in the
        // same order as the sequence (commit order).
        Assert.Equal(stored.Count, leaves.Count);
        Assert.True(stored.SetEquals(leaves.Select(l => l.Id)));
        Assert.Equal(Enumerable.Range(1, leaves.Count).Select(n => (long)n), leaves.Select(l => l.Seq));
        foreach (var group in leaves.GroupBy(l => l.Space))
            Assert.Equal(Enumerable.Range(0, group.Count()).Select(n => (long)n), group.Select(l => l.Index));
        await using (var command = new NpgsqlCommand("SELECT space, size FROM event_log_heads", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                Assert.Equal(reader.GetString(0) == "" ? leaves.Count : leaves.Count(l => l.Space == reader.GetString(0)), reader.GetInt64(1));

        // Every logged input is what its row rebuilds to (microsecond timestamps, positions, payload hash).
        foreach (var l in leaves)
        {
            var found = await a.GetLeafAsync(l.Space, l.Index, l.Id, CancellationToken.None);
            Assert.NotNull(found);
            Assert.Equal(found.LeafInput, found.RowLeafInput);
        }
    }

    [Fact]
    public async Task Stored_events_verify_independently_and_a_changed_row_is_detected()
    {
        string db = await TestServices.CreateDatabaseAsync("ledger_gw");
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["Resonance:Storage:Postgres"] = db });
        try
        {
            var events = Enumerable.Range(0, 21).Select(k => TestEvents.Make("ledger-pg", DateTime.UtcNow.AddTicks(k * 12_345), x: k, y: 2 * k, resonance: k / 21.0)).ToArray();
            await host.Grains.GetGrain<IEventLogGrain>(0).Append(events[..10]);
            await host.Grains.GetGrain<IEventLogGrain>(0).Append(events[10..]);
            using var client = new LogClient(host.Http);
            var (_, key) = await client.KeyAsync();
            var checkpoint = await client.CheckpointAsync("ledger-pg");
            Assert.Equal(21, checkpoint.TreeSize);
            await client.VerifyAsync(key, checkpoint, events.Select(e => e.Event.EventId));

            await using (var connection = new NpgsqlConnection(db))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(
                    "UPDATE consciousness_events SET event_data = set_byte(event_data, 29, get_byte(event_data, 29) # 255) WHERE id = @a;" +
                    "UPDATE consciousness_events SET position = ST_MakePoint(5, 5) WHERE id = @b", connection);
                command.Parameters.AddWithValue("a", events[7].Event.EventId);
                command.Parameters.AddWithValue("b", events[15].Event.EventId);
                await command.ExecuteNonQueryAsync();
            }
            foreach (var e in new[] { events[7], events[15] })
            {
                var p = await client.ProofAsync("ledger-pg", e.Event.EventId, checkpoint.TreeSize);
                Assert.False(IndependentVerifier.VerifyInclusion(p.LeafIndex, p.TreeSize, p.LeafInput, p.AuditPath, checkpoint.RootHash));
            }
            await client.VerifyAsync(key, checkpoint, events.Where((_, k) => k != 7 && k != 15).Select(e => e.Event.EventId));
        }
        finally
        {
            await host.StopAsync();
            GatewayHost.DeleteData(host.DataDirectory);
        }
    }
}
