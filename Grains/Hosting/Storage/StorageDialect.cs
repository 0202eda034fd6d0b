namespace Resonance.Grains.Hosting.Storage;

/// <summary>The two databases grain state can live in: PostgreSQL (production) and SQLite (the embedded default).</summary>
public enum StorageDialect
{
    Postgres,
    Sqlite,
}
