using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Resonance.LoadTest;

/// <summary>Percentiles of one latency histogram, in milliseconds (null when there are no samples).</summary>
public sealed record LatencyFigures(long Samples, double? P50Ms, double? P95Ms, double? P99Ms, double? MaxMs, double? MeanMs)
{
    public static LatencyFigures From(LatencyHistogram h)
    {
        if (h.Count == 0) return new(0, null, null, null, null, null);
        static double Ms(long us) => Math.Round(us / 1000.0, 3);
        return new(h.Count, Ms(h.PercentileMicros(50)), Ms(h.PercentileMicros(95)), Ms(h.PercentileMicros(99)),
            Ms(h.MaxMicros), Math.Round(h.MeanMicros / 1000.0, 3));
    }
}

/// <summary>The result of a run; written as one JSON object (--json) or as text.</summary>
public sealed class LoadSummary
{
    public const string LatencyPathText =
        "round trips timed with Stopwatch per message id: heartbeat{timestamp} -> heartbeat_ack{clientTimestamp} " +
        "and consciousness_event{ackId} -> ack{ackId}; p50/p95/p99/max combine both (see latency_by_path)";

    public required string Url { get; init; }
    public required int ClientsRequested { get; init; }
    public required long ClientsConnected { get; init; }
    public required int ClientsOpenAtEnd { get; init; }
    public required double DurationSeconds { get; init; }
    public required double RampSeconds { get; init; }
    public required string Window { get; init; }
    public required double WindowSeconds { get; init; }
    public required double MsgsOutPerSecond { get; init; }
    public required double MsgsInPerSecond { get; init; }
    public required long MsgsOutTotal { get; init; }
    public required long MsgsInTotal { get; init; }
    public required LatencyFigures Latency { get; init; }
    public required Dictionary<string, LatencyFigures> LatencyByPath { get; init; }
    public required long Errors { get; init; }
    public required long ServerErrors { get; init; }
    public required long ConnectFailures { get; init; }
    public required long Disconnects { get; init; }
    public required long SendsSkipped { get; init; }
    public required long BadServerMessages { get; init; }
    public required Dictionary<string, long> MsgsOutByType { get; init; }
    public required Dictionary<string, long> MsgsInByType { get; init; }
    public required Dictionary<string, long> ErrorCodes { get; init; }
    /// <summary>The first few server error messages, verbatim (at most <see cref="Stats.MaxErrorSamples"/>).</summary>
    public required string[] ErrorSamples { get; init; }
    public required Dictionary<string, long> CloseCodes { get; init; }
    public required Dictionary<string, long> ConnectErrors { get; init; }
    public required LatencyFigures SchedulerLag { get; init; }
    public required double ToolCpuPercent { get; init; }
    public required int Seed { get; init; }
    public required int Senders { get; init; }
    public required RealTimeFigures RealTime { get; init; }

    public const string UpdateLagPathText =
        "resonance_update lag = the tool's wall clock at receipt (Unix ms) - the update's timestamp field, " +
        "measured window only; delivered % = updates received / (update_hz x each connected client's seconds in the window)";

    /// <summary>Everything that says the tool, not the server, may have been the limit.</summary>
    public List<string> Warnings
    {
        get
        {
            var w = RealTime.ToolWarnings(ClientsOpenAtEnd);
            if (ToolSaturated) w.Add("the send schedulers ran over 50 ms late (p99): the server got less load than planned");
            return w;
        }
    }

    /// <summary>True when the scheduler ran late enough that the tool, not the server, limited the send rate.</summary>
    public bool ToolSaturated => SchedulerLag.P99Ms is > 50;

    private static readonly string[] OutNames = ["harmonic_stream", "heartbeat", "consciousness_event", "memory_crystallize"];
    private static readonly string[] InNames =
    [
        "other", "connection_established", "resonance_update", "field_frame", "heartbeat_ack", "ack", "error",
        "consciousness_event", "memory_crystallized", "quantum_entanglement", "field_subscribed", "binary",
    ];
    private static readonly string[] PathNames = ["heartbeat", "ack", "relay", "memory"];

