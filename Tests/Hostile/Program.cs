using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Resonance.Hostile;

// Hostile and broken clients against a gateway, all kinds at once (or those given with --kinds), for --duration seconds.
// Prints what each kind experienced: how its connections were cut off and when. See Tests/LoadTest/hostile.sh.
const string usage = """
usage: Resonance.Hostile --url ws://127.0.0.1:PORT/api/harmonic-ws [--duration S] [--kinds a,b,...] [--space ID]
         [--nonreaders N] [--slowloris N] [--oversize N] [--fragments N] [--flood N] [--heartbeat S]
         [--source-base K] [--per-address N] [--nonreader-frames] [--json]
kinds: slowloris-dribble, slowloris-stall (--slowloris each), nonreader-heartbeat, nonreader-silent (--nonreaders
split between them, default 5000), oversize, huge-length (--oversize each), fragment-first, fragment-endless
(--fragments each), flood (--flood connections held at once, all from one source address, reconnecting at once).
--nonreader-frames: the non-readers also subscribe to 128x128 f32 field frames at 30 Hz (their buffers fill at once).
Sources: each kind uses its own loopback addresses, N connections per address (default 2000), numbered from K
(address K = 127.0.K/256.K%256; default K = 257, i.e. 127.0.1.1, clear of the load tool's 127.0.0.x); the flood uses one.
""";

string? url = null, space = "global";
double duration = 60, heartbeat = 10;
int nonreaders = 5000, slowloris = 200, oversize = 10, fragments = 50, flood = 5000, sourceBase = 257, perAddress = 2000;
bool json = false, frames = false;
var kinds = Attacks.Kinds.ToList();
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--url": url = Next(); break;
        case "--space": space = Next(); break;
        case "--duration": duration = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--heartbeat": heartbeat = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--kinds": kinds = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(); break;
        case "--nonreaders": nonreaders = int.Parse(Next()); break;
        case "--slowloris": slowloris = int.Parse(Next()); break;
        case "--oversize": oversize = int.Parse(Next()); break;
        case "--fragments": fragments = int.Parse(Next()); break;
        case "--flood": flood = int.Parse(Next()); break;
        case "--source-base": sourceBase = int.Parse(Next()); break;
        case "--per-address": perAddress = Math.Max(1, int.Parse(Next())); break;
        case "--json": json = true; break;
        case "--nonreader-frames": frames = true; break;
        case "-h" or "--help": Console.WriteLine(usage); return 0;
        default: Console.Error.WriteLine($"unknown option {args[i]}\n{usage}"); return 2;
    }
}
if (url is null || kinds.Except(Attacks.Kinds).FirstOrDefault() is { } bad && bad is not null)
{
    Console.Error.WriteLine(url is null ? usage : $"unknown kind; kinds are {string.Join(", ", Attacks.Kinds)}");
    return 2;
}

var target = Target.Parse(url, space);
var attacks = new Attacks(target, TimeSpan.FromSeconds(heartbeat)) { NonReadersAskForFrames = frames };
using var until = new CancellationTokenSource(TimeSpan.FromSeconds(duration));
var reports = new List<KindReport>();
var runs = new List<Task>();
int nextAddress = sourceBase;
// One source address has ~28,000 ephemeral ports toward one server port: 2,000 connections per address is far below.
// Against a per-address cap, --per-address at the cap makes the kinds look like that many distinct clients.
IPAddress[] Addresses(int connections)
{
    int count = Math.Max(1, (connections + perAddress - 1) / perAddress);
    var a = Enumerable.Range(nextAddress, count).Select(k => IPAddress.Parse($"127.0.{k / 256}.{k % 256}")).ToArray();
    nextAddress += count;
    return a;
}
var clock = Stopwatch.StartNew();
void Start(string kind, int slots, TimeSpan spread, int addressesFor = -1)
{
    if (!kinds.Contains(kind) || slots <= 0) return;
    var report = new KindReport(kind);
    reports.Add(report);
    var sources = addressesFor < 0 ? Addresses(slots) : Addresses(addressesFor);
    runs.Add(attacks.RunAsync(kind, slots, sources, report, until.Token, startSpread: spread));
}
int half = nonreaders / 2;
// Non-readers arrive over 10 s (a crowd, not one burst); the flood arrives at once, from one address.
Start("nonreader-heartbeat", nonreaders - half, TimeSpan.FromSeconds(10));
Start("nonreader-silent", half, TimeSpan.FromSeconds(10));
Start("slowloris-dribble", slowloris, TimeSpan.FromSeconds(2));
Start("slowloris-stall", slowloris, TimeSpan.FromSeconds(2));
Start("oversize", oversize, TimeSpan.FromSeconds(2));
Start("huge-length", oversize, TimeSpan.FromSeconds(2));
Start("fragment-first", fragments, TimeSpan.FromSeconds(2));
Start("fragment-endless", fragments, TimeSpan.FromSeconds(2));
Start("flood", flood, TimeSpan.Zero, addressesFor: 1);

var floodReport = reports.FirstOrDefault(r => r.Kind == "flood");
long floodConnectsAt5s = -1;
_ = Task.Run(async () =>
{
    await Task.Delay(5000);
    if (floodReport is not null) floodConnectsAt5s = floodReport.Connected;
});
await Task.WhenAll(runs);

var result = new JsonObject
{
    ["url"] = url,
    ["duration_s"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
    // Of one core: so a run can show the hostile tool is not what saturates the machine.
    ["tool_cpu_percent"] = Math.Round(100 * Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds / clock.Elapsed.TotalSeconds, 1),
    ["kinds"] = new JsonArray(reports.Select(r => (JsonNode)r.ToJson()).ToArray()),
};
if (floodReport is not null) result["flood_connects_per_s_first_5s"] = floodConnectsAt5s < 0 ? null : Math.Round(floodConnectsAt5s / 5.0);
foreach (var r in reports)
    Console.Error.WriteLine($"{r.Kind,-20} attempts {r.Attempts,6}  upgraded {r.Upgraded,6}  {r.Describe()}");
if (json) Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
return 0;
