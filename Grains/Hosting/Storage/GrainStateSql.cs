namespace Resonance.Grains.Hosting.Storage;

/// <summary>
/// This project's SQL for Orleans' ADO.NET grain storage, embedded from <c>Sql/{postgres,sqlite}/</c>: the schema, and one
/// file per <c>OrleansQuery</c> key the provider loads at start (its documented contract: the parameters
/// <c>@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString, @GrainIdHash, @GrainTypeHash,
/// @GrainStateVersion, @PayloadBinary</c>; result columns <c>PayloadBinary, Version</c> for reads,
/// <c>NewGrainStateVersion</c> for writes, the version in the first column for clear and delete).
/// </summary>
public static class GrainStateSql
{
    /// <summary>The statements the provider looks up in <c>OrleansQuery</c>.</summary>
    public static readonly string[] QueryKeys = ["ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey"];

    /// <summary>Same text for both dialects (PostgreSQL folds the unquoted names, SQLite ignores their case).</summary>
    public const string UpsertQuery =
        "INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES (@key, @text) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText";

    public const string Table = "grain_state";

    public static string Load(StorageDialect dialect, string name)
    {
        string resource = $"grain-state/{Folder(dialect)}/{name}.sql";
        using var stream = typeof(GrainStateSql).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded SQL script {resource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Folder(StorageDialect dialect) => dialect == StorageDialect.Postgres ? "postgres" : "sqlite";
}
