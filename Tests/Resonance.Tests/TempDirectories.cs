namespace Resonance.Tests;

/// <summary>
/// Temporary directories deleted when the test process exits. A test's directory may outlive the object that made it
/// (a stopped gateway's data serves its restart), and a failed assertion skips cleanup written after it.
/// </summary>
public static class TempDirectories
{
    private static readonly List<string> Created = [];

    static TempDirectories() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        lock (Created)
            foreach (var directory in Created) Delete(directory);
    };

    public static string Create(string prefix)
    {
        string directory = Directory.CreateTempSubdirectory(prefix).FullName;
        lock (Created) Created.Add(directory);
        return directory;
    }

    /// <summary>Deletes a directory and what it holds, if it can (best effort: a temp directory).</summary>
    public static void Delete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
