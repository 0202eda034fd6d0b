using System.Globalization;

namespace Resonance.LoadTest;

/// <summary>Command-line settings of a load run.</summary>
public sealed class LoadOptions
{
    public Uri Url { get; set; } = new("ws://127.0.0.1:5000/api/harmonic-ws");
    public int Clients { get; set; } = 100;
    public double DurationSeconds { get; set; } = 30;
    /// <summary>Null means the default, min(10, duration / 3).</summary>
    public double? RampSeconds { get; set; }
    public string? Space { get; set; }
    public int Seed { get; set; } = 1;
    public bool Json { get; set; }
    public double MinHz { get; set; } = 0.5;
    public double MaxHz { get; set; } = 10;
    public double HeartbeatSeconds { get; set; } = 10;
    /// <summary>Mean seconds between one client's consciousness_events (exponential gaps).</summary>
    public double EventEverySeconds { get; set; } = 60;
    /// <summary>Mean seconds between one client's memory_crystallize messages.</summary>
    public double MemoryEverySeconds { get; set; } = 120;
    public double ConnectTimeoutSeconds { get; set; } = 15;
    /// <summary>Scheduler threads issuing sends; null means one per core.</summary>
    public int? Senders { get; set; }
    public Workload Workload { get; set; } = Workload.Mix;
    /// <summary>Process id of the server under test: its CPU and RSS are sampled from /proc; null for none.</summary>
    public int? ServerPid { get; set; }
    /// <summary>resonance_updates each client should receive per second (the space's TickHz), for delivered %.</summary>
    public double UpdateHz { get; set; } = 10;
    /// <summary>Spread connections over local sources 127.0.0.1..127.0.0.N (more ephemeral ports); 1 = the OS default.</summary>
    public int SourceAddresses { get; set; } = 1;

    /// <summary>The app sends one harmonic_stream every 2 s.</summary>
    public const double AppStreamHz = 0.5;
    public const double AppHeartbeatSeconds = 10;

    // The workload decides the send schedule; mix honours the per-message options, app-rate fixes the app's.
    public double StreamMinHz => Workload == Workload.AppRate ? AppStreamHz : MinHz;
    public double StreamMaxHz => Workload == Workload.AppRate ? AppStreamHz : MaxHz;
    public double EffectiveHeartbeatSeconds => Workload == Workload.AppRate ? AppHeartbeatSeconds : HeartbeatSeconds;
    public bool SendsEventsAndMemories => Workload == Workload.Mix;

    public double EffectiveRampSeconds => RampSeconds ?? Math.Min(10, DurationSeconds / 3);

    /// <summary>The URL actually dialled: <see cref="Url"/> plus <c>space=</c> when given.</summary>
    public Uri ConnectUri
    {
        get
        {
            if (string.IsNullOrEmpty(Space)) return Url;
            var b = new UriBuilder(Url);
            string q = b.Query.TrimStart('?');
            string add = "space=" + Uri.EscapeDataString(Space);
            b.Query = q.Length == 0 ? add : q + "&" + add;
            return b.Uri;
        }
    }

