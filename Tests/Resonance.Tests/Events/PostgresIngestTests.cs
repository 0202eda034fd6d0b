using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Resonance.Grains.Events;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Events;

/// <summary>Events through a real gateway into PostgreSQL: WebSocket acks and REST batches with retries.</summary>
public sealed class PostgresIngestTests(PostgresGatewayFixture fixture) : IClassFixture<PostgresGatewayFixture>
{
    private GatewayHost Host => fixture.Host;
    private string Db => fixture.Database;

    [Fact]
    public async Task Concurrent_clients_and_retried_batches_store_every_event_exactly_once_and_acks_follow_the_commit()
    {
        const string Space = "ingest";
        const int Clients = 20, PerClient = 25, Batches = 10, PerBatch = 40, Attempts = 3;
        Assert.NotNull(((EventStore)Host.App.Services.GetService(typeof(IEventStore))!).Layout);

        // Every ack is checked against the table the moment it arrives.
        async Task<List<Guid>> Client(int c)
        {
            await using var ws = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={Space}"));
            await ws.WaitForTypeAsync("connection_established");
            for (int n = 0; n < PerClient; n++)
                await ws.SendAsync(new { type = "consciousness_event", eventType = "pulse", data = new { c, n }, x = c + 0.5, y = n + 0.25, resonance = n / 25.0, ackId = $"{c}-{n}" });
            var acked = new List<Guid>();
            var missing = new List<string>();
            for (int n = 0; n < PerClient; n++)
            {
                var ack = (await ws.WaitForTypeAsync("ack")).Json;
                var id = ack.GetProperty("eventId").GetGuid();
                if (await Pg.ScalarAsync<long>(Db, "SELECT count(*) FROM consciousness_events WHERE id = @id", ("id", id)) != 1)
                    missing.Add(ack.GetProperty("ackId").GetString()!);
                acked.Add(id);
            }
            Assert.Empty(missing);
            return acked;
        }

        // The same batch posted three times at once (a client retrying before the first answer came back).
        var posted = Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, PerBatch).Select(_ => Guid.NewGuid()).ToList()).ToList();
        using var http = await Identity.ClientAsync(Host.Http);
        async Task Post(List<Guid> ids)
        {
            var body = ids.Select((id, i) => new { eventId = id, eventType = "batch", data = new { i }, x = i % 30 + 0.1, y = 7.0, resonance = 0.5, space = Space });
            var response = await http.PostAsJsonAsync("/api/events", body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(PerBatch, json.GetProperty("accepted").GetInt32());
            // Answered after commit: every id is in the table now.
            Assert.Equal((long)PerBatch, await Pg.ScalarAsync<long>(Db, "SELECT count(*) FROM consciousness_events WHERE id = ANY(@ids)", ("ids", ids.ToArray())));
        }

        var clientTasks = Enumerable.Range(0, Clients).Select(Client).ToList();
        var postTasks = posted.SelectMany(ids => Enumerable.Range(0, Attempts).Select(_ => Post(ids))).ToList();
        await Task.WhenAll(postTasks);
        var acked = (await Task.WhenAll(clientTasks)).SelectMany(a => a).ToList();
        // A late retry after everything settled changes nothing either.
        await Post(posted[0]);

        var expected = acked.Concat(posted.SelectMany(p => p)).ToHashSet();
        Assert.Equal(Clients * PerClient + Batches * PerBatch, expected.Count);
        var stored = await Pg.ListAsync(Db, "SELECT id FROM consciousness_events WHERE space = @s", r => r.GetGuid(0), ("s", Space));
        Assert.Equal(expected.Count, stored.Count);
        Assert.Equal(expected, stored.ToHashSet());
        Assert.Equal((long)expected.Count, await Pg.ScalarAsync<long>(Db, "SELECT count(*) FROM consciousness_event_ids WHERE id = ANY(@ids)", ("ids", expected.ToArray())));
    }

    [Fact]
    public async Task The_history_endpoint_filters_by_proximity_and_validates_its_parameters()
    {
        const string Space = "history-near";
        var store = (IEventStore)Host.App.Services.GetService(typeof(IEventStore))!;
        var records = ProximityData.Records(Space, DateTime.UtcNow.AddSeconds(-30));
        await store.AppendAsync(records, CancellationToken.None);
        await ProximityData.CheckAsync(store, records);

        using var http = new HttpClient { BaseAddress = Host.Http };
        var json = JsonDocument.Parse(await http.GetStringAsync($"/api/spaces/{Space}/events?x=10&y=10&radius=5")).RootElement;
        var expected = records.Where(r => r.Event.X is { } x && r.Event.Y is { } y && Math.Sqrt((x - 10) * (x - 10) + (y - 10) * (y - 10)) <= 5)
            .Select(r => r.Event.EventId).ToHashSet();
        Assert.Equal(expected, json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("eventId").GetGuid()).ToHashSet());
        Assert.Equal(expected.Count, json.GetProperty("count").GetInt32());
        Assert.Equal(3, JsonDocument.Parse(await http.GetStringAsync($"/api/spaces/{Space}/events?limit=3")).RootElement.GetProperty("count").GetInt32());

        foreach (var (query, code) in new[]
        {
            ("x=1&y=2", "missing_field"), ("x=a&y=1&radius=1", "invalid_type"), ("x=1&y=1&radius=-1", "out_of_range"),
            ("x=1&y=1&radius=NaN", "not_finite"), ("x=1e300&y=1&radius=1", "out_of_range"), ("from=yesterday", "invalid_type"),
            ("from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "out_of_range"), ("limit=0", "out_of_range"), ("limit=x", "invalid_type"),
        })
        {
            var response = await http.GetAsync($"/api/spaces/{Space}/events?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(code, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/spaces/Bad_Id/events")).StatusCode);
    }
}
