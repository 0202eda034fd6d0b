using System.Text.Json;
using Resonance.Tests.Processes;

namespace Resonance.Tests.Observability;

/// <summary>Outside Development the hosts log one JSON object per line with level, category and template values.</summary>
public sealed class JsonLogTests
{
    [Fact]
    public async Task A_silo_process_logs_one_json_object_per_line()
    {
        await using var silo = await SiloProcess.StartAsync(new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Orleans"] = "Warning",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        });
        var lines = silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            Assert.True(root.TryGetProperty("LogLevel", out _), line);
            Assert.True(root.TryGetProperty("Category", out _), line);
            Assert.True(root.TryGetProperty("Message", out _), line);
        }
        // Template values are kept as properties, not only in the rendered text.
        Assert.Contains(lines, l => JsonDocument.Parse(l).RootElement.TryGetProperty("State", out var s) && s.TryGetProperty("{OriginalFormat}", out _));
    }
}
