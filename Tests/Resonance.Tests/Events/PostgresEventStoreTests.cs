using Resonance.Grains;
using Microsoft.Extensions.Logging.Abstractions;
using Resonance.Grains.Events;
using Resonance.Tests.Services;

namespace Resonance.Tests.Events;

/// <summary>The PostgreSQL event store against a real PostgreSQL + PostGIS (a fresh database per test).</summary>
public sealed class PostgresEventStoreTests
{
    private static EventStore Store(string db, int ahead = 3) => EventStore.Postgres(db, ahead, TestKeys.With(), NullLogger.Instance);

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    public async Task Applying_the_schema_twice_and_concurrently_is_harmless_and_keeps_the_data()
    {
        string db = await TestServices.CreateDatabaseAsync("ev_schema");
        await using var store = Store(db);
        await store.InitializeAsync(CancellationToken.None);
        Assert.Equal(PartitionLayout.Daily, store.Layout);
        var e = TestEvents.Make("s", DateTime.UtcNow, 1, 2, 0.5);
        await store.AppendAsync([e], CancellationToken.None);

        // Again on the same store, and from three more "gateways" at once.
        await store.InitializeAsync(CancellationToken.None);
        var others = Enumerable.Range(0, 3).Select(_ => Store(db)).ToList();
        await Task.WhenAll(others.Select(o => o.InitializeAsync(CancellationToken.None)));
        foreach (var o in others) await o.DisposeAsync();

        Assert.Equal(1L, await store.CountAsync("s", CancellationToken.None));
        Assert.Equal("p", await Pg.ScalarAsync<string>(db, "SELECT relkind::text FROM pg_class WHERE oid = 'consciousness_events'::regclass"));
        Assert.Equal(Enumerable.Range(0, 4).Select(d => EventPartitions.Name(Today.AddDays(d))).ToList(), await Pg.PartitionsAsync(db));
        var indexes = await Pg.ListAsync(db, """
            SELECT i.relname || ':' || am.amname FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
            WHERE x.indrelid = 'consciousness_events'::regclass
            """, r => r.GetString(0));
        Assert.Contains("consciousness_events_position:gist", indexes);
        Assert.Contains("consciousness_events_time:brin", indexes);
        Assert.Equal("geometry(Point)", await Pg.ScalarAsync<string>(db,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'consciousness_events'::regclass AND attname = 'position'"));
        Assert.Equal(0, await Pg.ScalarAsync<int>(db, "SELECT ST_SRID(position) FROM consciousness_events"));
    }

    [Fact]
    public async Task Appends_are_idempotent_on_the_event_id_even_when_a_retry_carries_a_new_timestamp()
    {
        string db = await TestServices.CreateDatabaseAsync("ev_idem");
        await using var store = Store(db);
        await store.InitializeAsync(CancellationToken.None);
        var now = DateTime.UtcNow;
        var batch = Enumerable.Range(0, 200).Select(i => TestEvents.Make("s", now.AddMilliseconds(i), i % 30, i % 17, i / 200.0)).ToList();
        await store.AppendAsync(batch, CancellationToken.None);
        // The same batch again, a retry restamped a second later, and duplicates inside one batch.
        await store.AppendAsync(batch, CancellationToken.None);
        await store.AppendAsync(batch.Select(r => r with { Event = r.Event with { TimestampUtc = r.Event.TimestampUtc.AddSeconds(1) } }).ToList(), CancellationToken.None);
        await store.AppendAsync([batch[0], batch[0], batch[1]], CancellationToken.None);
        var fresh = TestEvents.Make("s", now, 3, 3);
        await store.AppendAsync([fresh, fresh], CancellationToken.None);

        Assert.Equal(201L, await Pg.ScalarAsync<long>(db, "SELECT count(*) FROM consciousness_events"));
        Assert.Equal(201L, await Pg.ScalarAsync<long>(db, "SELECT count(DISTINCT id) FROM consciousness_events"));
        Assert.Equal(201L, await Pg.ScalarAsync<long>(db, "SELECT count(*) FROM consciousness_event_ids"));
        // Round trip of every field through COPY and the history query.
        var stored = await store.QueryAsync(new EventQuery("s", now.AddMinutes(-1), now.AddMinutes(1), 1000), CancellationToken.None);
        var expected = batch.Append(fresh).ToDictionary(r => r.Event.EventId);
        Assert.Equal(201, stored.Count);
        foreach (var r in stored)
        {
            var e = expected[r.Event.EventId].Event;
            Assert.Equal((e.UserId, e.EventType, e.X, e.Y, e.Resonance), (r.Event.UserId, r.Event.EventType, r.Event.X, r.Event.Y, r.Event.Resonance));
            Assert.Equal(e.TimestampUtc.Ticks / 10, r.Event.TimestampUtc.Ticks / 10);
            Assert.Equal(1, System.Text.Json.JsonDocument.Parse(r.Event.DataJson).RootElement.GetProperty("n").GetInt32());
        }
    }

    [Fact]
    public async Task Retention_drops_exactly_the_daily_partitions_that_lie_wholly_before_the_cutoff()
    {
        string db = await TestServices.CreateDatabaseAsync("ev_ret");
        await using var store = Store(db, ahead: 2);
        await store.InitializeAsync(CancellationToken.None);
        var now = Today.ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc);
        var retention = TimeSpan.FromDays(30);   // cutoff: day -30 at 12:00

        // Old events: the store creates their partitions on demand; some rows also go in with plain INSERTs.
        int[] ages = [45, 31, 30, 29, 1, 0];
        var byAge = new Dictionary<int, List<Guid>>();
        foreach (int age in ages)
        {
            var day = now.AddDays(-age);
            var records = new[] { TestEvents.Make("old", day.AddHours(-11.5), 1, 1), TestEvents.Make("old", day.AddHours(11.9), 2, 2) };
            await store.AppendAsync(records, CancellationToken.None);
            byAge[age] = records.Select(r => r.Event.EventId).ToList();
            var direct = Guid.NewGuid();
            await Pg.ExecuteAsync(db, """
                INSERT INTO consciousness_events (id, user_id, space, event_type, event_data, position, resonance, "timestamp")
                VALUES (@id, @id, 'old', 'direct', '{}', ST_MakePoint(5, 5), 0.5, @ts)
                """, ("id", direct), ("ts", day));
            byAge[age].Add(direct);
        }
        var before = await Pg.PartitionsAsync(db);
        Assert.Equal(ages.Select(a => EventPartitions.Name(Today.AddDays(-a))).Concat(new[] { 1, 2 }.Select(d => EventPartitions.Name(Today.AddDays(d))))
            .Order(StringComparer.Ordinal), before);

        var report = await store.MaintainAsync(now, retention, CancellationToken.None);

        Assert.Equal([EventPartitions.Name(Today.AddDays(-45)), EventPartitions.Name(Today.AddDays(-31))], report.PartitionsDropped);
        Assert.Empty(report.PartitionsCreated);
        var after = await Pg.PartitionsAsync(db);
        Assert.Equal(before.Except(report.PartitionsDropped).ToList(), after);
        var remaining = (await Pg.ListAsync(db, "SELECT id FROM consciousness_events", r => r.GetGuid(0))).ToHashSet();
        Assert.Equal(ages.Where(a => a <= 30).SelectMany(a => byAge[a]).ToHashSet(), remaining);
        // The id registry forgets exactly the dropped days' ids (the directly inserted rows never registered).
        var registered = (await Pg.ListAsync(db, "SELECT id FROM consciousness_event_ids", r => r.GetGuid(0))).ToHashSet();
        Assert.Equal(ages.Where(a => a <= 30).SelectMany(a => byAge[a].Take(2)).ToHashSet(), registered);
        Assert.Equal(2L * 2, report.RowsDeleted);

        // A day later the next partition ahead appears and day -30 goes too; a repeat run changes nothing.
        var next = await store.MaintainAsync(now.AddDays(1), retention, CancellationToken.None);
        Assert.Equal([EventPartitions.Name(Today.AddDays(3))], next.PartitionsCreated);
        Assert.Equal([EventPartitions.Name(Today.AddDays(-30))], next.PartitionsDropped);
        var again = await store.MaintainAsync(now.AddDays(1), retention, CancellationToken.None);
        Assert.Empty(again.PartitionsCreated);
        Assert.Empty(again.PartitionsDropped);

        // Writing into a dropped day recreates its partition instead of failing.
        await store.AppendAsync([TestEvents.Make("old", now.AddDays(-45))], CancellationToken.None);
        Assert.Contains(EventPartitions.Name(Today.AddDays(-45)), await Pg.PartitionsAsync(db));
    }

    [Fact]
    public async Task A_partition_dropped_by_another_gateway_is_recreated_on_the_retry()
    {
        string db = await TestServices.CreateDatabaseAsync("ev_drop");
        await using var a = Store(db);
        await using var b = Store(db);
        await a.InitializeAsync(CancellationToken.None);
        await b.InitializeAsync(CancellationToken.None);
        var old = DateTime.UtcNow.AddDays(-40);
        await a.AppendAsync([TestEvents.Make("s", old)], CancellationToken.None);
        Assert.Single((await b.MaintainAsync(DateTime.UtcNow, TimeSpan.FromDays(30), CancellationToken.None)).PartitionsDropped);

        var late = TestEvents.Make("s", old);
        var e = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => a.AppendAsync([late], CancellationToken.None));
        Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, e.SqlState);
        await a.AppendAsync([late], CancellationToken.None);   // what EventWriter's retry does
        Assert.Equal(1L, await Pg.ScalarAsync<long>(db, "SELECT count(*) FROM consciousness_events WHERE id = @id", ("id", late.Event.EventId)));
    }

    [Fact]
    public async Task The_proximity_query_returns_exactly_the_events_within_the_radius()
    {
        string db = await TestServices.CreateDatabaseAsync("ev_near");
        await using var store = Store(db);
        await store.InitializeAsync(CancellationToken.None);
        var records = ProximityData.Records("near", DateTime.UtcNow.AddSeconds(-10));
        await store.AppendAsync(records, CancellationToken.None);
        await ProximityData.CheckAsync(store, records);
    }
}
