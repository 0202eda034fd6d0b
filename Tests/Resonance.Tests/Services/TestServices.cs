using System.Diagnostics;
using Resonance.Tests.Processes;

namespace Resonance.Tests.Services;

/// <summary>
/// The real PostgreSQL (+PostGIS) and Redis the tests use. <c>./test.sh</c> starts throwaway servers with
/// <c>deploy/local/services.sh</c> and exports them as <c>RESONANCE_TEST_POSTGRES</c> / <c>RESONANCE_TEST_REDIS</c>
/// (test-only names: each test decides which silo or gateway uses them); when they are absent (a plain <c>dotnet test</c>),
/// the first test that needs them starts its own the same way, and they are stopped when the test process exits.
/// </summary>
public static class TestServices
{
    private static readonly Lazy<(string Postgres, string Redis)> Started = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Npgsql connection string of a database the tests may use freely.</summary>
    public static string Postgres => Started.Value.Postgres;

    /// <summary>Redis endpoint (host:port).</summary>
    public static string Redis => Started.Value.Redis;

    private static (string, string) Start()
    {
        string? pg = Environment.GetEnvironmentVariable("RESONANCE_TEST_POSTGRES");
        string? redis = Environment.GetEnvironmentVariable("RESONANCE_TEST_REDIS");
        if (!string.IsNullOrEmpty(pg) && !string.IsNullOrEmpty(redis)) return (pg, redis);

        string script = Path.Combine(SiloProcess.RepositoryRoot(), "deploy", "local", "services.sh");
        string dir = Path.Combine(Path.GetTempPath(), $"resonance-test-services-{Environment.ProcessId}");
        Run(script, "start", dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Run(script, "stop", dir);
        var env = File.ReadAllLines(Path.Combine(dir, "env"))
            .Select(l => l.StartsWith("export ", StringComparison.Ordinal) ? l[7..] : l)
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Trim('"'));
        return (env["Resonance__Storage__Postgres"], env["Resonance__Cluster__Redis"]);
    }

    private static void Run(string script, string command, string dir)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(command);
        info.ArgumentList.Add(dir);
        using var p = Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"services.sh {command} failed ({p.ExitCode}): {output}");
    }

    /// <summary>A fresh database on the test server (so tests can drop and recreate schema freely).</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(Postgres);
        string name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];
        await using (var connection = new Npgsql.NpgsqlConnection(Postgres))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        builder.Database = name;
        return builder.ConnectionString;
    }
}
