using StackExchange.Redis;

namespace Resonance.Tests.Ledger;

/// <summary>
/// A Redis consumer-group member as an application would run one: reads new entries (<c>XREADGROUP ... &gt;</c>),
/// records them and acknowledges them, until stopped. Every entry it ever received is kept, duplicates included.
/// </summary>
public sealed class StreamConsumer : IAsyncDisposable
{
    private readonly IDatabase _db;
    private readonly string _stream, _group;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(long Seq, Guid EventId, string Space)> _received = [];
    private readonly List<string> _problems = [];
    private readonly Task _loop;

    private StreamConsumer(IDatabase db, string stream, string group)
    {
        (_db, _stream, _group) = (db, stream, group);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Creates the group (from the stream's beginning, creating the stream) and starts reading.</summary>
    public static async Task<StreamConsumer> StartAsync(IConnectionMultiplexer redis, string stream, string group)
    {
        var db = redis.GetDatabase();
        await db.StreamCreateConsumerGroupAsync(stream, group, "0-0", createStream: true);
        return new StreamConsumer(db, stream, group);
    }

    public IReadOnlyList<(long Seq, Guid EventId, string Space)> Received
    {
        get { lock (_received) return [.. _received]; }
    }

    public IReadOnlyList<string> Problems
    {
        get { lock (_received) return [.. _problems]; }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var entries = await _db.StreamReadGroupAsync(_stream, _group, "consumer-1", ">", count: 200);
                if (entries.Length == 0)
                {
                    // Nothing new: a consumer polls (StackExchange.Redis has no blocking read).
                    await Task.Delay(20, _stop.Token);
                    continue;
                }
                lock (_received)
                    foreach (var e in entries)
                        _received.Add((long.Parse(e.Id.ToString().Split('-')[0]), Guid.Parse(e["eventId"].ToString()), e["space"].ToString()));
                await _db.StreamAcknowledgeAsync(_stream, _group, [.. entries.Select(e => e.Id)]);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RedisException e)
            {
                lock (_received) _problems.Add(e.Message);
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
    }
}
