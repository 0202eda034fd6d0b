using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Events;
using Resonance.Tests.Gateway;
using Resonance.Tests.Reliability;
using Resonance.Tests.Services;
using StackExchange.Redis;

namespace Resonance.Tests.Ledger;

/// <summary>
/// The Redis stream export with a real Redis and a real consumer group: every committed event arrives once, in commit
/// order, also when Redis was down meanwhile (ingest goes on) and across a restart; the stream is trimmed.
/// </summary>
public sealed class RedisStreamExportTests
{
    private static Dictionary<string, string?> Settings(string redis, string stream, long maxLength = 0) => new()
    {
        ["Resonance:Storage:Postgres"] = "",
        ["Resonance:Export:RedisStream"] = stream,
        ["Resonance:Export:Redis"] = redis,
        ["Resonance:Export:MaxLength"] = maxLength.ToString(),
        ["Resonance:Export:PollInterval"] = "00:00:00.200",
    };

    private static EventRecord[] Batch(string space, int n) =>
        [.. Enumerable.Range(0, n).Select(k => TestEvents.Make(space, DateTime.UtcNow, x: k, y: 1, resonance: 0.5))];

    [Fact]
    public async Task Every_event_reaches_the_consumer_group_once_through_a_redis_outage_and_a_restart()
    {
        await using var services = await DedicatedServices.StartAsync(postgres: false, redis: true);
        string stream = $"ledger:{Guid.NewGuid():N}";
        var host = await GatewayHost.StartAsync(Settings(services.Redis, stream));
        string dir = host.DataDirectory;
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{services.Redis},abortConnect=false");
        var consumer = await StreamConsumer.StartAsync(redis, stream, "readers");
        var sent = new List<EventRecord>();
        try
        {
            async Task Append(GatewayHost h, params EventRecord[] records)
            {
                await h.Grains.GetGrain<IEventLogGrain>(0).Append(records);
                sent.AddRange(records);
            }
            await Append(host, [.. Batch("export-a", 30), .. Batch("export-b", 20)]);
            await Append(host, Batch("export-a", 30));
            await Eventually.Until(() => Task.FromResult(consumer.Received.Count), n => n >= sent.Count, TimeSpan.FromSeconds(30), "the first events in the stream");

            // Redis goes away: commits are not held up or failed by it.
            await services.StopRedisAsync();
            for (int k = 0; k < 6; k++) await Append(host, Batch("export-b", 10));
            Assert.Equal(80, await host.Grains.GetGrain<IEventLogGrain>(0).Count("export-b"));
            await services.StartRedisAsync();
            await Eventually.Until(() => Task.FromResult(consumer.Received.Count), n => n >= sent.Count, TimeSpan.FromSeconds(60), "the events committed while Redis was down");

            // A restart resumes from the stream's own last id.
            await host.StopAsync();
            host = await GatewayHost.StartAsync(Settings(services.Redis, stream), dataDirectory: dir);
            await Append(host, Batch("export-a", 25));
            await Eventually.Until(() => Task.FromResult(consumer.Received.Count), n => n >= sent.Count, TimeSpan.FromSeconds(30), "the events after the restart");
            Assert.Equal(sent.Count, await host.Grains.GetGrain<IEventExportGrain>(0).ExportedThrough());
        }
        finally
        {
            await consumer.DisposeAsync();
            await host.StopAsync();
            GatewayHost.DeleteData(dir);
        }
        var received = consumer.Received;
        Assert.Equal(sent.Count, received.Count);
        Assert.Equal(Enumerable.Range(1, sent.Count).Select(n => (long)n), received.Select(r => r.Seq));
        Assert.True(sent.Select(r => r.Event.EventId).ToHashSet().SetEquals(received.Select(r => r.EventId)));
        var spaceOf = sent.ToDictionary(r => r.Event.EventId, r => r.Space);
        Assert.All(received, r => Assert.Equal(spaceOf[r.EventId], r.Space));
    }

    [Fact]
    public async Task The_stream_is_trimmed_to_about_its_max_length_and_entries_carry_no_payload()
    {
        string stream = $"ledger:{Guid.NewGuid():N}";
        await using var host = await GatewayHost.StartAsync(Settings(TestServices.Redis, stream, maxLength: 100));
        try
        {
            for (int k = 0; k < 10; k++) await host.Grains.GetGrain<IEventLogGrain>(0).Append(Batch("export-trim", 100));
            await Eventually.Until(() => host.Grains.GetGrain<IEventExportGrain>(0).ExportedThrough(), n => n == 1000, TimeSpan.FromSeconds(30), "all exported");
            await using var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis);
            var db = redis.GetDatabase();
            long length = await db.StreamLengthAsync(stream);
            // MAXLEN ~ trims whole nodes of the stream's radix tree: at least the limit stays, far fewer than all.
            Assert.InRange(length, 100, 999);
            var last = (await db.StreamRangeAsync(stream, "-", "+", count: 1, messageOrder: Order.Descending)).Single();
            Assert.Equal("1000-0", last.Id.ToString());
            var names = last.Values.Select(v => v.Name.ToString()).ToHashSet();
            Assert.Contains("payloadSha256", names);
            Assert.DoesNotContain("data", names);
            Assert.DoesNotContain("userId", names);
            await db.KeyDeleteAsync(stream);
        }
        finally
        {
            await host.StopAsync();
            GatewayHost.DeleteData(host.DataDirectory);
        }
    }
}
