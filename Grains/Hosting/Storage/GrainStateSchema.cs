namespace Resonance.Grains.Hosting.Storage;

/// <summary>
/// The grain-state table, written for this project. One row per (service, state name, grain id); <c>etag</c> counts
/// writes and guards against lost updates (optimistic concurrency). Every statement is idempotent.
/// </summary>
public static class GrainStateSchema
{
    public const string Table = "resonance_grain_state";

    public static string Create(StorageDialect dialect) => dialect switch
    {
        StorageDialect.Postgres => $"""
            CREATE TABLE IF NOT EXISTS {Table} (
                service_id  text        NOT NULL,
                state_name  text        NOT NULL,
                grain_id    text        NOT NULL,
                grain_type  text        NOT NULL,
                etag        bigint      NOT NULL,
                payload     bytea       NOT NULL,
                updated_utc timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (service_id, state_name, grain_id)
            );
            """,
        _ => $"""
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS {Table} (
                service_id  TEXT    NOT NULL,
                state_name  TEXT    NOT NULL,
                grain_id    TEXT    NOT NULL,
                grain_type  TEXT    NOT NULL,
                etag        INTEGER NOT NULL,
                payload     BLOB    NOT NULL,
                updated_utc TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                PRIMARY KEY (service_id, state_name, grain_id)
            );
            """,
    };

    public const string Read = $"SELECT etag, payload FROM {Table} WHERE service_id = @service AND state_name = @state AND grain_id = @grain";

    /// <summary>First write: only if no row exists (a concurrent first write loses and reports a conflict).</summary>
    public const string Insert = $"""
        INSERT INTO {Table} (service_id, state_name, grain_id, grain_type, etag, payload)
        VALUES (@service, @state, @grain, @type, 1, @payload)
        ON CONFLICT (service_id, state_name, grain_id) DO NOTHING
        """;

    public const string Update = $"""
        UPDATE {Table} SET etag = etag + 1, payload = @payload, updated_utc = CURRENT_TIMESTAMP
        WHERE service_id = @service AND state_name = @state AND grain_id = @grain AND etag = @etag
        """;

    public const string Delete = $"DELETE FROM {Table} WHERE service_id = @service AND state_name = @state AND grain_id = @grain AND etag = @etag";
}
