using Resonance.LoadTest;

var options = LoadOptions.Parse(args, out string? error, out bool help);
if (help)
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}
if (options is null)
{
    Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
// Ctrl+C ends the run early but still prints the summary of what was measured.
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

// Progress goes to stderr so stdout holds only the summary (and with --json, only the JSON object).
var runner = new LoadRunner(options, options.Json ? null : line => Console.Error.WriteLine(line));
var summary = await runner.RunAsync(cancel.Token);
Console.Out.WriteLine(options.Json ? summary.ToJson() : summary.ToText());
return summary.ClientsConnected > 0 ? 0 : 1;
