using System.Data.Common;
using Resonance.Grains.Ledger;

namespace Resonance.Grains.Events;

/// <summary>
/// The event log's side of the store (docs/ledger.md): every committed batch appends one leaf per stored event, in the
/// same transaction, at the next indexes of its space and of the global sequence. Leaves are kept when retention drops
/// the events.
/// </summary>
public sealed partial class EventStore
{
    /// <summary>
    /// Off only in the ingest benchmark, which measures the log's cost against the same build (docs/benchmarks.md); a
    /// store without it would break the log's contiguity and must never serve.
    /// </summary>
    internal bool AppendsLeaves { get; set; } = true;

    /// <summary>Appends the leaves of <paramref name="stored"/> (positions in <paramref name="batch"/>, in commit order).</summary>
    private async Task AppendLeavesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventRecord> batch,
        byte[]?[] sealedData, List<int> stored, CancellationToken cancellationToken)
    {
        if (stored.Count == 0 || !AppendsLeaves) return;
        int n = stored.Count;
        var spaces = new string[n];
        var offsets = new long[n];
        var inputs = new byte[n][];
        var perSpace = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int j = 0; j < n; j++)
        {
            var record = batch[stored[j]];
            var e = record.Event;
            spaces[j] = record.Space;
            offsets[j] = perSpace.TryGetValue(record.Space, out long seen) ? seen : 0;
            perSpace[record.Space] = offsets[j] + 1;
            inputs[j] = LeafInput.Of(record.Space, e, _sql.StoredMicros(e.TimestampUtc), sealedData[stored[j]]).Encode();
        }
        if (_ledger.AppendLeaves is { } bulk)
        {
            await using var command = PostgresPartitions.Command(connection, transaction, bulk);
            EventDialect.Add(command, "lspaces", spaces);
            EventDialect.Add(command, "lks", offsets);
            EventDialect.Add(command, "linputs", inputs);
            EventDialect.Add(command, "total", (long)n);
            int appended = await command.ExecuteNonQueryAsync(cancellationToken);
            if (appended != n) throw new InvalidOperationException($"The event log appended {appended} of {n} leaves.");
            return;
        }
        // SQLite: one writer holds the file, so the heads read here stay ours until the commit. Space order, '' first,
        // as on PostgreSQL.
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var head = PostgresPartitions.Command(connection, transaction, _ledger.AdvanceHead!))
            foreach (var (space, count) in perSpace.Append(new("", n)).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                head.Parameters.Clear();
                EventDialect.Add(head, "space", space);
                EventDialect.Add(head, "n", count);
                sizes[space] = Convert.ToInt64(await head.ExecuteScalarAsync(cancellationToken)) - count;
            }
        await using var insert = PostgresPartitions.Command(connection, transaction, _ledger.InsertLeaf!);
        for (int j = 0; j < n; j++)
        {
            insert.Parameters.Clear();
            EventDialect.Add(insert, "space", spaces[j]);
            EventDialect.Add(insert, "index", sizes[spaces[j]] + offsets[j]);
            EventDialect.Add(insert, "seq", sizes[""] + j + 1);
            EventDialect.Add(insert, "input", inputs[j]);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<IReadOnlyList<StoredLeaf>> ReadLeavesAsync(string space, long fromIndex, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, _ledger.ReadLeaves);
        EventDialect.Add(command, "space", space);
        EventDialect.Add(command, "from", fromIndex);
        EventDialect.Add(command, "limit", limit);
        var result = new List<StoredLeaf>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) result.Add(new StoredLeaf(reader.GetInt64(0), (byte[])reader.GetValue(1)));
        return result;
    }

    public async Task<FoundLeaf?> GetLeafAsync(string space, long index, Guid eventId, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        byte[] leafInput;
        await using (var command = PostgresPartitions.Command(connection, null, _ledger.ReadLeaf))
        {
            EventDialect.Add(command, "space", space);
            EventDialect.Add(command, "index", index);
            if (await command.ExecuteScalarAsync(cancellationToken) is not byte[] stored) return null;
            leafInput = stored;
        }
        await using var read = PostgresPartitions.Command(connection, null, _ledger.ReadEventRow);
        EventDialect.Add(read, "space", space);
        EventDialect.Add(read, "id", _sql.Id(eventId));
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return new FoundLeaf(index, leafInput, null);
        // The row as it is stored now, through the same encoding the commit used.
        var e = new SpaceEvent
        {
            EventId = eventId,
            UserId = EventDialect.ReadId(reader, 0),
            EventType = reader.GetString(1),
            X = EventDialect.ReadDouble(reader, 3),
            Y = EventDialect.ReadDouble(reader, 4),
            Resonance = EventDialect.ReadDouble(reader, 5),
        };
        long micros = reader.GetValue(6) is long ms ? ms * 1000 : LeafInput.Micros(EventDialect.ReadTime(reader, 6));
        return new FoundLeaf(index, leafInput, LeafInput.Of(space, e, micros, StoredBytes(reader.GetValue(2))).Encode());
    }

    // A hand-edited SQLite row may hold text where bytes belong; it must rebuild to a (different) leaf, not fail the proof.
    private static byte[] StoredBytes(object value) => value switch
    {
        byte[] bytes => bytes,
        string text => System.Text.Encoding.UTF8.GetBytes(text),
        _ => System.Text.Encoding.UTF8.GetBytes(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
    };

    public async Task<IReadOnlyList<CommittedLeaf>> ReadCommittedAsync(long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, _ledger.ReadCommitted);
        EventDialect.Add(command, "after", afterSeq);
        EventDialect.Add(command, "limit", limit);
        var result = new List<CommittedLeaf>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new CommittedLeaf(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), (byte[])reader.GetValue(3)));
        return result;
    }
}
