using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Xunit.Abstractions;

namespace Resonance.Tests.Browser;

/// <summary>
/// The viewer's 3-D mode (<c>/?view=3d</c>) in headless Chromium with software WebGL (SwiftShader) against a real
/// in-process gateway: the canvas renders a non-empty picture that follows a participant who moves on a real WebSocket;
/// the "Enter VR" entry follows WebXR support; and the colour scale follows the space's saturation option.
/// </summary>
[Trait("Category", "Browser")]
public sealed class Viewer3dBrowserTests(ITestOutputHelper output)
{
    private const double Side = 30;
    private static readonly (double X, double Y) First = (7.5, 8.5);
    private static readonly (double X, double Y) Second = (22.5, 21.5);

    /// <summary>Software WebGL: headless Chromium has no GPU here.</summary>
    private static readonly string[] SoftwareGl = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"];

    [Fact]
    public async Task Three_d_view_renders_the_field_and_follows_a_moving_participant()
    {
        string chromium = SystemChromium.Require();
        await using var server = await GatewayHost.StartAsync();
        try
        {
            string space = "view3d-" + Guid.NewGuid().ToString("N")[..12];
            // No background: what changes in the picture comes from the participant alone.
            await server.Grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Background = "none" });

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = SoftwareGl });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1200, Height = 820 } });
            var errors = CollectErrors(page);
            await page.GotoAsync(new Uri(server.Http, $"/?space={space}&view=3d").ToString());

            var state = await Until(page, s => Str(s, "status") == "open" && Num(s, "framesReceived") >= 1, "3-D viewer connected and receiving frames");
            Assert.Equal("3d", Str(state, "view"));
            int webgl = await page.EvaluateAsync<int>("() => window.resonanceViewer.view3d ? window.resonanceViewer.view3d.webgl : 0");
            Assert.True(webgl is 1 or 2, "the 3-D view has a WebGL context");
            output.WriteLine($"WebGL {webgl}");
            Assert.True(await page.Locator("#heatmap").IsHiddenAsync());
            Assert.True(await page.Locator("#view3d").IsVisibleAsync());
            Assert.Equal("2-D view", await page.Locator("#view-switch").TextContentAsync());

            // A participant on a plain WebSocket: the surface rises at it and a marker stands on it.
            await using var mover = await RawParticipant.ConnectAsync(server.Http, space, First.X, First.Y, amplitude: 0.9);
            var (summit, pixels) = await SceneUntil(page, (summit, pixels, markers) =>
                    Near(summit, First, 1.5) && markers == 1 && pixels.GetProperty("distinct").GetInt32() >= 50,
                $"the surface's summit at {First} with one marker");
            int width = pixels.GetProperty("width").GetInt32(), height = pixels.GetProperty("height").GetInt32();
            int off = pixels.GetProperty("offBackground").GetInt32();
            output.WriteLine($"before the move: {pixels}; summit {summit}");
            // Not all one colour: many colours, and the surface covers a good part of the canvas.
            Assert.True(off >= width * height / 10, $"only {off} of {width * height} pixels differ from the background");
            string before = pixels.GetProperty("hash").GetString()!;

            // The participant moves; the picture changes and the summit follows it.
            mover.MoveTo(Second.X, Second.Y);
            (summit, pixels) = await SceneUntil(page, (summit, pixels, markers) =>
                    Near(summit, Second, 1.5) && pixels.GetProperty("hash").GetString() != before,
                $"the summit moved to {Second} and the canvas changed");
            output.WriteLine($"after the move: {pixels}; summit {summit}");
            Assert.True(pixels.GetProperty("distinct").GetInt32() >= 50);

            // Pairs appear as arcs: two more participants entangle.
            await using var a = await RawParticipant.ConnectAsync(server.Http, space, 5.5, 24.5, amplitude: 0.8);
            await using var b = await RawParticipant.ConnectAsync(server.Http, space, 12.5, 26.5, amplitude: 0.8);
            await a.RequestEntanglementAsync(b.UserId);
            await b.RequestEntanglementAsync(a.UserId);
            await Eventually.Until(() => page.EvaluateAsync<int>("() => window.resonanceViewer.view3d.arcCount"), n => n == 1,
                TimeSpan.FromSeconds(30), "one arc for the entangled pair");
            await Eventually.Until(() => page.EvaluateAsync<int>("() => window.resonanceViewer.view3d.markerCount"), n => n == 3,
                TimeSpan.FromSeconds(30), "three markers");

            // Headless Chromium has no immersive VR: no "Enter VR" entry.
            Assert.True(await page.Locator("#enter-vr").IsHiddenAsync());

            string screenshot = Path.Combine(Directory.GetCurrentDirectory(), "TestResults", "viewer-3d.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new() { Path = screenshot });
            output.WriteLine($"screenshot: {screenshot}");
            Assert.Empty(errors);
        }
        finally
        {
            await server.DisposeAsync();
            GatewayHost.DeleteData(server.DataDirectory);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Enter_VR_appears_exactly_where_immersive_vr_is_supported(bool supported)
    {
        // Chromium here has no XR runtime, so the browser's answer is stubbed to test the viewer's gate on it (the
        // detection code path); the real browser's answer (no) is checked in the test above.
        string chromium = SystemChromium.Require();
        await using var server = await GatewayHost.StartAsync();
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = SoftwareGl });
            var page = await browser.NewPageAsync();
            string answer = supported ? "mode === 'immersive-vr'" : "false";
            await page.AddInitScriptAsync($$"""
                Object.defineProperty(navigator, 'xr', { configurable: true, value: { isSessionSupported: (mode) => Promise.resolve({{answer}}) } });
                window.XRWebGLLayer ??= function XRWebGLLayer() {};
                """);
            await page.GotoAsync(new Uri(server.Http, "/?view=3d").ToString());
            await Until(page, s => Str(s, "status") == "open" && Num(s, "framesReceived") >= 1, "connected");
            if (supported)
            {
                await Eventually.Until(() => page.Locator("#enter-vr").IsVisibleAsync(), v => v, TimeSpan.FromSeconds(10), "Enter VR shown");
                Assert.Equal("Enter VR", (await page.Locator("#enter-vr").TextContentAsync())?.Trim());
            }
            else
            {
                // The answer has arrived once the page evaluated after it: a resolved promise settles before this round trip.
                await page.EvaluateAsync("() => navigator.xr.isSessionSupported('immersive-vr')");
                Assert.True(await page.Locator("#enter-vr").IsHiddenAsync());
            }
            // The 2-D view never offers it.
            await page.GotoAsync(new Uri(server.Http, "/").ToString());
            await Until(page, s => Str(s, "status") == "open", "2-D connected");
            await page.EvaluateAsync("() => navigator.xr.isSessionSupported('immersive-vr')");
            Assert.True(await page.Locator("#enter-vr").IsHiddenAsync());
        }
        finally
        {
            await server.DisposeAsync();
            GatewayHost.DeleteData(server.DataDirectory);
        }
    }

    [Fact]
    public async Task Colour_scale_follows_the_spaces_saturation()
    {
        string chromium = SystemChromium.Require();
        await using var server = await GatewayHost.StartAsync();
        try
        {
            string soft = "soft-" + Guid.NewGuid().ToString("N")[..12];
            await server.Grains.GetGrain<ISpaceGrain>(soft).Configure(new SpaceConfig { Background = "none", Saturation = "soft" });
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = SoftwareGl });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1200, Height = 820 } });
            var errors = CollectErrors(page);
            // A small crowd at one spot: under clamp its middle would be flat at 1.
            var crowd = new List<RawParticipant>();
            try
            {
                for (int k = 0; k < 4; k++) crowd.Add(await RawParticipant.ConnectAsync(server.Http, soft, 14.5 + k % 2, 14.5 + k / 2, amplitude: 0.9));

                await page.GotoAsync(new Uri(server.Http, $"/?space={soft}").ToString());
                var state = await Until(page, s => Str(s, "status") == "open" && Num(s, "framesReceived") >= 1
                    && Num(s, "activeNodes", "measures") == 4, "soft space viewer with the crowd");
                Assert.Equal("soft", state.GetProperty("config").GetProperty("saturation").GetString());
                var scale = state.GetProperty("scale");
                Assert.Equal(("soft", 0.0, 1.0), (scale.GetProperty("saturation").GetString(), scale.GetProperty("min").GetDouble(), scale.GetProperty("max").GetDouble()));
                Assert.Equal("0", await page.Locator("#legend-min").TextContentAsync());
                Assert.Equal("1", await page.Locator("#legend-max").TextContentAsync());
                Assert.Contains("1 − e^(−x)", await page.Locator("#legend-caption").TextContentAsync());

                // On the fixed 0..1 scale the colour is the field value itself (not stretched to the frame's range).
                using var http = new HttpClient { BaseAddress = server.Http };
                (double X, double Y)[] points = [(15, 15), (10, 15), (5, 5), (25, 25)];
                string probe = "() => [" + string.Join(", ", points.Select(p => FormattableString.Invariant($"window.resonanceViewer.heatAt({p.X}, {p.Y})"))) + "]";
                await Eventually.Until(async () =>
                {
                    var heat = await page.EvaluateAsync<double[]>(probe);
                    var field = await http.GetFromJsonAsync<JsonElement>($"/api/spaces/{soft}/field?width=30&height=30&format=json");
                    var values = field.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                    return (heat, expected: points.Select(p => values[(int)p.Y * 30 + (int)p.X]).ToArray());
                }, r => r.heat.Zip(r.expected).All(p => Math.Abs(p.First - p.Second) <= 0.04) && r.expected[0] < 1 && r.expected[0] > 0.9,
                    TimeSpan.FromSeconds(30), "heat on the 0..1 scale equals the soft field value");

                // The 3-D view of the same space: the surface's top is the soft field's top value, on the same scale.
                await page.GotoAsync(new Uri(server.Http, $"/?space={soft}&view=3d").ToString());
                await Until(page, s => Str(s, "status") == "open" && Num(s, "framesReceived") >= 1, "3-D connected");
                var stats = await http.GetFromJsonAsync<JsonElement>($"/api/spaces/{soft}/stats");
                Assert.Equal("soft", stats.GetProperty("field").GetProperty("saturation").GetString());
                double max = stats.GetProperty("field").GetProperty("max").GetDouble();
                await Eventually.Until(() => page.EvaluateAsync<JsonElement>("() => window.resonanceViewer.view3d.summit()"),
                    s => s.ValueKind == JsonValueKind.Object && Math.Abs(s.GetProperty("value").GetDouble() - max) <= 0.02,
                    TimeSpan.FromSeconds(30), $"3-D summit value = the soft field max {max}");
                Assert.Empty(errors);
            }
            finally
            {
                foreach (var p in crowd) await p.DisposeAsync();
            }
        }
        finally
        {
            await server.DisposeAsync();
            GatewayHost.DeleteData(server.DataDirectory);
        }
    }

    // -----------------------------------------------------------------------------------------------------------------

    private delegate bool SceneDone(JsonElement summit, JsonElement pixels, int markers);

    private static async Task<(JsonElement Summit, JsonElement Pixels)> SceneUntil(IPage page, SceneDone done, string what)
    {
        var r = await Eventually.Until(
            () => page.EvaluateAsync<JsonElement>("() => { const v = window.resonanceViewer.view3d; return { summit: v.summit(), pixels: v.pixels(), markers: v.markerCount }; }"),
            s => s.GetProperty("summit").ValueKind == JsonValueKind.Object && s.GetProperty("pixels").ValueKind == JsonValueKind.Object
                 && done(s.GetProperty("summit"), s.GetProperty("pixels"), s.GetProperty("markers").GetInt32()),
            TimeSpan.FromSeconds(30), what);
        return (r.GetProperty("summit"), r.GetProperty("pixels"));
    }

    private static bool Near(JsonElement p, (double X, double Y) target, double tolerance) =>
        Math.Abs(p.GetProperty("x").GetDouble() - target.X) <= tolerance && Math.Abs(p.GetProperty("y").GetDouble() - target.Y) <= tolerance;

    private static async Task<JsonElement> Until(IPage page, Func<JsonElement, bool> done, string what) =>
        await Eventually.Until(() => page.EvaluateAsync<JsonElement>("() => window.resonanceViewer ? window.resonanceViewer.state : {}"),
            done, TimeSpan.FromSeconds(30), what);

    private static string? Str(JsonElement s, string name) =>
        s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Num(JsonElement s, string name, string? parent = null)
    {
        if (parent is not null && (s.ValueKind != JsonValueKind.Object || !s.TryGetProperty(parent, out s))) return null;
        return s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
    }

    private static List<string> CollectErrors(IPage page)
    {
        var errors = new List<string>();
        page.PageError += (_, e) => { lock (errors) errors.Add("page error: " + e); };
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add("console error: " + m.Text); };
        return errors;
    }
}
