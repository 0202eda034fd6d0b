namespace Resonance.Grains;

/// <summary>
/// The forecaster of one space (key: space id). Learns from the space's per-second history, retrains on a timer while it
/// is being asked, and goes away when nobody asks.
/// </summary>
public interface IForecastGrain : IGrainWithStringKey
{
    /// <summary>
    /// Global resonance, coherence and active nodes for each second of the next <paramref name="horizonSeconds"/>
    /// (1..Resonance:Forecast:MaxHorizon; otherwise ArgumentOutOfRangeException), with intervals and measured skill.
    /// </summary>
    Task<ForecastReport> Forecast(int horizonSeconds);
}
