using Resonance.Grains.Events;
using Resonance.Grains.Hosting.Storage;

namespace Resonance.Grains.Ledger;

/// <summary>The event log's statements per database (tables in <c>Events/Sql/ledger.*.sql</c>); run by <see cref="EventStore"/>.</summary>
public sealed class LedgerSql
{
    public required string Schema { get; init; }

    /// <summary>
    /// PostgreSQL: advances the heads of the spaces in @lspaces and the global head '' by their counts, and stores the
    /// leaves (@lspaces @lks @linputs: space, 0-based position among the batch's leaves of that space, leaf input; in
    /// commit order; @total of them). The heads are locked in space order, '' first, so every batch takes
    /// the global row before any other and concurrent batches queue instead of deadlocking.
    /// </summary>
    public string? AppendLeaves { get; init; }

    /// <summary>SQLite: advances head @space by @n and returns the new size.</summary>
    public string? AdvanceHead { get; init; }

    /// <summary>SQLite: one leaf (@space @index @seq @input).</summary>
    public string? InsertLeaf { get; init; }

    /// <summary>Leaves of @space from index @from, in order, at most @limit: index, leaf input.</summary>
    public required string ReadLeaves { get; init; }

    /// <summary>The stored input of leaf @index of @space.</summary>
    public required string ReadLeaf { get; init; }

    /// <summary>Event @id's row if it is stored in @space: user, type, sealed data, x, y, resonance, time.</summary>
    public required string ReadEventRow { get; init; }

    /// <summary>Leaves of every space after global position @after, in commit order, at most @limit: seq, space, index, leaf input.</summary>
    public required string ReadCommitted { get; init; }

    public static readonly LedgerSql Postgres = new()
    {
        Schema = SqlScripts.Load("ledger.postgres.sql"),
        AppendLeaves = """
            WITH counts AS (
                SELECT space, count(*) AS n FROM unnest(@lspaces::text[]) AS l(space) GROUP BY space
                UNION ALL SELECT '', @total::bigint
            ), heads AS (
                INSERT INTO event_log_heads (space, size) SELECT space, n FROM counts ORDER BY space
                ON CONFLICT (space) DO UPDATE SET size = event_log_heads.size + excluded.size
                RETURNING space, size
            )
            INSERT INTO event_log_leaves (space, leaf_index, seq, leaf_input)
            SELECT l.space, h.size - c.n + l.k, g.size - @total::bigint + l.ord, l.leaf_input
            FROM unnest(@lspaces::text[], @lks::bigint[], @linputs::bytea[]) WITH ORDINALITY AS l (space, k, leaf_input, ord)
            JOIN counts c ON c.space = l.space
            JOIN heads h ON h.space = l.space
            CROSS JOIN (SELECT size FROM heads WHERE space = '') g
            """,
        ReadLeaves = "SELECT leaf_index, leaf_input FROM event_log_leaves WHERE space = @space AND leaf_index >= @from ORDER BY leaf_index LIMIT @limit",
        ReadLeaf = "SELECT leaf_input FROM event_log_leaves WHERE space = @space AND leaf_index = @index",
        // The id registry gives the event's timestamp, so the partitioned table is probed by its primary key.
        ReadEventRow = """
            SELECT e.user_id, e.event_type, e.event_data, ST_X(e.position), ST_Y(e.position), e.resonance, e."timestamp"
            FROM consciousness_event_ids i JOIN consciousness_events e ON e."timestamp" = i."timestamp" AND e.id = i.id
            WHERE i.id = @id AND e.space = @space
            """,
        ReadCommitted = "SELECT seq, space, leaf_index, leaf_input FROM event_log_leaves WHERE seq > @after ORDER BY seq LIMIT @limit",
    };

    public static readonly LedgerSql Sqlite = new()
    {
        Schema = SqlScripts.Load("ledger.sqlite.sql"),
        AdvanceHead = """
            INSERT INTO event_log_heads (space, size) VALUES (@space, @n)
            ON CONFLICT (space) DO UPDATE SET size = size + excluded.size
            RETURNING size
            """,
        InsertLeaf = "INSERT INTO event_log_leaves (space, leaf_index, seq, leaf_input) VALUES (@space, @index, @seq, @input)",
        ReadLeaves = "SELECT leaf_index, leaf_input FROM event_log_leaves WHERE space = @space AND leaf_index >= @from ORDER BY leaf_index LIMIT @limit",
        ReadLeaf = "SELECT leaf_input FROM event_log_leaves WHERE space = @space AND leaf_index = @index",
        ReadEventRow = "SELECT user_id, event_type, data, x, y, resonance, ts_ms FROM consciousness_events WHERE event_id = @id AND space = @space",
        ReadCommitted = "SELECT seq, space, leaf_index, leaf_input FROM event_log_leaves WHERE seq > @after ORDER BY seq LIMIT @limit",
    };

    public static LedgerSql For(StorageDialect kind) => kind == StorageDialect.Postgres ? Postgres : Sqlite;
}
