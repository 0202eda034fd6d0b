namespace Resonance.Grains.Events;

/// <summary>The gateway's own SQL scripts, embedded from <c>Events/Sql/*.sql</c>.</summary>
public static class SqlScripts
{
    public static string Load(string fileName)
    {
        using var stream = typeof(SqlScripts).Assembly.GetManifestResourceStream($"Resonance.Grains.Events.Sql.{fileName}")
            ?? throw new InvalidOperationException($"Embedded SQL script {fileName} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
