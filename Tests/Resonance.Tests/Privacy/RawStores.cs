using System.Diagnostics;
using System.Text;
using Npgsql;

namespace Resonance.Tests.Privacy;

/// <summary>What an attacker with the disk (or a database dump) would read: raw SQLite files, WAL included, and pg_dump.</summary>
public static class RawStores
{
    /// <summary>Files under <paramref name="directory"/> whose raw bytes contain <paramref name="secret"/> (UTF-8).</summary>
    public static List<string> FilesContaining(string directory, string secret)
    {
        var needle = Encoding.UTF8.GetBytes(secret);
        var found = new List<string>();
        foreach (var file in Directory.GetFiles(directory, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            if (copy.ToArray().AsSpan().IndexOf(needle) >= 0) found.Add(Path.GetFileName(file));
        }
        return found;
    }

    /// <summary>A plain pg_dump of the database (every table's live rows; bytea as hex).</summary>
    public static string Dump(string connectionString)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var info = new ProcessStartInfo("pg_dump") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--no-owner", "--no-privileges", "-h", cs.Host!, "-p", cs.Port.ToString(), "-U", cs.Username!, cs.Database! })
            info.ArgumentList.Add(arg);
        using var dump = Process.Start(info)!;
        var stderr = dump.StandardError.ReadToEndAsync();
        string output = dump.StandardOutput.ReadToEnd();
        dump.WaitForExit();
        Assert.True(dump.ExitCode == 0, $"pg_dump failed: {stderr.Result}");
        return output;
    }

    /// <summary>True when the dump holds the secret as text or inside a bytea value (hex).</summary>
    public static bool DumpContains(string dump, string secret) =>
        dump.Contains(secret, StringComparison.Ordinal)
        || dump.Contains(Convert.ToHexString(Encoding.UTF8.GetBytes(secret)), StringComparison.OrdinalIgnoreCase);
}
