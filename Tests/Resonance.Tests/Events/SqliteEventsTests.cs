using Resonance.Grains.Events;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Events;

/// <summary>The embedded default (SQLite): proximity history, retention by time, and rollups through the co-hosted silo.</summary>
public sealed class SqliteEventsTests
{
    [Fact]
    public async Task Proximity_filters_in_SQL_and_retention_deletes_by_time()
    {
        var dir = Directory.CreateTempSubdirectory("resonance-sqlite-");
        try
        {
            var store = EventStore.Sqlite(Path.Combine(dir.FullName, "events.db"), TestKeys.With(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            await store.InitializeAsync(CancellationToken.None);
            await store.InitializeAsync(CancellationToken.None);
            var records = ProximityData.Records("near", DateTime.UtcNow.AddSeconds(-10));
            await store.AppendAsync(records, CancellationToken.None);
            await ProximityData.CheckAsync(store, records);

            var now = DateTime.UtcNow;
            var old = new[] { 45.0, 30.01, 29.99, 1 }.Select(days => TestEvents.Make("old", now.AddDays(-days))).ToList();
            await store.AppendAsync(old, CancellationToken.None);
            var report = await store.MaintainAsync(now, TimeSpan.FromDays(30), CancellationToken.None);
            Assert.Equal(2, report.RowsDeleted);
            var left = await store.QueryAsync(new EventQuery("old", now.AddDays(-60), now, 100), CancellationToken.None);
            Assert.Equal(old.Skip(2).Select(r => r.Event.EventId), left.Select(r => r.Event.EventId));
        }
        finally
        {
            GatewayHost.DeleteData(dir.FullName);
        }
    }

    [Fact]
    public async Task The_silo_side_owns_the_store_maintenance_runs_in_its_grain_and_history_is_read_through_the_event_log_grain()
    {
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["Resonance:Storage:Postgres"] = "" });
        try
        {
            var store = (IEventStore)host.App.Services.GetService(typeof(IEventStore))!;
            var now = DateTime.UtcNow;
            var records = new[] { 45.0, 31, 2, 0.001 }.Select(days => TestEvents.Make("kept-or-expired", now.AddDays(-days))).ToArray();
            // Appended the way a gateway appends: one grain call, answered after the commit.
            await host.Grains.GetGrain<IEventLogGrain>(0).Append(records);
            Assert.Equal(4, await host.Grains.GetGrain<IEventLogGrain>(0).Count("kept-or-expired"));
            await host.Grains.GetGrain<IEventMaintenanceGrain>(0).MaintainNow();
            var left = await host.Grains.GetGrain<IEventLogGrain>(0).Query(new EventQuery("kept-or-expired", now.AddDays(-60), now.AddMinutes(1), 100));
            Assert.Equal(records.Skip(2).Select(r => r.Event.EventId), left.Select(r => r.Event.EventId));
            Assert.Equal(2, await store.CountAsync("kept-or-expired", CancellationToken.None));
        }
        finally
        {
            await host.StopAsync();
            GatewayHost.DeleteData(host.DataDirectory);
        }
    }

    [Fact]
    public async Task The_embedded_default_rolls_up_minutes_from_its_SQLite_file()
    {
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Resonance:Storage:Postgres"] = "",
            ["Resonance:Rollups:FirstDue"] = "00:00:01",
        });
        try
        {
            const string Space = "rollup-sqlite";
            const int Minutes = 4;
            var store = (IEventStore)host.App.Services.GetService(typeof(IEventStore))!;
            Assert.Null(((EventStore)store).Layout); // SQLite: no partitions
            var first = Resonance.Grains.Rollups.Minutes.Floor(DateTime.UtcNow).AddMinutes(-Minutes - 1);
            var records = RollupData.Records(Space, first, Minutes);
            await store.AppendAsync(records, CancellationToken.None);

            var grain = host.Grains.GetGrain<IRollupGrain>(Space);
            await grain.Start();
            var stored = await Eventually.Until(() => grain.Get(first, first.AddMinutes(Minutes), 100), r => r.Length == Minutes,
                TimeSpan.FromSeconds(30), "the reminder rolls up every minute");

            var expected = records.GroupBy(r => Resonance.Grains.Rollups.Minutes.Floor(r.Event.TimestampUtc)).OrderBy(g => g.Key)
                .Select(g => ReferenceRollup.Compute(Space, g.Key, g.Select(r => new ReferenceRollup.Raw(r.Event.UserId, r.Event.X, r.Event.Y, r.Event.Resonance)).ToList()))
                .ToList();
            for (int m = 0; m < Minutes; m++) ReferenceRollup.AssertEqual(expected[m], stored[m]);
        }
        finally
        {
            await host.StopAsync();
            GatewayHost.DeleteData(host.DataDirectory);
        }
    }

    [Fact]
    public async Task Late_events_update_the_rollup_of_their_minute_in_the_SQLite_file()
    {
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["Resonance:Storage:Postgres"] = "" });
        try
        {
            var store = (IEventStore)host.App.Services.GetService(typeof(IEventStore))!;
            await LateEvents.AssertLateEventsUpdateTheirMinutes(store, host.Grains.GetGrain<IRollupGrain>("late-sqlite"), "late-sqlite");
        }
        finally
        {
            await host.StopAsync();
            GatewayHost.DeleteData(host.DataDirectory);
        }
    }
}
