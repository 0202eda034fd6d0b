namespace Resonance.Grains.Privacy;

/// <summary>The key store's SQL scripts, embedded from <c>Privacy/Sql/*.sql</c>.</summary>
internal static class PrivacySql
{
    public static string Load(string fileName)
    {
        using var stream = typeof(PrivacySql).Assembly.GetManifestResourceStream($"Resonance.Grains.Privacy.Sql.{fileName}")
            ?? throw new InvalidOperationException($"Embedded SQL script {fileName} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
