using System.Text.Json;

namespace Resonance.Grains.Rollups;

/// <summary>The <c>clusters</c> column: a JSON array of {x, y, count, sumSquares} (doubles round-trip exactly).</summary>
public static class ClusterJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize(EventCluster[] clusters) => JsonSerializer.Serialize(clusters, Options);

    public static EventCluster[] Deserialize(string json) => JsonSerializer.Deserialize<EventCluster[]>(json, Options) ?? [];
}
