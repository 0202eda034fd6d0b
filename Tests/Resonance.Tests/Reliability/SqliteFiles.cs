using Microsoft.Data.Sqlite;

namespace Resonance.Tests.Reliability;

/// <summary>Reads the embedded default's SQLite files directly (after the server stopped or was killed).</summary>
public static class SqliteFiles
{
    private static SqliteConnection Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing");
        // No pooling: the file is not held open once the check is done (the server opens it next).
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary><c>PRAGMA integrity_check</c>: "ok" for a sound file.</summary>
    public static string IntegrityCheck(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read()) lines.Add(reader.GetString(0));
        return string.Join("; ", lines);
    }

    /// <summary>Stored event ids of a space with how often each is stored.</summary>
    public static Dictionary<Guid, long> EventIds(string eventsDb, string space)
    {
        using var connection = Open(eventsDb);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT event_id, count(*) FROM consciousness_events WHERE space = $s GROUP BY event_id";
        command.Parameters.AddWithValue("$s", space);
        using var reader = command.ExecuteReader();
        var ids = new Dictionary<Guid, long>();
        while (reader.Read()) ids[Guid.Parse(reader.GetString(0))] = reader.GetInt64(1);
        return ids;
    }
}
