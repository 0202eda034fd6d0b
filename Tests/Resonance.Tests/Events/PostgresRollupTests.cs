using System.Text.Json;
using Resonance.Grains.Events;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Events;

/// <summary>The reminder-driven rollup grain against PostgreSQL, checked against an independent recomputation from the raw rows.</summary>
public sealed class PostgresRollupTests(PostgresGatewayFixture fixture) : IClassFixture<PostgresGatewayFixture>
{
    private GatewayHost Host => fixture.Host;
    private string Db => fixture.Database;

    [Fact]
    public async Task The_reminder_rolls_up_completed_minutes_and_the_values_match_a_recomputation_from_the_raw_events()
    {
        const string Space = "rollup-pg";
        const int Minutes = 5;
        var first = Resonance.Grains.Rollups.Minutes.Floor(DateTime.UtcNow).AddMinutes(-Minutes - 1);
        var store = (IEventStore)Host.App.Services.GetService(typeof(IEventStore))!;
        await store.AppendAsync(RollupData.Records(Space, first, Minutes), CancellationToken.None);

        // Only the reminder (first tick after 1 s) does the work here.
        await Host.Grains.GetGrain<IRollupGrain>(Space).Start();
        await Eventually.Until(() => RollupRows(Space), n => n == Minutes, TimeSpan.FromSeconds(30), "the reminder writes one rollup per minute with events");

        // The reference reads the raw rows itself and groups them with PostgreSQL's own date_trunc.
        var raw = await Pg.ListAsync(Db, """
            SELECT date_trunc('minute', "timestamp"), user_id, ST_X(position), ST_Y(position), resonance
            FROM consciousness_events WHERE space = @s
            """, r => (Minute: r.GetFieldValue<DateTime>(0), Event: new ReferenceRollup.Raw(r.GetGuid(1),
                r.IsDBNull(2) ? null : r.GetDouble(2), r.IsDBNull(3) ? null : r.GetDouble(3), r.IsDBNull(4) ? null : r.GetDouble(4))), ("s", Space));
        var expected = raw.GroupBy(r => r.Minute).OrderBy(g => g.Key)
            .Select(g => ReferenceRollup.Compute(Space, g.Key, g.Select(r => r.Event).ToList())).ToList();
        Assert.Equal(Minutes, expected.Count);
        Assert.Contains(expected, m => m.CentroidX is null && m.Clusters.Length == 0);
        Assert.Contains(expected, m => m.Clusters.Length >= 5);

        var stored = await Host.Grains.GetGrain<IRollupGrain>(Space).Get(first, first.AddMinutes(Minutes), 100);
        Assert.Equal(Minutes, stored.Length);
        for (int m = 0; m < Minutes; m++) ReferenceRollup.AssertEqual(expected[m], stored[m]);

        // The table itself, and the REST view of it.
        var clustersJson = await Pg.ScalarAsync<string>(Db, "SELECT clusters::text FROM event_rollups WHERE space = @s AND minute = @m",
            ("s", Space), ("m", expected[^1].MinuteUtc));
        Assert.Equal(expected[^1].Clusters.Length, JsonDocument.Parse(clustersJson).RootElement.GetArrayLength());
        using var http = new HttpClient { BaseAddress = Host.Http };
        var json = JsonDocument.Parse(await http.GetStringAsync(
            $"/api/spaces/{Space}/aggregates?from={first:O}&to={first.AddMinutes(Minutes):O}")).RootElement;
        var minutes = json.GetProperty("minutes").EnumerateArray().ToList();
        Assert.Equal(Minutes, minutes.Count);
        for (int m = 0; m < Minutes; m++)
        {
            Assert.Equal(expected[m].MinuteUtc, minutes[m].GetProperty("minute").GetDateTime().ToUniversalTime());
            Assert.Equal(expected[m].EventCount, minutes[m].GetProperty("eventCount").GetInt32());
            Assert.Equal(expected[m].ActiveUsers, minutes[m].GetProperty("activeUsers").GetInt32());
            Assert.Equal(expected[m].Clusters.Select(c => c.Count), minutes[m].GetProperty("clusters").EnumerateArray().Select(c => c.GetProperty("count").GetInt32()));
        }

        foreach (var (query, code) in new[] { ("from=2030-01-08T00:00:00Z&to=2030-01-01T00:00:00Z", "out_of_range"),
            ("from=2030-01-01T00:00:00Z&to=2030-01-09T00:00:00Z", "out_of_range"), ("to=later", "invalid_type") })
        {
            var response = await http.GetAsync($"/api/spaces/{Space}/aggregates?{query}");
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(code, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        // Rolling up again finds nothing new and changes nothing.
        Assert.Equal(0, await Host.Grains.GetGrain<IRollupGrain>(Space).RollUpNow());
        var again = await Host.Grains.GetGrain<IRollupGrain>(Space).Get(first, first.AddMinutes(Minutes), 100);
        Assert.Equal(stored, again, (a, b) => a.MinuteUtc == b.MinuteUtc && a.EventCount == b.EventCount && a.Clusters.SequenceEqual(b.Clusters));
    }

    // The table appears with the grain's first use of the store.
    private async Task<long> RollupRows(string space)
    {
        try
        {
            return await Pg.ScalarAsync<long>(Db, "SELECT count(*) FROM event_rollups WHERE space = @s", ("s", space));
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            return -1;
        }
    }

    [Fact]
    public async Task Events_sent_through_the_gateway_start_the_rollups_of_their_space()
    {
        const string Space = "rollup-auto";
        using var http = await Identity.ClientAsync(Host.Http);
        var body = new StringContent($$"""[{"eventType":"a","data":{},"x":1,"y":2,"resonance":0.25,"space":"{{Space}}"}]""", System.Text.Encoding.UTF8, "application/json");
        Assert.True((await http.PostAsync("/api/events", body)).IsSuccessStatusCode);
        // The writer started the space's rollup grain: its reminder is registered (the minute itself completes later).
        var table = (Orleans.IReminderTable)Host.App.Services.GetService(typeof(Orleans.IReminderTable))!;
        var grainId = Host.Grains.GetGrain<IRollupGrain>(Space).GetGrainId();
        await Eventually.Until(async () => (await table.ReadRows(grainId)).Reminders.Select(r => r.ReminderName).ToList(),
            names => names.Contains("rollup"), TimeSpan.FromSeconds(20), "the rollup reminder is registered");
    }

    [Fact]
    public async Task Late_events_update_the_rollup_of_their_minute_in_PostgreSQL()
    {
        const string Space = "late-pg";
        var store = (IEventStore)Host.App.Services.GetService(typeof(IEventStore))!;
        await LateEvents.AssertLateEventsUpdateTheirMinutes(store, Host.Grains.GetGrain<IRollupGrain>(Space), Space);
        // Every mark the grain read is gone; none is left behind for the space.
        Assert.Equal(0L, await Pg.ScalarAsync<long>(Db, "SELECT count(*) FROM event_rollup_marks WHERE space = @s", ("s", Space)));
    }
}
