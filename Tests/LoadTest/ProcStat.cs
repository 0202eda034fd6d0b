using System.Globalization;

namespace Resonance.LoadTest;

/// <summary>
/// CPU time and resident memory of another process, read from /proc/PID/stat and /proc/PID/status
/// (Linux). Used for the server under test, which shares this machine with the tool.
/// </summary>
public static class ProcStat
{
    // USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every Linux build that matters.
    private const double ClockTicksPerSecond = 100;

    /// <summary>utime + stime of <paramref name="pid"/> in seconds, or null when unreadable (gone, not Linux).</summary>
    public static double? CpuSeconds(int pid)
    {
        try { return ParseCpuSeconds(File.ReadAllText($"/proc/{pid}/stat")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>VmRSS of <paramref name="pid"/> in bytes, or null when unreadable.</summary>
    public static long? RssBytes(int pid)
    {
        try { return ParseRssBytes(File.ReadAllText($"/proc/{pid}/status")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    internal static double? ParseCpuSeconds(string stat)
    {
        // "pid (comm) state ppid ...": comm may hold spaces and ')', so count fields after the last ')'.
        int close = stat.LastIndexOf(')');
        if (close < 0) return null;
        var f = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // After comm, field 3 (state) is f[0]; utime is field 14 -> f[11], stime field 15 -> f[12].
        if (f.Length < 13
            || !long.TryParse(f[11], NumberStyles.None, CultureInfo.InvariantCulture, out long utime)
            || !long.TryParse(f[12], NumberStyles.None, CultureInfo.InvariantCulture, out long stime)) return null;
        return (utime + stime) / ClockTicksPerSecond;
    }

    internal static long? ParseRssBytes(string status)
    {
        foreach (var line in status.Split('\n'))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var parts = line[6..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);   // "\t  123456 kB"
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb)) return kb * 1024;
        }
        return null;
    }
}
