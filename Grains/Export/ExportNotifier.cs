using Microsoft.Extensions.Options;

namespace Resonance.Grains.Export;

/// <summary>Tells the exporter that events were committed (one one-way call per batch), when an export is configured.</summary>
public sealed class ExportNotifier(IGrainFactory grains, IOptions<EventExportOptions> options)
{
    public void Committed()
    {
        if (!options.Value.Enabled) return;
        try
        {
            // One-way: neither Redis nor the exporter's silo can slow or fail a commit.
            _ = grains.GetGrain<IEventExportGrain>(0).Poke();
        }
        catch (Exception)
        {
            // The exporter's timer and reminder find the events anyway.
        }
    }
}
