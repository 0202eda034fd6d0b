using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Resonance.LoadTest;

/// <summary>
/// Runs one load test: ramps clients up, drives every client's sends from ONE scheduler thread
/// (a priority queue of due times, so 10,000 clients cost one thread, not 10,000 timers), runs one
/// receive loop per socket on pooled buffers, and collects the summary.
/// </summary>
public sealed class LoadRunner
{
    private readonly LoadOptions _o;
    private readonly Stats _stats = new();
    private readonly SimClient[] _clients;
    // One registration queue per scheduler shard; a client belongs to shard Index % shards.
    private readonly ConcurrentQueue<int>[] _opened;
    private readonly List<Task> _receiveLoops = [];
    private readonly Lock _loopsLock = new();
    private readonly HttpMessageInvoker _invoker;
    private volatile bool _stopping;
    private int _connectAttemptsDone;
    private readonly Action<string>? _progress;

    public Stats Stats => _stats;

    /// <param name="progress">Receives one progress line per second; null for none.</param>
    public LoadRunner(LoadOptions options, Action<string>? progress = null)
    {
        _o = options;
        _progress = progress;
        var rng = new Random(options.Seed);
        _clients = new SimClient[options.Clients];
        for (int i = 0; i < _clients.Length; i++) _clients[i] = new SimClient(i, rng, options.StreamMinHz, options.StreamMaxHz);
        int shards = Math.Clamp(options.Senders ?? Environment.ProcessorCount, 1, Math.Max(1, _clients.Length));
        _opened = new ConcurrentQueue<int>[shards];
        for (int i = 0; i < shards; i++) _opened[i] = new ConcurrentQueue<int>();
        // One handler for all handshakes (no per-client handler/pool), no proxy: a proxy would distort latency.
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(options.ConnectTimeoutSeconds),
        };
        if (options.SourceAddresses > 1) handler.ConnectCallback = ConnectFromSpreadSourceAsync;
        _invoker = new HttpMessageInvoker(handler);
    }

    private int _nextSource;
    private const int IpBindAddressNoPort = 24;   // Linux IP_BIND_ADDRESS_NO_PORT (SOL_IP = 0)

    /// <summary>
    /// Connects from 127.0.0.(1 + k % N): each source address has its own ephemeral port range,
    /// so more than ~28,000 concurrent connections to one server port fit. IP_BIND_ADDRESS_NO_PORT
    /// defers the port choice to connect(), where the kernel can share ports across destinations.
    /// </summary>
    private async ValueTask<Stream> ConnectFromSpreadSourceAsync(SocketsHttpConnectionContext ctx, CancellationToken token)
    {
        int k = Interlocked.Increment(ref _nextSource) - 1;
        var source = new IPAddress(new byte[] { 127, 0, 0, (byte)(1 + k % _o.SourceAddresses) });
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(0, IpBindAddressNoPort, BitConverter.GetBytes(1));
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(ctx.DnsEndPoint, token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task<LoadSummary> RunAsync(CancellationToken cancel = default)
    {
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        double ramp = _o.EffectiveRampSeconds;
        // A send is a syscall that, on loopback, also runs the receiver's TCP path: one thread tops out
        // around a few 10^4 sends/s, so the schedule is split into one shard per core.
        var schedulers = new Thread[_opened.Length];
        for (int i = 0; i < schedulers.Length; i++)
        {
            int shard = i;
            schedulers[i] = new Thread(() => SchedulerLoop(shard, _o.Seed ^ (0x5EED + shard))) { IsBackground = true, Name = $"load-scheduler-{shard}" };
            schedulers[i].Start();
        }
        var connector = Task.Run(() => ConnectAllAsync(start, ramp));

        // Progress / phase bookkeeping once per second; also ends early when nothing can be measured.
        long rampEndOut = 0, rampEndIn = 0;
        long rampEndTick = 0;
        long lastOut = 0, lastIn = 0, lastTick = start;
        bool steady = ramp <= 0;
        var probe = new DispatchProbe(_stats, TimeSpan.FromMilliseconds(50));
        var resources = new ResourceWatch(_o.ServerPid, _o.Url.Port);
        void StartWindow()
        {
            resources.WindowStarts();
            _stats.LagBySecond.Start(UpdateDelivery.UnixMicrosNow());
            _stats.SteadyPhase = true;
        }
        if (steady) { StartWindow(); rampEndTick = start; }
        while (!cancel.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            double elapsed = Stopwatch.GetElapsedTime(start, now).TotalSeconds;
            if (elapsed >= _o.DurationSeconds) break;
            if (!steady && elapsed >= ramp)
            {
                steady = true;
                rampEndOut = _stats.TotalOut();
                rampEndIn = _stats.TotalIn();
                rampEndTick = now;
                StartWindow();
            }
            if (Volatile.Read(ref _connectAttemptsDone) == _clients.Length && Interlocked.Read(ref _stats.Open) == 0) break;

            double toNextSecond = Math.Ceiling(elapsed + 1e-9) - elapsed;
            double sleep = Math.Min(toNextSecond, _o.DurationSeconds - elapsed);
            if (!steady) sleep = Math.Min(sleep, Math.Max(0.001, ramp - elapsed));
            try { await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.001, sleep)), cancel); } catch (OperationCanceledException) { break; }

            resources.Sample(steady);
            long t = Stopwatch.GetTimestamp();
            double dt = Stopwatch.GetElapsedTime(lastTick, t).TotalSeconds;
            // Wake-ups can run a little late or early; 0.5 s keeps one line per second without skipping any.
            if (_progress != null && dt >= 0.5)
            {
                long o = _stats.TotalOut(), i = _stats.TotalIn();
                var combined = Combine(_stats.Whole);
                _progress(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"[{Stopwatch.GetElapsedTime(start, t).TotalSeconds,5:F0}s] connected {Interlocked.Read(ref _stats.Connected)}/{_clients.Length} open {Interlocked.Read(ref _stats.Open)}  out {(o - lastOut) / dt,8:F0}/s  in {(i - lastIn) / dt,8:F0}/s  p99 {(combined.Count == 0 ? "-" : (combined.PercentileMicros(99) / 1000.0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture))} ms  errors {Interlocked.Read(ref _stats.ServerErrors) + Interlocked.Read(ref _stats.ConnectFailures)}  disconnects {Interlocked.Read(ref _stats.Disconnects)}"));
                lastOut = o; lastIn = i; lastTick = t;
            }
        }

        long end = Stopwatch.GetTimestamp();
        // The measured window ends here: later receipts (during shutdown) are not counted.
        _stats.SteadyPhase = false;
        long endOut = _stats.TotalOut(), endIn = _stats.TotalIn();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        if (steady) resources.WindowEnds();
        probe.Dispose();
        _stopping = true;
        foreach (var t in schedulers) t.Join();
        await connector.ConfigureAwait(false);
        int openAtEnd = (int)Interlocked.Read(ref _stats.Open);
        await CloseAllAsync();

        double total = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
        double steadySeconds = steady ? Stopwatch.GetElapsedTime(rampEndTick, end).TotalSeconds : 0;
        bool useSteady = steady && steadySeconds >= 1;
        double window = useSteady ? steadySeconds : total;
        var realTime = RealTime(steady ? rampEndTick : end, end, resources, useSteady ? endIn - rampEndIn : 0);
        return LoadSummary.Build(_o, _stats, total, window, useSteady ? "steady" : "whole",
            useSteady ? (endOut - rampEndOut) / window : endOut / Math.Max(window, 1e-9),
            useSteady ? (endIn - rampEndIn) / window : endIn / Math.Max(window, 1e-9),
            endOut, endIn, openAtEnd, cpu.TotalSeconds / Math.Max(total, 1e-9) * 100, _opened.Length, realTime);
    }

    private RealTimeFigures RealTime(long windowStart, long windowEnd, ResourceWatch r, long msgsInWindow)
    {
        var connected = new long[_clients.Length];
        var closed = new long[_clients.Length];
        for (int i = 0; i < _clients.Length; i++) { connected[i] = Volatile.Read(ref _clients[i].ConnectedAt); closed[i] = Volatile.Read(ref _clients[i].ClosedAt); }
        double clientSeconds = UpdateDelivery.ClientSecondsInWindow(connected, closed, windowStart, windowEnd, Stopwatch.Frequency);
        long delivered = Interlocked.Read(ref _stats.UpdatesInWindow);
        double seconds = Stopwatch.GetElapsedTime(windowStart, windowEnd).TotalSeconds;
        return new RealTimeFigures
        {
            Workload = Workloads.Name(_o.Workload),
            WindowSeconds = seconds,
            UpdateLag = LatencyFigures.From(_stats.UpdateLag),
            WorstLagMsPerSecond = _stats.LagBySecond.WorstMsPerSecond(),
            UpdatesDelivered = delivered,
            UpdatesExpected = UpdateDelivery.Expected(clientSeconds, _o.UpdateHz),
            UpdateHz = _o.UpdateHz,
            ClientSecondsInWindow = clientSeconds,
            UpdateBytesMean = delivered > 0 ? (double)Interlocked.Read(ref _stats.UpdateBytesInWindow) / delivered : null,
            UpdatesWithoutTimestamp = Interlocked.Read(ref _stats.UpdatesWithoutTimestamp),
            HeartbeatRtt = LatencyFigures.From(_stats.Steady[(int)LatencyPath.Heartbeat]),
            ToolCpuPercent = r.ToolCpuPercent,
            ToolAllocBytesPerMessageIn = msgsInWindow > 0 ? (double)r.ToolAllocatedBytes / msgsInWindow : null,
            DispatchLag = LatencyFigures.From(_stats.DispatchLag),
            ReceiveBacklogMedianBytes = r.BacklogMedian,
            ReceiveBacklogMaxBytes = r.BacklogMax,
            ServerPid = _o.ServerPid,
            ServerCpuPercent = r.ServerCpuPercent,
            ServerRssMaxBytes = r.ServerRssMax,
            ServerRssEndBytes = r.ServerRssEnd,
        };
    }

    internal static LatencyHistogram Combine(LatencyHistogram[] set)
    {
        // The headline paths: the two request/reply round trips named in latency_path.
        var h = new LatencyHistogram();
        h.Add(set[(int)LatencyPath.Heartbeat]);
        h.Add(set[(int)LatencyPath.Ack]);
        return h;
    }

    // ---- connecting -------------------------------------------------------------------------------

    private async Task ConnectAllAsync(long start, double ramp)
    {
        var pending = new List<Task>(Math.Min(_clients.Length, 65536));
        double gap = _clients.Length > 1 ? ramp / _clients.Length : 0;
        int next = 0;
        while (next < _clients.Length && !_stopping)
        {
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            // Start every client whose slot in the ramp has come (a batch per wake-up, not one timer each).
            while (next < _clients.Length && next * gap <= elapsed) pending.Add(ConnectOneAsync(_clients[next++]));
            if (next < _clients.Length)
            {
                double wait = next * gap - Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(wait, 0.001, 0.05)));
            }
        }
        // Clients never started (run ended mid-ramp) count as attempted so the early-exit check holds.
        Interlocked.Add(ref _connectAttemptsDone, _clients.Length - next);
        await Task.WhenAll(pending);
    }

    private async Task ConnectOneAsync(SimClient c)
    {
        var ws = new ClientWebSocket();
        // The app's heartbeat keeps the session alive; protocol-level pings would be uncounted traffic.
        ws.Options.KeepAliveInterval = TimeSpan.Zero;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_o.ConnectTimeoutSeconds));
        try
        {
            await ws.ConnectAsync(_o.ConnectUri, _invoker, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException or IOException)
        {
            ws.Dispose();
            Interlocked.Increment(ref _stats.ConnectFailures);
            Stats.Bump(_stats.ConnectErrors, Describe(e));
            Interlocked.Increment(ref _connectAttemptsDone);
            return;
        }
        c.Socket = ws;
        Volatile.Write(ref c.ConnectedAt, Stopwatch.GetTimestamp());
        Volatile.Write(ref c.State, SimClient.StateOpen);
        Interlocked.Increment(ref _stats.Connected);
        Interlocked.Increment(ref _stats.Open);
        var loop = ReceiveLoopAsync(c);
        lock (_loopsLock) _receiveLoops.Add(loop);
        _opened[c.Index % _opened.Length].Enqueue(c.Index);
        Interlocked.Increment(ref _connectAttemptsDone);
    }

    private static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException != null) inner = inner.InnerException;
        string msg = inner.Message;
        return msg.Length > 120 ? msg[..120] : msg;
    }

    // ---- receiving --------------------------------------------------------------------------------

    private async Task ReceiveLoopAsync(SimClient c)
    {
        var ws = c.Socket!;
        byte[] buf = ArrayPool<byte>.Shared.Rent(4096);
        int filled = 0;
        try
        {
            while (true)
            {
                if (filled == buf.Length)
                {
                    // A message larger than the buffer: grow (pooled) and keep the bigger one.
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(buf.Length * 2);
                    buf.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buf);
                    buf = bigger;
                }
                var r = await ws.ReceiveAsync(buf.AsMemory(filled), CancellationToken.None).ConfigureAwait(false);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    OnClosed(c, ws.CloseStatus);
                    if (ws.State == WebSocketState.CloseReceived)
                    {
                        try { await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false); }
                        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException) { }
                    }
                    return;
                }
                filled += r.Count;
                if (!r.EndOfMessage) continue;
                long now = Stopwatch.GetTimestamp();
                InKind kind = r.MessageType == WebSocketMessageType.Text
                    ? c.Handle(buf.AsSpan(0, filled), _stats, now)
                    : InKind.Binary;
                Interlocked.Increment(ref _stats.In[(int)kind]);
                filled = 0;
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            OnClosed(c, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private void OnClosed(SimClient c, WebSocketCloseStatus? status)
    {
        if (Interlocked.Exchange(ref c.State, SimClient.StateClosed) != SimClient.StateOpen) return;
        Volatile.Write(ref c.ClosedAt, Stopwatch.GetTimestamp());
        Interlocked.Decrement(ref _stats.Open);
        if (_stopping) return;   // our own shutdown, not a disconnect
        Interlocked.Increment(ref _stats.Disconnects);
        Stats.Bump(_stats.CloseCodes, status is { } s ? ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture) : "abnormal");
    }

    // ---- sending (one scheduler thread) -----------------------------------------------------------

    private const int KindBits = 2;   // entry = client index << 2 | OutKind

    private void SchedulerLoop(int shard, int seed)
    {
        var opened = _opened[shard];
        var rng = new Random(seed);
        var queue = new PriorityQueue<int, long>(Math.Min(_clients.Length * 4, 1 << 20));
        long freq = Stopwatch.Frequency;
        long heartbeatTicks = (long)(_o.EffectiveHeartbeatSeconds * freq);
        bool eventsAndMemories = _o.SendsEventsAndMemories;
        double eventMeanTicks = _o.EventEverySeconds * freq, memoryMeanTicks = _o.MemoryEverySeconds * freq;
        long ExpGap(double mean) => (long)(-Math.Log(1 - rng.NextDouble()) * mean) + 1;

        while (!_stopping)
        {
            long now = Stopwatch.GetTimestamp();
            while (opened.TryDequeue(out int idx))
            {
                // Random first offsets so clients that connect together do not send in lockstep.
                var c = _clients[idx];
                long period = (long)(freq / c.StreamHz);
                queue.Enqueue(idx << KindBits | (int)OutKind.HarmonicStream, now + (long)(rng.NextDouble() * period));
                queue.Enqueue(idx << KindBits | (int)OutKind.Heartbeat, now + (long)(rng.NextDouble() * heartbeatTicks));
                if (!eventsAndMemories) continue;   // app-rate: streams and heartbeats only
                queue.Enqueue(idx << KindBits | (int)OutKind.ConsciousnessEvent, now + ExpGap(eventMeanTicks));
                queue.Enqueue(idx << KindBits | (int)OutKind.MemoryCrystallize, now + ExpGap(memoryMeanTicks));
            }

            int fired = 0;
            // Bounded batch: come back to the stop flag and new registrations even when behind schedule.
            while (fired < 4096 && queue.TryPeek(out int entry, out long due) && due <= now)
            {
                queue.Dequeue();
                var c = _clients[entry >> KindBits];
                if (Volatile.Read(ref c.State) != SimClient.StateOpen) continue;   // closed: drop its schedule
                var kind = (OutKind)(entry & ((1 << KindBits) - 1));
                long nextDue;
                switch (kind)
                {
                    case OutKind.HarmonicStream:
                        long period = (long)(freq / c.StreamHz);
                        _stats.SchedulerLag.RecordMicros(Stats.TicksToMicros(now - due));
                        // Keep the cadence; if more than a period behind, skip ahead rather than burst.
                        nextDue = now - due > period ? now + period : due + period;
                        break;
                    case OutKind.Heartbeat: nextDue = due + heartbeatTicks; if (nextDue <= now) nextDue = now + heartbeatTicks; break;
                    case OutKind.ConsciousnessEvent: nextDue = now + ExpGap(eventMeanTicks); break;
                    default: nextDue = now + ExpGap(memoryMeanTicks); break;
                }
                TrySend(c, kind, rng);
                queue.Enqueue(entry, nextDue);
                // Refresh the clock now and then so a long batch does not stamp late sends as on time.
                if (++fired % 256 == 0) now = Stopwatch.GetTimestamp();
            }

            // Sleep whenever nothing is due, at least 1 ms: spinning/yielding until the next due time
            // (every ~100 us at 10^4 sends/s) would burn a core the server under test needs. Sends
            // therefore fire up to ~1 ms late, which scheduler_lag shows.
            long wait = queue.TryPeek(out _, out long nextAt) ? nextAt - Stopwatch.GetTimestamp() : freq / 100;
            if (wait > 0) Thread.Sleep((int)Math.Clamp(wait * 1000 / freq, 1, 10));
        }
    }

    private void TrySend(SimClient c, OutKind kind, Random rng)
    {
        // One send in flight per socket (ClientWebSocket's rule). A busy socket means the server or
        // network is not draining it: skip this message (the app too only cares about the latest state).
        if (Interlocked.CompareExchange(ref c.SendBusy, 1, 0) != 0)
        {
            Interlocked.Increment(ref _stats.SendsSkipped);
            return;
        }
        int n = kind switch
        {
            OutKind.HarmonicStream => c.WriteHarmonicStream(rng),
            OutKind.Heartbeat => c.WriteHeartbeat(),
            OutKind.ConsciousnessEvent => c.WriteConsciousnessEvent(rng),
            _ => c.WriteMemoryCrystallize(rng),
        };
        ValueTask send;
        try
        {
            send = c.Socket!.SendAsync(c.SendBuffer.AsMemory(0, n), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            Volatile.Write(ref c.SendBusy, 0);
            OnClosed(c, null);
            return;
        }
        Interlocked.Increment(ref _stats.Out[(int)kind]);
        if (send.IsCompletedSuccessfully)
        {
            Volatile.Write(ref c.SendBusy, 0);
            return;
        }
        _ = CompleteSendAsync(c, send);
    }

    private async Task CompleteSendAsync(SimClient c, ValueTask send)
    {
        try { await send.ConfigureAwait(false); }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException) { OnClosed(c, null); }
        finally { Volatile.Write(ref c.SendBusy, 0); }
    }

    // ---- shutdown ---------------------------------------------------------------------------------

    private async Task CloseAllAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var closes = new List<Task>();
        foreach (var c in _clients)
        {
            var ws = c.Socket;
            if (ws is { State: WebSocketState.Open }) closes.Add(CloseOneAsync(ws, cts.Token));
        }
        await Task.WhenAll(closes).ConfigureAwait(false);
        Task[] loops;
        lock (_loopsLock) loops = [.. _receiveLoops];
        // Give receive loops a moment to see the server's close reply, then cut whatever is left.
        await Task.WhenAny(Task.WhenAll(loops), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        foreach (var c in _clients)
        {
            c.Socket?.Abort();
            c.Socket?.Dispose();
        }
        await Task.WhenAny(Task.WhenAll(loops), Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        _invoker.Dispose();
    }

    private static async Task CloseOneAsync(ClientWebSocket ws, CancellationToken token)
    {
        try { await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "load test finished", token).ConfigureAwait(false); }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException) { }
    }
}