    public const string Usage = """
        Resonance load test: simulates N mobile-app WebSocket clients against a Resonance gateway.

        usage: dotnet run -c Release --project Tests/LoadTest -- [options]

          --url URL            gateway WebSocket endpoint (default ws://127.0.0.1:5000/api/harmonic-ws)
          --clients N          simulated clients (default 100)
          --duration S         total run time in seconds, ramp included (default 30)
          --ramp S             seconds over which clients connect (default min(10, duration/3))
          --space ID           space to join (query parameter space=; default: the server's, 'global')
          --seed N             seed for per-client rates and values (default 1)
          --json               print only one JSON summary object on stdout
          --min-hz F, --max-hz F   harmonic_stream rate range per client (default 0.5 .. 10)
          --heartbeat S        heartbeat interval (default 10)
          --event-every S      mean gap between a client's consciousness_events (default 60)
          --memory-every S     mean gap between a client's memory_crystallize (default 120)
          --connect-timeout S  WebSocket handshake timeout (default 15)
          --senders K          scheduler threads issuing sends (default: one per core)
          --workload W         mix (default): the rates above; app-rate: the existing app's steady rate,
                               one harmonic_stream every 2 s and a heartbeat every 10 s per client,
                               nothing else (--min-hz/--max-hz/--heartbeat/--event-every/--memory-every ignored)
          --server-pid PID     sample that process's CPU (% of one core) and RSS from /proc during the run
          --update-hz F        resonance_updates each client should get per second, for delivered % (default 10)
          --source-addresses N spread connections over 127.0.0.1..127.0.0.N (more ephemeral ports; default 1)

        Every run reports resonance_update lag (receive wall-clock ms minus the update's timestamp, measured
        after the ramp), delivered vs expected updates, heartbeat RTT, tool and server CPU, errors and
        disconnects, and warns when the tool itself falls behind.

        Exit code: 0 when at least one client connected, 1 when none did, 2 on bad arguments.
        """;

    /// <summary>Parses <paramref name="args"/>; returns null and sets <paramref name="error"/> on bad input.</summary>
    public static LoadOptions? Parse(string[] args, out string? error, out bool help)
    {
        var o = new LoadOptions();
        error = null;
        help = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next()
            {
                if (i + 1 >= args.Length) throw new FormatException($"{a} needs a value");
                return args[++i];
            }
            double Num(double min, double max)
            {
                string s = Next();
                if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                    || !double.IsFinite(v) || v < min || v > max)
                    throw new FormatException($"{a} must be a number in [{min}, {max}], got '{s}'");
                return v;
            }
            try
            {
                switch (a)
                {
                    case "-h" or "--help": help = true; return o;
                    case "--url":
                        string u = Next();
                        if (!Uri.TryCreate(u, UriKind.Absolute, out var uri) || (uri.Scheme != "ws" && uri.Scheme != "wss"))
                            throw new FormatException($"--url must be an absolute ws:// or wss:// URL, got '{u}'");
                        o.Url = uri;
                        break;
                    case "--clients": o.Clients = (int)Num(1, 1_000_000); break;
                    case "--duration": o.DurationSeconds = Num(0.1, 7 * 86400); break;
                    case "--ramp": o.RampSeconds = Num(0, 7 * 86400); break;
                    case "--space": o.Space = Next(); break;
                    case "--seed": o.Seed = (int)Num(int.MinValue, int.MaxValue); break;
                    case "--json": o.Json = true; break;
                    case "--min-hz": o.MinHz = Num(0.01, 1000); break;
                    case "--max-hz": o.MaxHz = Num(0.01, 1000); break;
                    case "--heartbeat": o.HeartbeatSeconds = Num(0.01, 86400); break;
                    case "--event-every": o.EventEverySeconds = Num(0.01, 1e9); break;
                    case "--memory-every": o.MemoryEverySeconds = Num(0.01, 1e9); break;
                    case "--connect-timeout": o.ConnectTimeoutSeconds = Num(0.1, 3600); break;
                    case "--senders": o.Senders = (int)Num(1, 256); break;
                    case "--workload":
                        string wl = Next();
                        o.Workload = Workloads.TryParse(wl, out var w)
                            ? w : throw new FormatException($"--workload must be one of {Workloads.Names}, got '{wl}'");
                        break;
                    case "--server-pid": o.ServerPid = (int)Num(1, int.MaxValue); break;
                    case "--update-hz": o.UpdateHz = Num(0.01, 1000); break;
                    case "--source-addresses": o.SourceAddresses = (int)Num(1, 254); break;
                    default: throw new FormatException($"unknown option '{a}'");
                }
            }
            catch (FormatException e)
            {
                error = e.Message;
                return null;
            }
        }
        if (o.MinHz > o.MaxHz) { error = "--min-hz must not exceed --max-hz"; return null; }
        if (o.EffectiveRampSeconds > o.DurationSeconds) { error = "--ramp must not exceed --duration"; return null; }
        return o;
    }
}
