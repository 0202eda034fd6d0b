using System.Collections.Concurrent;

namespace Resonance.Gateway.Spaces;

/// <summary>
/// The process's broadcast threads: one per core, dedicated, so a tick's fan-out never waits in a busy thread pool's
/// queue behind grain work. The first thread takes the hubs that have a tick to send, one after another; a broadcast to
/// more sessions than one thread should take is split across all of them.
/// </summary>
public sealed class FanOut : IDisposable
{
    /// <summary>Sessions one thread takes before a broadcast is split.</summary>
    public const int Chunk = 1024;

    private readonly ConcurrentQueue<SpaceHub> _hubs = new();
    private readonly SemaphoreSlim _hubReady = new(0);
    private readonly Helper[] _helpers;
    private readonly Thread _coordinator;
    private volatile bool _stopping;

    public FanOut(int threads)
    {
        threads = Math.Max(1, threads);
        _helpers = new Helper[threads - 1];
        for (int k = 0; k < _helpers.Length; k++) _helpers[k] = new Helper($"resonance-fanout-{k + 1}");
        _coordinator = new Thread(Coordinate) { IsBackground = true, Name = "resonance-fanout-0" };
        _coordinator.Start();
    }

    /// <summary>Asks for <paramref name="hub"/>'s latest tick to be broadcast (the hub coalesces repeated asks).</summary>
    public void Schedule(SpaceHub hub)
    {
        _hubs.Enqueue(hub);
        _hubReady.Release();
    }

    private void Coordinate()
    {
        while (true)
        {
            _hubReady.Wait();
            if (_stopping) return;
            while (_hubs.TryDequeue(out var hub)) hub.BroadcastLatest(this);
        }
    }

    /// <summary>
    /// Offers <paramref name="message"/> to every member, split across the threads when there are many. With
    /// <paramref name="first"/>, each thread offers to the members of its share that it picks before the others, so a
    /// member it does not pick (a session that does not read) never stands before one it does on that thread; one
    /// split serves both kinds, and each share is walked while it is still in the cache.
    /// </summary>
    public void Offer<TItem, T>(SlotView<TItem> members, T message, Action<TItem, T> offer, Func<TItem, bool>? first = null)
        where TItem : class
    {
        int slots = members.Slots;
        int chunks = Math.Min(_helpers.Length + 1, (slots + Chunk - 1) / Chunk);
        if (chunks <= 1)
        {
            OfferRange(members, 0, slots, message, offer, first);
            return;
        }
        using var done = new CountdownEvent(chunks - 1);
        for (int c = 1; c < chunks; c++)
            _helpers[c - 1].Post(new Work<TItem, T>(members, (int)((long)slots * c / chunks), (int)((long)slots * (c + 1) / chunks), message, offer, first, done));
        OfferRange(members, 0, (int)((long)slots / chunks), message, offer, first);
        done.Wait();
    }

    private static void OfferRange<TItem, T>(SlotView<TItem> members, int from, int to, T message, Action<TItem, T> offer, Func<TItem, bool>? first)
        where TItem : class
    {
        if (first is null)
        {
            for (int i = from; i < to; i++)
                if (members[i] is { } m) offer(m, message);
            return;
        }
        for (int i = from; i < to; i++)
            if (members[i] is { } m && first(m)) offer(m, message);
        for (int i = from; i < to; i++)
            if (members[i] is { } m && !first(m)) offer(m, message);
    }

    public void Dispose()
    {
        _stopping = true;
        _hubReady.Release();
        foreach (var h in _helpers) h.Stop();
    }

    /// <summary>One helper's share of a broadcast.</summary>
    private interface IWork
    {
        void Run();
    }

    private sealed record Work<TItem, T>(SlotView<TItem> Members, int From, int To, T Message, Action<TItem, T> Offer, Func<TItem, bool>? First,
        CountdownEvent Done) : IWork where TItem : class
    {
        public void Run()
        {
            try
            {
                OfferRange(Members, From, To, Message, Offer, First);
            }
            finally
            {
                Done.Signal();
            }
        }
    }

    private sealed class Helper
    {
        private readonly SemaphoreSlim _ready = new(0);
        private readonly ConcurrentQueue<IWork> _work = new();
        private volatile bool _stopping;

        public Helper(string name) => new Thread(Run) { IsBackground = true, Name = name }.Start();

        public void Post(IWork work)
        {
            _work.Enqueue(work);
            _ready.Release();
        }

        public void Stop()
        {
            _stopping = true;
            _ready.Release();
        }

        private void Run()
        {
            while (true)
            {
                _ready.Wait();
                if (_stopping) return;
                while (_work.TryDequeue(out var w)) w.Run();
            }
        }
    }
}
