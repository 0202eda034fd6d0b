namespace Resonance.LoadTest;

/// <summary>What each simulated client sends.</summary>
public enum Workload
{
    /// <summary>The default mix: harmonic_stream at 0.5..10 Hz, heartbeats, acked events, memories.</summary>
    Mix,
    /// <summary>The existing app's steady rate: harmonic_stream every 2 s, heartbeat every 10 s, nothing else.</summary>
    AppRate,
}

public static class Workloads
{
    public const string Names = "mix, app-rate";

    public static string Name(Workload w) => w == Workload.AppRate ? "app-rate" : "mix";

    public static bool TryParse(string s, out Workload w)
    {
        switch (s)
        {
            case "mix": w = Workload.Mix; return true;
            case "app-rate": w = Workload.AppRate; return true;
            default: w = Workload.Mix; return false;
        }
    }
}