    internal static LoadSummary Build(LoadOptions o, Stats s, double total, double window, string windowName,
        double outPerS, double inPerS, long outTotal, long inTotal, int openAtEnd, double cpuPercent, int senders,
        RealTimeFigures realTime)
    {
        // Headline figures come from the steady window when there is one, else the whole run.
        var set = windowName == "steady" ? s.Steady : s.Whole;
        var byPath = new Dictionary<string, LatencyFigures>();
        for (int i = 0; i < PathNames.Length; i++) byPath[PathNames[i]] = LatencyFigures.From(set[i]);
        var outBy = new Dictionary<string, long>();
        for (int i = 0; i < OutNames.Length; i++) outBy[OutNames[i]] = s.Out[i];
        var inBy = new Dictionary<string, long>();
        for (int i = 0; i < InNames.Length; i++) if (s.In[i] != 0) inBy[InNames[i]] = s.In[i];
        return new LoadSummary
        {
            Url = o.ConnectUri.ToString(),
            ClientsRequested = o.Clients,
            ClientsConnected = s.Connected,
            ClientsOpenAtEnd = openAtEnd,
            DurationSeconds = total,
            RampSeconds = o.EffectiveRampSeconds,
            Window = windowName,
            WindowSeconds = window,
            MsgsOutPerSecond = outPerS,
            MsgsInPerSecond = inPerS,
            MsgsOutTotal = outTotal,
            MsgsInTotal = inTotal,
            Latency = LatencyFigures.From(LoadRunner.Combine(set)),
            LatencyByPath = byPath,
            Errors = s.ServerErrors + s.ConnectFailures,
            ServerErrors = s.ServerErrors,
            ConnectFailures = s.ConnectFailures,
            Disconnects = s.Disconnects,
            SendsSkipped = s.SendsSkipped,
            BadServerMessages = s.BadServerMessages,
            MsgsOutByType = outBy,
            MsgsInByType = inBy,
            ErrorCodes = new(s.ErrorCodes),
            ErrorSamples = [.. s.ErrorSamples],
            CloseCodes = new(s.CloseCodes),
            ConnectErrors = new(s.ConnectErrors),
            SchedulerLag = LatencyFigures.From(s.SchedulerLag),
            ToolCpuPercent = cpuPercent,
            Senders = senders,
            RealTime = realTime,
            Seed = o.Seed,
        };
    }

    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        // Relaxed escaping: the output is read by people and scripts, not embedded in HTML, so keep '->' readable.
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("url", Url);
            w.WriteNumber("clients", ClientsRequested);
            w.WriteNumber("clients_connected", ClientsConnected);
            w.WriteNumber("clients_open_at_end", ClientsOpenAtEnd);
            w.WriteNumber("duration_s", Math.Round(DurationSeconds, 3));
            w.WriteNumber("ramp_s", Math.Round(RampSeconds, 3));
            w.WriteString("window", Window);
            w.WriteNumber("window_s", Math.Round(WindowSeconds, 3));
            w.WriteNumber("msgs_out_per_s", Math.Round(MsgsOutPerSecond, 1));
            w.WriteNumber("msgs_in_per_s", Math.Round(MsgsInPerSecond, 1));
            w.WriteNumber("msgs_out_total", MsgsOutTotal);
            w.WriteNumber("msgs_in_total", MsgsInTotal);
            Num(w, "p50_ms", Latency.P50Ms);
            Num(w, "p95_ms", Latency.P95Ms);
            Num(w, "p99_ms", Latency.P99Ms);
            Num(w, "max_ms", Latency.MaxMs);
            Num(w, "mean_ms", Latency.MeanMs);
            w.WriteNumber("latency_samples", Latency.Samples);
            w.WriteString("latency_path", LatencyPathText);
            w.WriteStartObject("latency_by_path");
            foreach (var (k, v) in LatencyByPath) { w.WritePropertyName(k); Figures(w, v); }
            w.WriteEndObject();
            w.WriteNumber("errors", Errors);
            w.WriteNumber("server_errors", ServerErrors);
            w.WriteNumber("connect_failures", ConnectFailures);
            w.WriteNumber("disconnects", Disconnects);
            Map(w, "error_codes", ErrorCodes);
            w.WriteStartArray("error_samples");
            foreach (var e in ErrorSamples) w.WriteStringValue(e);
            w.WriteEndArray();
            Map(w, "close_codes", CloseCodes);
            Map(w, "connect_errors", ConnectErrors);
            Map(w, "msgs_out_by_type", MsgsOutByType);
            Map(w, "msgs_in_by_type", MsgsInByType);
            w.WriteNumber("sends_skipped", SendsSkipped);
            w.WriteNumber("bad_server_messages", BadServerMessages);
            w.WritePropertyName("scheduler_lag");
            Figures(w, SchedulerLag);
            w.WriteNumber("tool_cpu_percent", Math.Round(ToolCpuPercent, 1));
            w.WriteNumber("senders", Senders);
            w.WriteBoolean("tool_saturated", ToolSaturated);
            w.WriteNumber("seed", Seed);
            WriteRealTime(w, RealTime);
            w.WriteStartArray("warnings");
            foreach (var x in Warnings) w.WriteStringValue(x);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteRealTime(Utf8JsonWriter w, RealTimeFigures r)
    {
        static double? Mb(long? b) => b is { } x ? Math.Round(x / 1024.0 / 1024.0, 1) : null;
        static double? R(double? v, int digits) => v is { } x ? Math.Round(x, digits) : null;
        w.WriteString("workload", r.Workload);
        w.WriteNumber("measured_window_s", Math.Round(r.WindowSeconds, 3));
        w.WritePropertyName("update_lag");
        Figures(w, r.UpdateLag);
        w.WriteString("update_lag_path", UpdateLagPathText);
        w.WriteStartArray("update_lag_worst_ms_per_second");
        foreach (double ms in r.WorstLagMsPerSecond) w.WriteNumberValue(ms);
        w.WriteEndArray();
        w.WriteNumber("updates_delivered", r.UpdatesDelivered);
        w.WriteNumber("updates_expected", Math.Round(r.UpdatesExpected, 1));
        w.WriteNumber("updates_delivered_per_s", Math.Round(r.DeliveredPerSecond, 1));
        w.WriteNumber("updates_expected_per_s", Math.Round(r.ExpectedPerSecond, 1));
        Num(w, "updates_delivered_percent", R(r.DeliveredPercent, 2));
        w.WriteNumber("update_hz", r.UpdateHz);
        Num(w, "update_bytes_mean", R(r.UpdateBytesMean, 1));
        w.WriteNumber("updates_without_timestamp", r.UpdatesWithoutTimestamp);
        w.WritePropertyName("heartbeat_rtt");
        Figures(w, r.HeartbeatRtt);
        w.WriteNumber("tool_cpu_window_percent", Math.Round(r.ToolCpuPercent, 1));
        Num(w, "tool_alloc_bytes_per_msg_in", R(r.ToolAllocBytesPerMessageIn, 1));
        w.WritePropertyName("tool_dispatch_lag");
        Figures(w, r.DispatchLag);
        Num(w, "tool_recv_backlog_median_mb", Mb(r.ReceiveBacklogMedianBytes));
        Num(w, "tool_recv_backlog_max_mb", Mb(r.ReceiveBacklogMaxBytes));
        w.WriteStartObject("server");
        if (r.ServerPid is { } pid) w.WriteNumber("pid", pid); else w.WriteNull("pid");
        Num(w, "cpu_percent", R(r.ServerCpuPercent, 1));
        Num(w, "rss_max_mb", Mb(r.ServerRssMaxBytes));
        Num(w, "rss_end_mb", Mb(r.ServerRssEndBytes));
        w.WriteEndObject();
    }

