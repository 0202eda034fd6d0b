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
