namespace Resonance.Fuzz;
public static class LiveFuzz
{
    public static Task GrainsAsync(long n, string? seed) => Task.CompletedTask;
    public static Task HttpAsync(long n, string? seed) => Task.CompletedTask;
}
