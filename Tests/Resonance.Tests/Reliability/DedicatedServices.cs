using System.Diagnostics;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Reliability;

/// <summary>
/// A PostgreSQL and a Redis of one test's own (under a temp directory, on free loopback ports), which the test may stop
/// and start again: the shared servers of the suite (<c>TestServices</c>) are never touched. The PostgreSQL cluster is
/// created the way <c>deploy/local/services.sh</c> does; Redis appends to a log (<c>appendonly yes</c>) like a
/// production Redis, so its data survives a stop.
/// </summary>
public sealed class DedicatedServices : IAsyncDisposable
{
    private const string PgBin = "/usr/lib/postgresql/15/bin";
    private readonly string _dir;

    public int PostgresPort { get; }
    public int RedisPort { get; }
    public string Postgres => $"Host=127.0.0.1;Port={PostgresPort};Username=postgres;Database=resonance;Pooling=true;Maximum Pool Size=50";
    public string Redis => $"127.0.0.1:{RedisPort}";

    private DedicatedServices(string dir, int pg, int redis)
    {
        _dir = dir;
        PostgresPort = pg;
        RedisPort = redis;
    }

    public static async Task<DedicatedServices> StartAsync(bool postgres = true, bool redis = true)
    {
        // The server runs as postgres: the directory must be reachable for it (as services.sh does).
        var dir = Directory.CreateTempSubdirectory("resonance-dedicated-").FullName;
        var services = new DedicatedServices(dir, GatewayHost.FreePort(), GatewayHost.FreePort());
        try
        {
            if (postgres)
            {
                Directory.CreateDirectory(Path.Combine(dir, "pg"));
                await Run("chmod", "a+x", Path.GetDirectoryName(dir)!, dir);
                await Run("chown", "-R", "postgres", Path.Combine(dir, "pg"));
                await AsPostgres($"{PgBin}/initdb", "-D", services.PgData, "-U", "postgres", "--auth=trust", "-E", "UTF8");
                await services.StartPostgresAsync();
                await Run("psql", "-h", "127.0.0.1", "-p", services.PostgresPort.ToString(), "-U", "postgres", "-qc", "CREATE DATABASE resonance");
            }
            if (redis)
            {
                Directory.CreateDirectory(Path.Combine(dir, "redis"));
                await services.StartRedisAsync();
            }
            return services;
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
    }

    private string PgData => Path.Combine(_dir, "pg", "data");

    /// <summary>Starts (or starts again) PostgreSQL on its port and data; returns once it accepts connections.</summary>
    public Task StartPostgresAsync() => AsPostgres($"{PgBin}/pg_ctl", "-D", PgData, "-l", Path.Combine(_dir, "pg", "log"), "-w",
        "-o", $"-p {PostgresPort} -k {Path.Combine(_dir, "pg")} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200", "start");

    /// <summary>Stops PostgreSQL at once (immediate mode: open connections are cut, as in a crash of the server).</summary>
    public Task StopPostgresAsync() => AsPostgres($"{PgBin}/pg_ctl", "-D", PgData, "-m", "immediate", "-w", "stop");

    public async Task StartRedisAsync()
    {
        string d = Path.Combine(_dir, "redis");
        await Run("redis-server", "--port", RedisPort.ToString(), "--bind", "127.0.0.1", "--dir", d, "--daemonize", "yes",
            "--pidfile", Path.Combine(d, "redis.pid"), "--logfile", Path.Combine(d, "log"), "--save", "", "--appendonly", "yes", "--appendfsync", "always");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await TryRun("redis-cli", "-p", RedisPort.ToString(), "ping")).Output.Trim() != "PONG")
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Redis did not answer PING");
            await Task.Delay(50);
        }
    }

    /// <summary>Stops Redis (SHUTDOWN: clients are cut off; the append-only file keeps the data).</summary>
    public async Task StopRedisAsync()
    {
        await TryRun("redis-cli", "-p", RedisPort.ToString(), "shutdown");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await TryRun("redis-cli", "-p", RedisPort.ToString(), "ping")).Exit == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Redis did not stop");
            await Task.Delay(50);
        }
    }

    private static Task AsPostgres(params string[] args) => Run("runuser", ["-u", "postgres", "--", .. args]);

    public static async Task Run(string file, params string[] args)
    {
        var (exit, output) = await TryRun(file, args);
        if (exit != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({exit}): {output}");
    }

    public static async Task<(int Exit, string Output)> TryRun(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(_dir, "redis", "redis.pid"))) await TryRun("redis-cli", "-p", RedisPort.ToString(), "shutdown", "nosave");
        if (Directory.Exists(PgData)) await TryRun("runuser", "-u", "postgres", "--", $"{PgBin}/pg_ctl", "-D", PgData, "-m", "immediate", "stop");
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
