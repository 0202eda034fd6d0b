using System.Buffers.Text;

namespace Resonance.LoadTest;

/// <summary>
/// Allocation-free reading of the one field the tool needs from every resonance_update (the
/// 10 Hz stream that is most of what 10,000 clients receive): its <c>timestamp</c>. Both servers
/// write <c>type</c> first and <c>timestamp</c> last, so this is a prefix compare and a backwards
/// search, never a JSON parse of the ~2 KB body.
/// </summary>
public static class ResonanceUpdateScan
{
    private static ReadOnlySpan<byte> Prefix => "{\"type\":\"resonance_update\""u8;
    private static ReadOnlySpan<byte> TimestampKey => "\"timestamp\":"u8;

    /// <summary>True when <paramref name="json"/> starts like a resonance_update of ours or the peer's.</summary>
    public static bool IsResonanceUpdate(ReadOnlySpan<byte> json) => json.StartsWith(Prefix);

    /// <summary>
    /// The integer Unix-ms <c>timestamp</c> of a resonance_update (the last one in the message:
    /// nothing nested in it has a timestamp). False when absent or not an integer.
    /// </summary>
    public static bool TryReadTimestamp(ReadOnlySpan<byte> json, out long unixMs)
    {
        unixMs = 0;
        int at = json.LastIndexOf(TimestampKey);
        if (at < 0) return false;
        var rest = json[(at + TimestampKey.Length)..];
        while (rest.Length > 0 && rest[0] == (byte)' ') rest = rest[1..];
        // Integer ms; a fractional part (".0") is accepted and dropped.
        return Utf8Parser.TryParse(rest, out unixMs, out int used) && used > 0;
    }
}
