using System.Net;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Processes;

/// <summary>The gateway behaves the same wherever it is started from: its settings file is read next to its binary.</summary>
public sealed class ContentRootTests
{
    [Fact]
    public async Task Started_from_another_directory_the_gateway_reads_the_settings_next_to_its_binary()
    {
        string elsewhere = TempDirectories.Create("resonance-cwd-");
        // Information by default, so only appsettings.json ("Microsoft.AspNetCore.Hosting.Diagnostics": "None") keeps the
        // per-request lines out; without it each request logs "Request starting ...".
        await using var gateway = await GatewayProcess.StartAsync(TempDirectories.Create("resonance-data-"),
            new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Information" }, workingDirectory: elsewhere);

        using var http = new HttpClient { BaseAddress = gateway.Http };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/livez")).StatusCode);
        // A line the gateway logs at Information after those requests: the console logger writes in order, so once it
        // is out, any request line before it would be too.
        var me = await Identity.CreateAsync(gateway.Http);
        using (var client = me.Client(gateway.Http))
        using (var erased = await client.DeleteAsync("/api/me"))
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        await Eventually.Until(() => Task.FromResult(gateway.Output), o => o.Contains("erased on request"), TimeSpan.FromSeconds(30), "the erasure logged");

        Assert.DoesNotContain("Request starting", gateway.Output);
        // Nothing was made in the directory it was started from: the data went where it was told.
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }
}
