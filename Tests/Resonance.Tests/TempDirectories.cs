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
            foreach (var directory in Created)
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Best effort: a temp directory.
                }
            }
    };

    public static string Create(string prefix)
    {
        string directory = Directory.CreateTempSubdirectory(prefix).FullName;
        lock (Created) Created.Add(directory);
        return directory;
    }
}