    private static void Num(Utf8JsonWriter w, string name, double? v)
    {
        if (v is { } x) w.WriteNumber(name, x); else w.WriteNull(name);
    }

    private static void Figures(Utf8JsonWriter w, LatencyFigures f)
    {
        w.WriteStartObject();
        w.WriteNumber("samples", f.Samples);
        Num(w, "p50_ms", f.P50Ms);
        Num(w, "p95_ms", f.P95Ms);
        Num(w, "p99_ms", f.P99Ms);
        Num(w, "max_ms", f.MaxMs);
        Num(w, "mean_ms", f.MeanMs);
        w.WriteEndObject();
    }

    private static void Map(Utf8JsonWriter w, string name, Dictionary<string, long> d)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in d.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteNumber(k, v);
        w.WriteEndObject();
    }

    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        static string Ms(double? v) => v is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) + " ms" : "-";
        static string Pairs(Dictionary<string, long> d) => d.Count == 0 ? "none" : string.Join(", ", d.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        var sb = new StringBuilder();
        sb.AppendLine(c, $"Resonance load test against {Url}");
        sb.AppendLine(c, $"  clients        {ClientsConnected} connected of {ClientsRequested} ({ClientsOpenAtEnd} open at the end), seed {Seed}");
        sb.AppendLine(c, $"  run            {DurationSeconds:F1} s, ramp {RampSeconds:F1} s; rates and latency over the {Window} window ({WindowSeconds:F1} s)");
        sb.AppendLine(c, $"  messages out   {MsgsOutPerSecond:F0}/s ({MsgsOutTotal} total: {Pairs(MsgsOutByType)})");
        sb.AppendLine(c, $"  messages in    {MsgsInPerSecond:F0}/s ({MsgsInTotal} total: {Pairs(MsgsInByType)})");
        sb.AppendLine(c, $"  latency        p50 {Ms(Latency.P50Ms)}  p95 {Ms(Latency.P95Ms)}  p99 {Ms(Latency.P99Ms)}  max {Ms(Latency.MaxMs)}  ({Latency.Samples} samples)");
        foreach (var (k, v) in LatencyByPath)
            sb.AppendLine(c, $"    {k,-12} p50 {Ms(v.P50Ms)}  p99 {Ms(v.P99Ms)}  max {Ms(v.MaxMs)}  ({v.Samples} samples)");
        sb.AppendLine(c, $"  errors         {Errors} (server error messages {ServerErrors}: {Pairs(ErrorCodes)}; connect failures {ConnectFailures})");
        foreach (var e in ErrorSamples) sb.AppendLine(c, $"    e.g. {e}");
        if (ConnectErrors.Count > 0) sb.AppendLine(c, $"  connect errors {Pairs(ConnectErrors)}");
        sb.AppendLine(c, $"  disconnects    {Disconnects} (close codes: {Pairs(CloseCodes)})");
        sb.AppendLine(c, $"  tool           cpu {ToolCpuPercent:F0}% of one core, scheduler lag p99 {Ms(SchedulerLag.P99Ms)}, sends skipped (socket busy) {SendsSkipped}, unparsable server messages {BadServerMessages}");
        sb.Append("  latency path   ").AppendLine(LatencyPathText);
        var r = RealTime;
        static string Mb(long? b) => b is { } x ? (x / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB" : "-";
        sb.AppendLine(c, $"  real time      workload {r.Workload}, measured window {r.WindowSeconds:F1} s");
        sb.AppendLine(c, $"    update lag   p50 {Ms(r.UpdateLag.P50Ms)}  p99 {Ms(r.UpdateLag.P99Ms)}  max {Ms(r.UpdateLag.MaxMs)}  ({r.UpdateLag.Samples} samples, {r.UpdateBytesMean:F0} bytes mean)");
        sb.AppendLine(c, $"    delivered    {r.DeliveredPerSecond:F0}/s of {r.ExpectedPerSecond:F0}/s expected ({(r.DeliveredPercent is { } p ? p.ToString("F1", c) + " %" : "-")}; {r.UpdateHz} Hz x {r.ClientSecondsInWindow:F0} client-seconds)");
        sb.AppendLine(c, $"    heartbeat    RTT p50 {Ms(r.HeartbeatRtt.P50Ms)}  p99 {Ms(r.HeartbeatRtt.P99Ms)}  ({r.HeartbeatRtt.Samples} samples)");
        sb.AppendLine(c, $"    tool         cpu {r.ToolCpuPercent:F0}% of one core, {r.ToolAllocBytesPerMessageIn:F1} bytes allocated per message in, thread-pool wait p99 {Ms(r.DispatchLag.P99Ms)}, unread socket bytes median {Mb(r.ReceiveBacklogMedianBytes)} max {Mb(r.ReceiveBacklogMaxBytes)}");
        if (r.ServerPid is { } pid)
            sb.AppendLine(c, $"    server       pid {pid}: cpu {(r.ServerCpuPercent is { } sc ? sc.ToString("F0", c) + "%" : "-")} of one core, RSS max {Mb(r.ServerRssMaxBytes)} end {Mb(r.ServerRssEndBytes)}");
        sb.Append("    lag path     ").AppendLine(UpdateLagPathText);
        foreach (var w in Warnings) sb.Append("  WARNING        ").AppendLine(w);
        return sb.ToString();
    }
}
