using System.Data.Common;
using System.Text.Json;
using Resonance.Grains.Events;
using Resonance.Grains.Hosting.Storage;

namespace Resonance.Grains.Privacy;

/// <summary>
/// The key store in the events database (PostgreSQL or the embedded SQLite file), so that the insert of an event can
/// refuse a subject without a live key in the same statement. Schema: <c>Sql/subject_keys.*.sql</c>, applied with the
/// event store's schema.
/// </summary>
public sealed class SqlSubjectKeyStore(StorageDialect dialect, DbDataSource source) : ISubjectKeyStore
{
    private bool Pg => dialect == StorageDialect.Postgres;

    public static string Schema(StorageDialect dialect) =>
        PrivacySql.Load(dialect == StorageDialect.Postgres ? "subject_keys.postgres.sql" : "subject_keys.sqlite.sql");

    private object Id(Guid id) => Pg ? id : id.ToString();

    public async Task<Dictionary<Guid, StoredKey>> ReadAsync(IReadOnlyCollection<Guid> subjects, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, StoredKey>(subjects.Count);
        if (subjects.Count == 0) return found;
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        if (Pg)
        {
            command.CommandText = "SELECT subject, master_key_id, wrapped_key FROM resonance_subject_keys WHERE subject = ANY(@subjects)";
            EventDialect.Add(command, "subjects", subjects.ToArray());
        }
        else
        {
            command.CommandText = "SELECT subject, master_key_id, wrapped_key FROM resonance_subject_keys WHERE subject IN (SELECT value FROM json_each(@subjects))";
            EventDialect.Add(command, "subjects", JsonSerializer.Serialize(subjects.Select(s => s.ToString())));
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            found[EventDialect.ReadId(reader, 0)] = new StoredKey(
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2));
        return found;
    }

    public async Task InsertAsync(IReadOnlyList<(Guid Subject, string MasterKeyId, byte[] Wrapped)> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0) return;
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        if (Pg)
        {
            command.CommandText = """
                INSERT INTO resonance_subject_keys (subject, master_key_id, wrapped_key)
                SELECT * FROM unnest(@subjects::uuid[], @masters::text[], @wrapped::bytea[])
                ON CONFLICT (subject) DO NOTHING
                """;
            EventDialect.Add(command, "subjects", keys.Select(k => k.Subject).ToArray());
            EventDialect.Add(command, "masters", keys.Select(k => k.MasterKeyId).ToArray());
            EventDialect.Add(command, "wrapped", keys.Select(k => k.Wrapped).ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        else
        {
            command.CommandText = "INSERT OR IGNORE INTO resonance_subject_keys (subject, master_key_id, wrapped_key) VALUES (@subject, @master, @wrapped)";
            foreach (var (subject, master, wrapped) in keys)
            {
                command.Parameters.Clear();
                EventDialect.Add(command, "subject", Id(subject));
                EventDialect.Add(command, "master", master);
                EventDialect.Add(command, "wrapped", wrapped);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task ShredAsync(Guid subject, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = Pg
                ? """
                  INSERT INTO resonance_subject_keys (subject, master_key_id, wrapped_key, erased_utc) VALUES (@subject, NULL, NULL, now())
                  ON CONFLICT (subject) DO UPDATE SET master_key_id = NULL, wrapped_key = NULL,
                      erased_utc = COALESCE(resonance_subject_keys.erased_utc, now())
                  """
                : """
                  INSERT INTO resonance_subject_keys (subject, master_key_id, wrapped_key, erased_utc)
                  VALUES (@subject, NULL, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                  ON CONFLICT (subject) DO UPDATE SET master_key_id = NULL, wrapped_key = NULL,
                      erased_utc = COALESCE(erased_utc, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                  """;
            EventDialect.Add(command, "subject", Id(subject));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        // Best effort against the old row version lingering in the table's pages (SQLite zeroes it: secure_delete).
        if (Pg)
        {
            await using var vacuum = connection.CreateCommand();
            vacuum.CommandText = "VACUUM resonance_subject_keys";
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<List<(Guid Subject, string MasterKeyId, byte[] Wrapped)>> WrappedByOthersAsync(string activeId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT subject, master_key_id, wrapped_key FROM resonance_subject_keys
            WHERE wrapped_key IS NOT NULL AND master_key_id <> @active LIMIT @limit
            """;
        EventDialect.Add(command, "active", activeId);
        EventDialect.Add(command, "limit", limit);
        var result = new List<(Guid, string, byte[])>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result.Add((EventDialect.ReadId(reader, 0), reader.GetString(1), (byte[])reader.GetValue(2)));
        return result;
    }

    public async Task RewrapAsync(Guid subject, string fromId, string toId, byte[] wrapped, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE resonance_subject_keys SET master_key_id = @to, wrapped_key = @wrapped
            WHERE subject = @subject AND master_key_id = @from AND wrapped_key IS NOT NULL
            """;
        EventDialect.Add(command, "subject", Id(subject));
        EventDialect.Add(command, "from", fromId);
        EventDialect.Add(command, "to", toId);
        EventDialect.Add(command, "wrapped", wrapped);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Dictionary<string, byte[]>> MasterChecksAsync(CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, check_value FROM resonance_master_keys";
        var result = new Dictionary<string, byte[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) result[reader.GetString(0)] = (byte[])reader.GetValue(1);
        return result;
    }

    public async Task AddMasterCheckAsync(string id, byte[] check, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Pg
            ? "INSERT INTO resonance_master_keys (id, check_value) VALUES (@id, @check) ON CONFLICT (id) DO NOTHING"
            : "INSERT OR IGNORE INTO resonance_master_keys (id, check_value) VALUES (@id, @check)";
        EventDialect.Add(command, "id", id);
        EventDialect.Add(command, "check", check);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
