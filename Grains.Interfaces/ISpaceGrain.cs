namespace Resonance.Grains;

/// <summary>A space (key: space id): configuration, per-tick aggregates, observers.</summary>
public interface ISpaceGrain : IGrainWithStringKey
{
    Task<SpaceConfig> GetConfig();

    /// <summary>Sets the configuration; allowed only while the space holds no nodes. Throws ArgumentException when invalid.</summary>
    Task<SpaceConfig> Configure(SpaceConfig config);

    /// <summary>A cell's per-tick report; answers with the latest global resonance G for the cell's composition.</summary>
    Task<double> ReportCell(CellReport report);

    /// <summary>A cell has nothing left (no contributors): forget its last report.</summary>
    Task CellEmptied(int cx, int cy);

    /// <summary>The latest tick's aggregates.</summary>
    Task<SpaceTick> GetLatestTick();

    /// <summary>Queues events for relay to the space's clients with the next tick.</summary>
    Task Relay(SpaceEvent[] events);

    /// <summary>A pair formed or broke (called by the node grains involved); notices go to both clients with the next tick.</summary>
    Task PairChanged(EntangledPair pair, bool formed);

    /// <summary>Tells <paramref name="notice"/>.To's client something about entanglement with the next tick.</summary>
    Task Notify(EntanglementNotice notice);

    /// <summary>
    /// The last <paramref name="maxSamples"/> seconds of the space's measures (oldest first; seconds the space was not
    /// ticking are absent). In memory only, bounded by Resonance:Forecast:HistorySeconds; reading it does not keep the space busy.
    /// </summary>
    Task<MeasureSample[]> GetMeasureHistory(int maxSamples);

    /// <summary>
    /// FOR TESTS: appends synthetic seconds to the measure history (after its last second), so a forecast can be tested
    /// without hours of real traffic. Refused (InvalidOperationException) unless Resonance:Forecast:AllowHistorySeeding is true.
    /// </summary>
    Task SeedMeasureHistoryForTesting(MeasureSample[] samples);

    Task Subscribe(ISpaceObserver observer);

    Task Unsubscribe(ISpaceObserver observer);
}
