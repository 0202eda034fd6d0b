namespace Resonance.LoadTest;

/// <summary>
/// What a run measured about real-time delivery and about the two processes, over the measured
/// window (after the ramp): resonance_update lag and delivery, heartbeat RTT, CPU and memory.
/// </summary>
public sealed record RealTimeFigures
{
    public required string Workload { get; init; }
    public required double WindowSeconds { get; init; }
    public required LatencyFigures UpdateLag { get; init; }
    /// <summary>The worst lag of each second of the window, in ms.</summary>
    public required double[] WorstLagMsPerSecond { get; init; }
    public required long UpdatesDelivered { get; init; }
    public required double UpdatesExpected { get; init; }
    public required double UpdateHz { get; init; }
    public required double ClientSecondsInWindow { get; init; }
    public required double? UpdateBytesMean { get; init; }
    public required long UpdatesWithoutTimestamp { get; init; }
    public required LatencyFigures HeartbeatRtt { get; init; }
    public required double ToolCpuPercent { get; init; }
    public required double? ToolAllocBytesPerMessageIn { get; init; }
    public required LatencyFigures DispatchLag { get; init; }
    public required long? ReceiveBacklogMedianBytes { get; init; }
    public required long? ReceiveBacklogMaxBytes { get; init; }
    public required int? ServerPid { get; init; }
    public required double? ServerCpuPercent { get; init; }
    public required long? ServerRssMaxBytes { get; init; }
    public required long? ServerRssEndBytes { get; init; }

    public double DeliveredPerSecond => WindowSeconds > 0 ? UpdatesDelivered / WindowSeconds : 0;
    public double ExpectedPerSecond => WindowSeconds > 0 ? UpdatesExpected / WindowSeconds : 0;
    public double? DeliveredPercent => UpdateDelivery.Percent(UpdatesDelivered, UpdatesExpected);

    /// <summary>Why the tool's own figures may be suspect; empty when it kept up.</summary>
    public List<string> ToolWarnings(int clientsOpen)
    {
        var w = new List<string>();
        if (ToolCpuPercent >= 90)
            w.Add($"the tool used {ToolCpuPercent:F0}% of one core in the measured window: near a full core, it may be what limits delivery and lag");
        if (DispatchLag.P99Ms is > 20)
            w.Add($"the tool's receive loops fell behind: work waited p99 {DispatchLag.P99Ms:F1} ms in its thread pool, which adds to the update lag");
        // More unread bytes than one whole broadcast, in the typical sample: the tool reads slower than the server sends.
        if (ReceiveBacklogMedianBytes is { } b && UpdateBytesMean is { } size && clientsOpen > 0 && b > clientsOpen * size)
            w.Add($"the tool's sockets held {b / 1024.0 / 1024.0:F1} MiB unread (median sample), more than one broadcast to every client: its receive loops are behind");
        return w;
    }
}
