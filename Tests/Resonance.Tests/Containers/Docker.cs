using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Resonance.Tests.Gateway;
using Resonance.Tests.Processes;

namespace Resonance.Tests.Containers;

/// <summary>The docker CLI, and the images of this repository built once per test run.</summary>
public static class Docker
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => (Stdout + "\n" + Stderr).Trim();
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null, bool check = true)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }
        var result = new Result(process.ExitCode, await stdout, await stderr);
        if (check && result.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({result.ExitCode}): {result.Output}");
        return result;
    }

    public static Task<Result> Cli(params string[] args) => RunAsync("docker", args);

    public static Task<Result> CliUnchecked(params string[] args) => RunAsync("docker", args, check: false);

    /// <summary>Silo and gateway images of the working tree, tagged per build (the tag is their image id).</summary>
    public sealed record Images(string Silo, string Gateway, string BuildLog, TimeSpan Took);

    private static readonly Lazy<Task<Images>> Built = new(BuildAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Builds the base images and the silo and gateway images once per test run with <c>deploy/containers/cluster.sh
    /// build</c>: the base images are skipped when their input hash label matches, and docker's layer cache makes an
    /// unchanged tree's rebuild a matter of seconds.
    /// </summary>
    public static Task<Images> EnsureImagesAsync() => Built.Value;

    private static async Task<Images> BuildAsync()
    {
        var clock = Stopwatch.StartNew();
        string root = SiloProcess.RepositoryRoot();
        var r = await RunAsync("bash", [Path.Combine(root, "deploy", "containers", "cluster.sh"), "build"], TimeSpan.FromMinutes(20));
        // cluster.sh build prints the image references last, one per line: silo, then gateway.
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new Images(lines[^2], lines[^1], r.Output, clock.Elapsed);
    }

    /// <summary>A loopback port that was free a moment ago (a start that finds it taken is retried on another).</summary>
    public static int FreePort() => GatewayHost.FreePort();

    /// <summary>True when something accepts TCP connections on the loopback port.</summary>
    public static async Task<bool> ListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(2));
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    public static string Tail(string text, int lines = 40)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public static string Describe(IEnumerable<KeyValuePair<string, string>> env, params string[] secretKeys)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in env) sb.Append(k).Append('=').Append(secretKeys.Contains(k) ? "(secret)" : v).Append(' ');
        return sb.ToString().Trim();
    }
}
