using System.Diagnostics;
using System.Text;
using Resonance.LoadTest;

namespace Resonance.Tests.LoadTest;

/// <summary>resonance_update lag and delivered %, on crafted messages and windows.</summary>
public class UpdateDeliveryTests
{
    // The shape both servers send (type first, timestamp last), trimmed.
    private static byte[] Update(string timestamp) => Encoding.UTF8.GetBytes(
        "{\"type\":\"resonance_update\",\"seq\":7,\"harmonicField\":[{\"x\":0,\"y\":10,\"intensity\":1,\"resonance\":16.2}],"
        + "\"phiHarmonics\":[{\"node1\":\"0a698c44-b7de-4171-90d4-2bf4caa27de9\",\"node2\":\"c0543a76-aeeb-421c-bd64-3e6e6261c40c\",\"ratio\":\"1:1\",\"strength\":0.99,\"type\":\"plv\"}],"
        + "\"phiCascades\":3,\"fieldMin\":1,\"timestamp\":" + timestamp + "}");

    [Fact]
    public void The_timestamp_is_found_by_scanning_and_gives_the_expected_lag()
    {
        var msg = Update("1796186328468");
        Assert.True(ResonanceUpdateScan.IsResonanceUpdate(msg));
        Assert.True(ResonanceUpdateScan.TryReadTimestamp(msg, out long ts));
        Assert.Equal(1796186328468, ts);
        // Received 12.5 ms after the stamp.
        Assert.Equal(12_500, UpdateDelivery.LagMicros(1796186328468_000 + 12_500, ts));
        // A stamp "from the future" (clock read order) counts as no lag, not negative.
        Assert.Equal(0, UpdateDelivery.LagMicros(1796186328468_000 - 300, ts));
        Assert.True(ResonanceUpdateScan.TryReadTimestamp(Update("1796186328468.0"), out long ts2));
        Assert.Equal(ts, ts2);
        Assert.False(ResonanceUpdateScan.TryReadTimestamp(Update("null"), out _));
        Assert.False(ResonanceUpdateScan.IsResonanceUpdate("{\"type\":\"heartbeat_ack\",\"timestamp\":1}"u8));
    }

    [Fact]
    public void A_received_update_is_timed_only_in_the_measured_window()
    {
        var c = new SimClient(0, new Random(1), 0.5, 0.5);
        var stats = new Stats();
        long sentMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 40;   // stamped 40 ms ago
        var msg = Update(sentMs.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(InKind.ResonanceUpdate, c.Handle(msg, stats, Stopwatch.GetTimestamp()));
        Assert.Equal(0, stats.UpdatesInWindow);   // still in the ramp
        stats.SteadyPhase = true;
        Assert.Equal(InKind.ResonanceUpdate, c.Handle(msg, stats, Stopwatch.GetTimestamp()));
        Assert.Equal(1, stats.UpdatesInWindow);
        Assert.Equal(msg.Length, stats.UpdateBytesInWindow);
        Assert.Equal(1, stats.UpdateLag.Count);
        Assert.True(stats.UpdateLag.MaxMicros >= 40_000, $"lag {stats.UpdateLag.MaxMicros} us");

        // A server that does not put type first still gets its updates timed (through the reader).
        var reordered = Encoding.UTF8.GetBytes($"{{\"seq\":1,\"type\":\"resonance_update\",\"timestamp\":{sentMs}}}");
        Assert.Equal(InKind.ResonanceUpdate, c.Handle(reordered, stats, Stopwatch.GetTimestamp()));
        Assert.Equal(2, stats.UpdateLag.Count);
    }

    [Fact]
    public void Handling_resonance_updates_allocates_nothing()
    {
        var c = new SimClient(0, new Random(1), 0.5, 0.5);
        var stats = new Stats { SteadyPhase = true };
        var msg = Update(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        for (int i = 0; i < 100; i++) c.Handle(msg, stats, Stopwatch.GetTimestamp());   // warm up (JIT, statics)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) c.Handle(msg, stats, Stopwatch.GetTimestamp());
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Expected_updates_count_each_clients_seconds_inside_the_window()
    {
        const long f = 1000;   // ticks per second, for readable numbers
        // Window [10 s, 40 s]. Client 0: whole window. Client 1: joins at 25 s. Client 2: leaves at 16 s.
        // Client 3: never connected. Client 4: closed before the window.
        long[] connected = [1 * f, 25 * f, 2 * f, 0, 1 * f];
        long[] closed = [0, 0, 16 * f, 0, 5 * f];
        double seconds = UpdateDelivery.ClientSecondsInWindow(connected, closed, 10 * f, 40 * f, f);
        Assert.Equal(30 + 15 + 6, seconds, 9);
        double expected = UpdateDelivery.Expected(seconds, 10);
        Assert.Equal(510, expected, 9);
        Assert.Equal(50, UpdateDelivery.Percent(255, expected)!.Value, 9);
        Assert.Null(UpdateDelivery.Percent(0, 0));
    }

    [Fact]
    public void Proc_files_are_parsed_for_cpu_rss_and_socket_backlog()
    {
        // comm with a space and a ')' must not shift the fields; utime 250 + stime 150 ticks = 4 s.
        string stat = "4242 (dotnet (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 150 0 0 20 0 30 0 100 2000000 5000";
        Assert.Equal(4.0, ProcStat.ParseCpuSeconds(stat));
        Assert.Equal(123456L * 1024, ProcStat.ParseRssBytes("Name:\tdotnet\nVmPeak:\t  999999 kB\nVmRSS:\t  123456 kB\nThreads:\t30\n"));
        Assert.Null(ProcStat.ParseRssBytes("Name:\tx\n"));
        Assert.True(ProcStat.CpuSeconds(Environment.ProcessId) > 0);
        Assert.True(ProcStat.RssBytes(Environment.ProcessId) > 0);

        // Client end (remote port 0x1F90 = 8080) with 0x7D0 = 2000 bytes unread; the server end is not counted.
        const string client = "   5: 0100007F:A1B2 0100007F:1F90 01 00000000:000007D0 00:00000000 00000000     0        0 1 1 0000000000000000 20 4 30 10 -1";
        const string server = "   6: 0100007F:1F90 0100007F:A1B2 01 00000000:00000100 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1";
        Assert.Equal(2000, ReceiveBacklog.RxQueueOfClientSocket(client, 8080));
        Assert.Equal(0, ReceiveBacklog.RxQueueOfClientSocket(server, 8080));
    }
}
