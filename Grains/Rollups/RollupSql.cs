namespace Resonance.Grains.Rollups;

/// <summary>The rollup schema scripts, embedded from <c>Rollups/Sql/*.sql</c>.</summary>
public static class RollupSql
{
    public static string Load(string fileName)
    {
        using var stream = typeof(RollupSql).Assembly.GetManifestResourceStream($"Resonance.Grains.Rollups.Sql.{fileName}")
            ?? throw new InvalidOperationException($"Embedded SQL script {fileName} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
