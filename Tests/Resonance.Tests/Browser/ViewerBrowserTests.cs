using Resonance.Tests.Gateway;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Xunit.Abstractions;

namespace Resonance.Tests.Browser;

/// <summary>
/// The web viewer at <c>/</c> in a real headless Chromium against a real in-process gateway (embedded silo): it shows the
/// participants' field as a heatmap, their nodes, the global measures, lets a visitor join and drag their node, and
/// reconnects as the same participant after the server went away.
/// </summary>
[Trait("Category", "Browser")]
public sealed class ViewerBrowserTests(ITestOutputHelper output)
{
    // Default space geometry: 30 x 30 field units, exponential kernel with cutoff 10.
    private const double Side = 30;
    private static readonly (double X, double Y) Own = (7.5, 7.5);
    private static readonly (double X, double Y) Other = (22.5, 21.5);
    private static readonly (double X, double Y) Third = (25.5, 5.5);
    // More than the cutoff away from both participants: only the constant beta*G term is there.
    private static readonly (double X, double Y)[] Far = [(22.5, 7.5), (7.5, 22.5)];

    [Fact]
    public async Task Viewer_shows_the_participants_field_nodes_and_measures()
    {
        string chromium = SystemChromium.Require();
        await using var server = await GatewayHost.StartAsync();
        try
        {
            // A fresh space without the background terms: the heatmap is the participants' kernels alone.
            string space = "viewer-" + Guid.NewGuid().ToString("N")[..12];
            var config = await server.Grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Background = "none" });
            Assert.Equal(Side, config.Width);
            Assert.Equal(Side, config.Height);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1200, Height = 820 } });
            var pageErrors = CollectErrors(page);
            await page.GotoAsync(new Uri(server.Http, $"/?space={space}").ToString());

            var state = await Until(page, s => Str(s, "status") == "open" && Num(s, "framesReceived") >= 1, "viewer connected and receiving frames");
            Assert.Equal(space, Str(state, "space"));
            Assert.Equal(space, await page.Locator("#space-name").TextContentAsync());
            Assert.Equal(Side, state.GetProperty("config").GetProperty("width").GetDouble());
            Assert.Equal("none", state.GetProperty("config").GetProperty("background").GetString());
            var ownId = Guid.Parse(Str(state, "userId")!);
            double firstSeq = Num(state, "seq") ?? -1;

            // Join, then drag the own node from where it appears (the middle) to its place.
            var join = page.GetByRole(AriaRole.Button, new() { Name = "Join" });
            await join.ClickAsync();
            await Until(page, s => Bool(s, "joined") && s.GetProperty("position").ValueKind == JsonValueKind.Object, "joined");
            var box = await page.Locator("#overlay").BoundingBoxAsync() ?? throw new InvalidOperationException("no overlay canvas");
            (float X, float Y) ToClient((double X, double Y) p) => ((float)(box.X + p.X / Side * box.Width), (float)(box.Y + p.Y / Side * box.Height));
            var start = ToClient((Side / 2, Side / 2));
            var target = ToClient(Own);
            await page.Mouse.MoveAsync(start.X, start.Y);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(target.X, target.Y, new() { Steps = 12 });
            await page.Mouse.UpAsync();
            await Until(page, s => Near(s.GetProperty("position"), Own, 0.3), $"own node dragged to {Own}");
            Assert.Equal("Leave", (await page.Locator("#join").TextContentAsync())?.Trim());

            // A second participant on a plain WebSocket, as the app connects.
            await using var other = await RawParticipant.ConnectAsync(server.Http, space, Other.X, Other.Y, amplitude: 0.8);

            // The heatmap: at each participant clearly hotter on the colour scale than far from both.
            string probe = $"() => [{Heat(Own)}, {Heat(Other)}, {string.Join(", ", Far.Select(Heat))}]";
            var heat = await Eventually.Until(
                () => page.EvaluateAsync<double[]>(probe),
                h => h.Length == 2 + Far.Length && h[0] >= 0.7 && h[1] >= 0.7 && h.Skip(2).All(f => f <= 0.1),
                TimeSpan.FromSeconds(30),
                "heat at both participants >= 0.7 and far from them <= 0.1 (scale 0..1)");
            output.WriteLine($"heat on the colour scale: own {heat[0]:F3}, other {heat[1]:F3}, far {string.Join(", ", heat.Skip(2).Select(f => f.ToString("F3")))}");
            Assert.True(heat[0] - heat.Skip(2).Max() >= 0.6 && heat[1] - heat.Skip(2).Max() >= 0.6);

            // And the colours are the field's values: compare with the REST snapshot of the same lattice, normalised the same way.
            using var http = new HttpClient { BaseAddress = server.Http };
            var frame = (await Until(page, s => s.GetProperty("frame").ValueKind == JsonValueKind.Object, "frame header")).GetProperty("frame");
            int fw = frame.GetProperty("width").GetInt32(), fh = frame.GetProperty("height").GetInt32();
            var snapshot = await http.GetFromJsonAsync<JsonElement>($"/api/spaces/{space}/field?width={fw}&height={fh}&format=json");
            var values = snapshot.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            double lo = values.Min(), hi = values.Max();
            (double X, double Y)[] points = [Own, Other, .. Far];
            for (int k = 0; k < points.Length; k++)
            {
                int i = (int)Math.Round(points[k].X / Side * fw), j = (int)Math.Round(points[k].Y / Side * fh);
                double expected = (values[j * fw + i] - lo) / (hi - lo);
                Assert.True(Math.Abs(heat[k] - expected) <= 0.05, $"heat at {points[k]}: viewer {heat[k]:F3}, REST field {expected:F3}");
            }

            // The measures update: ticks advance and both participants count.
            state = await Until(page, s => Num(s, "seq") > firstSeq && Num(s, "activeNodes", "measures") == 2 && Num(s, "nodeCount") == 2,
                "seq advanced, activeNodes = 2 and both nodes listed");
            double seq = Num(state, "seq")!.Value;
            await Until(page, s => Num(s, "seq") > seq, "seq keeps advancing");
            Assert.Equal("2", await page.Locator("#m-activeNodes").TextContentAsync());
            Assert.Equal(ownId, Guid.Parse(Str(state, "userId")!));

            // The REST view agrees on who is where.
            var nodes = await http.GetFromJsonAsync<JsonElement>($"/api/spaces/{space}/nodes");
            var byId = nodes.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("id").GetGuid());
            Assert.True(Near(byId[ownId], Own, 0.3), $"own node at {byId[ownId]}");
            Assert.True(Near(byId[other.UserId], Other, 0.01), $"other node at {byId[other.UserId]}");

            // Nodes on the overlay: the own node highlighted (white core), the other one in the participant colour, nothing far away.
            // Polled: the overlay is repainted on the viewer's next node refresh, which may come after the listing above.
            static bool OtherPainted(int[] p) => Math.Abs(p[0] - 0x4f) < 24 && Math.Abs(p[1] - 0xd1) < 24 && Math.Abs(p[2] - 0xc5) < 24 && p[3] == 255;
            var overlay = await Eventually.Until(
                () => page.EvaluateAsync<int[][]>($"() => [{Overlay(Own)}, {Overlay(Other)}, {Overlay(Far[0])}]"),
                o => o[0][3] == 255 && OtherPainted(o[1]), TimeSpan.FromSeconds(15), "both nodes painted on the overlay");
            Assert.True(overlay[0][0] > 240 && overlay[0][1] > 240 && overlay[0][2] > 240 && overlay[0][3] == 255, $"own node pixel {string.Join(",", overlay[0])}");
            Assert.True(Math.Abs(overlay[1][0] - 0x4f) < 24 && Math.Abs(overlay[1][1] - 0xd1) < 24 && Math.Abs(overlay[1][2] - 0xc5) < 24 && overlay[1][3] == 255,
                $"other node pixel {string.Join(",", overlay[1])}");
            Assert.Equal(0, overlay[2][3]);

            // Legend labels show the frame's range.
            state = await Until(page, s => s.GetProperty("frame").ValueKind == JsonValueKind.Object, "frame header");
            double min = state.GetProperty("frame").GetProperty("min").GetDouble(), max = state.GetProperty("frame").GetProperty("max").GetDouble();
            Assert.True(max > min, $"frame range {min}..{max}");
            Assert.NotEqual("–", await page.Locator("#legend-min").TextContentAsync());
            Assert.NotEqual("–", await page.Locator("#legend-max").TextContentAsync());

            // Entanglement: two more participants pair up; the viewer draws a line between them.
            await using var third = await RawParticipant.ConnectAsync(server.Http, space, Third.X, Third.Y, amplitude: 0.8);
            await Until(page, s => Num(s, "activeNodes", "measures") == 3 && Num(s, "nodeCount") == 3, "third participant counted and listed");
            await other.RequestEntanglementAsync(third.UserId);
            await third.RequestEntanglementAsync(other.UserId);
            state = await Until(page, s => Num(s, "phiCascades", "measures") == 1 && s.GetProperty("pairs").GetArrayLength() == 1, "one entangled pair");
            var pair = state.GetProperty("pairs")[0];
            Assert.Equal(
                new[] { other.UserId, third.UserId }.OrderBy(g => g),
                new[] { pair.GetProperty("node1").GetGuid(), pair.GetProperty("node2").GetGuid() }.OrderBy(g => g));
            // Some point along the (dashed) line between them, away from both nodes, is painted.
            string along = "() => [" + string.Join(", ", Enumerable.Range(3, 15).Select(k =>
                Overlay((Other.X + (Third.X - Other.X) * k / 20.0, Other.Y + (Third.Y - Other.Y) * k / 20.0)) + "[3]")) + "]";
            var line = await Eventually.Until(() => page.EvaluateAsync<int[]>(along), a => a.Count(v => v > 0) >= 5, TimeSpan.FromSeconds(10),
                "entanglement line drawn between the pair");
            output.WriteLine($"line alpha samples: {string.Join(",", line)}");

            string screenshot = Path.Combine(Directory.GetCurrentDirectory(), "TestResults", "viewer.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new() { Path = screenshot });
            output.WriteLine($"screenshot: {screenshot}");
            Console.WriteLine($"viewer screenshot: {screenshot}");

            Assert.Empty(pageErrors);
        }
        finally
        {
            await server.DisposeAsync();
            GatewayHost.DeleteData(server.DataDirectory);
        }
    }

    [Fact]
    public async Task Viewer_reconnects_with_backoff_and_resumes_as_the_same_participant()
    {
        string chromium = SystemChromium.Require();
        var first = await GatewayHost.StartAsync();
        GatewayHost? second = null;
        try
        {
            string space = "reconnect-" + Guid.NewGuid().ToString("N")[..12];
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
            var page = await browser.NewPageAsync();
            await page.GotoAsync(new Uri(first.Http, $"/?space={space}").ToString());
            await Until(page, s => Str(s, "status") == "open" && Num(s, "framesReceived") >= 1, "connected");
            await page.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
            var state = await Until(page, s => Bool(s, "joined") && Num(s, "activeNodes", "measures") == 1, "joined and counted");
            string userId = Str(state, "userId")!;

            await first.StopAsync();
            state = await Until(page, s => Str(s, "status") == "reconnecting" && Num(s, "attempt") >= 2, "reconnecting, retried at least twice");
            Assert.Contains("reconnecting (attempt", await page.Locator("#status-text").TextContentAsync());
            Assert.Equal("reconnecting", await page.Locator("#status").GetAttributeAsync("data-status"));
            double framesBefore = Num(state, "framesReceived")!.Value;

            // "The same" server again (same ports; the in-memory grain state is gone).
            second = await GatewayHost.StartAsync(samePortsAs: first);
            state = await Until(page, s => Str(s, "status") == "open" && Num(s, "connections") == 2 && Num(s, "framesReceived") > framesBefore
                    && Num(s, "activeNodes", "measures") == 1,
                "reconnected, resubscribed and streaming again", TimeSpan.FromSeconds(45));
            Assert.Equal(userId, Str(state, "userId"));
            Assert.Equal(0, Num(state, "attempt"));
            Assert.True(Bool(state, "joined"));

            // The new server knows the participant under the same id: it resumed rather than joining anew.
            using var http = new HttpClient { BaseAddress = second.Http };
            var nodes = await http.GetFromJsonAsync<JsonElement>($"/api/spaces/{space}/nodes");
            Assert.Contains(nodes.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("id").GetGuid() == Guid.Parse(userId));
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null) await second.DisposeAsync();
            GatewayHost.DeleteData(first.DataDirectory);
        }
    }

    // -----------------------------------------------------------------------------------------------------------------

    private static string Heat((double X, double Y) p) =>
        FormattableString.Invariant($"window.resonanceViewer.heatAt({p.X}, {p.Y})");

    private static string Overlay((double X, double Y) p) => FormattableString.Invariant(
        $"(() => {{ const c = document.getElementById('overlay'); const x = Math.floor({p.X} / {Side} * c.width), y = Math.floor({p.Y} / {Side} * c.height); return Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data); }})()");

    private static async Task<JsonElement> Until(IPage page, Func<JsonElement, bool> done, string what, TimeSpan? timeout = null) =>
        await Eventually.Until(() => page.EvaluateAsync<JsonElement>("() => window.resonanceViewer ? window.resonanceViewer.state : {}"),
            done, timeout ?? TimeSpan.FromSeconds(30), what);

    private static string? Str(JsonElement s, string name) =>
        s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Num(JsonElement s, string name, string? parent = null)
    {
        if (parent is not null)
        {
            if (s.ValueKind != JsonValueKind.Object || !s.TryGetProperty(parent, out s)) return null;
        }
        return s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
    }

    private static bool Bool(JsonElement s, string name) =>
        s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static bool Near(JsonElement p, (double X, double Y) target, double tolerance) =>
        p.ValueKind == JsonValueKind.Object
        && Math.Abs(p.GetProperty("x").GetDouble() - target.X) <= tolerance
        && Math.Abs(p.GetProperty("y").GetDouble() - target.Y) <= tolerance;

    private static List<string> CollectErrors(IPage page)
    {
        var errors = new List<string>();
        page.PageError += (_, e) => { lock (errors) errors.Add("page error: " + e); };
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add("console error: " + m.Text); };
        return errors;
    }
}

/// <summary>Finds the system Chromium (Playwright cannot download its own browser offline).</summary>
internal static class SystemChromium
{
    public static string Require()
    {
        string[] candidates =
        [
            Environment.GetEnvironmentVariable("RESONANCE_CHROMIUM") ?? "",
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
        ];
        foreach (var path in candidates)
            if (path.Length > 0 && File.Exists(path)) return path;
        throw new InvalidOperationException(
            "The browser tests need the system Chromium, which was not found at /usr/bin/chromium. " +
            "Install it with `apt-get update && apt-get install -y chromium` (Debian/Ubuntu), " +
            "or point RESONANCE_CHROMIUM at a Chromium binary.");
    }
}
