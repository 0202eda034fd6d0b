using System.Globalization;
using Resonance.Grains.Ledger;
using StackExchange.Redis;

namespace Resonance.Grains.Export;

/// <summary>
/// How a committed event becomes a stream entry (docs/ledger.md). The entry id is <c>{seq}-0</c>, seq being the event's
/// 1-based place in the global commit sequence: ids increase with commits and Redis refuses an id not above the
/// stream's last, so adding an entry twice is impossible and the stream's last id is the export position. The fields
/// come from the event's leaf: no payload (personal data stays sealed in the database), only its ciphertext's SHA-256,
/// and no subject id.
/// </summary>
public static class StreamEntries
{
    public static RedisValue Id(long seq) => $"{seq.ToString(CultureInfo.InvariantCulture)}-0";

    /// <summary>The commit sequence number of a stream id written by <see cref="Id"/> (0 for none).</summary>
    public static long SeqOf(RedisValue id)
    {
        if (id.IsNullOrEmpty) return 0;
        string text = id.ToString();
        int dash = text.IndexOf('-');
        return long.Parse(dash < 0 ? text : text[..dash], CultureInfo.InvariantCulture);
    }

    public static NameValueEntry[] Fields(CommittedLeaf leaf)
    {
        var input = LeafInput.Decode(leaf.LeafInput);
        var fields = new List<NameValueEntry>(10)
        {
            new("eventId", input.EventId.ToString()),
            new("space", leaf.Space),
            new("leafIndex", leaf.Index),
            new("eventType", input.EventType),
            new("timestamp", (input.TimestampMicros / 1000).ToString(CultureInfo.InvariantCulture)),
        };
        if (input.X is { } x) fields.Add(new("x", x.ToString("R", CultureInfo.InvariantCulture)));
        if (input.Y is { } y) fields.Add(new("y", y.ToString("R", CultureInfo.InvariantCulture)));
        if (input.Resonance is { } r) fields.Add(new("resonance", r.ToString("R", CultureInfo.InvariantCulture)));
        fields.Add(new("payloadSha256", Convert.ToBase64String(input.PayloadHash)));
        return [.. fields];
    }
}
