using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Resonance.Gateway.Rest;
using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;
using Resonance.Tests.Cluster;
using Resonance.Tests.Field;

namespace Resonance.Tests.Gateway;

public sealed class RestApiTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHost Host => fixture.Host;
    private HttpClient Http => _http ??= new HttpClient { BaseAddress = Host.Http };
    private HttpClient? _http;

    private async Task<(SpaceGeometry Geometry, double[] NodeSum, List<Guid> Ids)> Populate(string space, params (double X, double Y, double A)[] people)
    {
        await Host.Grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Background = "none", Beta = 0, Clamp = false });
        var geometry = SpaceGeometry.Create(await Host.Grains.GetGrain<ISpaceGrain>(space).GetConfig());
        var ids = new List<Guid>();
        foreach (var (x, y, a) in people)
        {
            var id = Guid.NewGuid();
            ids.Add(id);
            await Host.Grains.GetGrain<INodeGrain>(id).UpdateParticipant(space, new ParticipantUpdate { Frequency = 3, Amplitude = a, Phase = 0, X = x, Y = y });
        }
        var reference = ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, people.Select(p => new FieldSource(p.X, p.Y, p.A, 0)).ToList());
        return (geometry, reference, ids);
    }

    [Fact]
    public async Task Field_snapshots_in_json_f32_and_png_match_the_reference_and_repeat_requests_hit_the_cache()
    {
        var (_, reference, _) = await Populate("rest-field", (4.5, 4.5, 0.8), (25.25, 20.5, 0.5));
        double[] values = [];
        await Eventually.Until(async () =>
        {
            var json = JsonDocument.Parse(await Http.GetStringAsync("/api/spaces/rest-field/field?width=30&height=30&format=json")).RootElement;
            values = json.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            return values;
        }, v => ReferenceField.MaxAbsDiff(v, reference) <= 1e-9, what: "the JSON snapshot equals the reference");

        var f32 = FieldFrameTests.Decode(await Http.GetByteArrayAsync("/api/spaces/rest-field/field?width=30&height=30&format=f32"));
        for (int k = 0; k < reference.Length; k++) Assert.True(Math.Abs(f32.Values[k] - reference[k]) <= 1e-6, $"f32 sample {k}");

        var response = await Http.GetAsync("/api/spaces/rest-field/field?width=30&height=30&format=png");
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        var (w, h, rgb) = DecodePng(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((30, 30), (w, h));
        double min = reference.Min(), max = reference.Max();
        for (int k = 0; k < reference.Length; k++)
        {
            var expected = HeatmapPng.Colour((reference[k] - min) / (max - min));
            // float64 values equal to 1e-9: the colour is the same, up to one step where a value sits on a rounding edge.
            Assert.True(Math.Abs(expected.R - rgb[3 * k]) <= 1 && Math.Abs(expected.G - rgb[3 * k + 1]) <= 1 && Math.Abs(expected.B - rgb[3 * k + 2]) <= 1, $"pixel {k}");
        }
        // The hottest pixel is near the stronger participant.
        int hottest = Enumerable.Range(0, 900).MaxBy(k => reference[k]);
        Assert.Equal((4, 4), (hottest % 30, hottest / 30));

        // Repeating a request for an unchanged field is a cache hit; the stats report the measured rate.
        var stats1 = JsonDocument.Parse(await Http.GetStringAsync("/api/spaces/rest-field/stats")).RootElement.GetProperty("performance");
        for (int k = 0; k < 20; k++) await Http.GetByteArrayAsync("/api/spaces/rest-field/field?width=30&height=30&format=png");
        var stats2 = JsonDocument.Parse(await Http.GetStringAsync("/api/spaces/rest-field/stats")).RootElement.GetProperty("performance");
        Assert.True(stats2.GetProperty("cacheHits").GetInt64() > stats1.GetProperty("cacheHits").GetInt64(), "repeat requests within a tick hit the cache");
        Assert.InRange(stats2.GetProperty("cacheHitRate").GetDouble(), 0.0001, 1);
        Assert.True(stats2.GetProperty("averageResponseTime").GetDouble() > 0);

        foreach (var bad in new[] { "format=gif", "width=0", "width=513", "x0=5&x1=2", "x0=abc", "height=1e400" })
        {
            var r = await Http.GetAsync($"/api/spaces/rest-field/field?{bad}");
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.True(JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("error").TryGetProperty("code", out _));
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync("/api/spaces/NOT_VALID/field")).StatusCode);
    }

    [Fact]
    public async Task Stats_and_node_queries_report_the_space()
    {
        var (_, _, ids) = await Populate("rest-nodes", (5, 5, 0.2), (6, 5, 0.4), (25, 25, 0.9));
        var stats = await Eventually.Until(
            async () => JsonDocument.Parse(await Http.GetStringAsync("/api/spaces/rest-nodes/stats")).RootElement,
            s => s.GetProperty("activeNodes").GetInt32() == 3, what: "stats count three participants");
        Assert.Equal((0.2 + 0.4 + 0.9) / 3, stats.GetProperty("globalResonance").GetDouble(), 12);
        foreach (var f in new[] { "cacheEnabled", "spatialIndexEnabled", "calculationComplexity", "cacheHitRate", "averageResponseTime" })
            Assert.True(stats.GetProperty("performance").TryGetProperty(f, out _), $"performance lacks {f}");

        var all = JsonDocument.Parse(await Http.GetStringAsync("/api/spaces/rest-nodes/nodes")).RootElement;
        Assert.Equal(ids.Order(), all.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetGuid()).Order());
        var near = JsonDocument.Parse(await Http.GetStringAsync("/api/spaces/rest-nodes/nodes?x=5&y=5&radius=1.5")).RootElement;
        Assert.Equal(ids.Take(2).Order(), near.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetGuid()).Order());
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync("/api/spaces/rest-nodes/nodes?x=5")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync("/api/spaces/rest-nodes/nodes?x=5&y=5&radius=-1")).StatusCode);
    }

    [Fact]
    public async Task Posted_event_batches_are_stored_after_commit_with_per_item_errors()
    {
        // A REST write needs a token (its subject is the author).
        using var writer = await Identity.ClientAsync(Host.Http);
        var batch = """
            [
              {"eventType":"insight","data":{"a":1},"x":1.5,"y":2.5,"space":"rest-events"},
              {"eventType":"","data":{}},
              {"eventType":"pulse","data":[1]},
              {"eventType":"bloom","data":{"b":2},"resonance":0.5,"space":"rest-events"},
              {"eventType":"far","data":{},"x":1e400,"y":1},
              42
            ]
            """;
        var response = await writer.PostAsync("/api/events", new StringContent(batch, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(4, body.GetProperty("rejected").GetInt32());
        var results = body.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(["", "string_too_long", "invalid_type", "", "not_finite", "invalid_type"],
            results.Select(r => r.TryGetProperty("error", out var e) ? e.GetProperty("code").GetString() : ""));
        var ids = new[] { results[0], results[3] }.Select(r => r.GetProperty("eventId").GetGuid()).ToHashSet();

        // Answered after commit: the history has them now.
        var history = JsonDocument.Parse(await Http.GetStringAsync("/api/spaces/rest-events/events")).RootElement;
        Assert.Equal(ids, history.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("eventId").GetGuid()).ToHashSet());

        // Retrying with the same event ids is idempotent.
        var retry = $$"""[{"eventId":"{{ids.First()}}","eventType":"insight","data":{"a":1},"space":"rest-events"}]""";
        Assert.Equal(HttpStatusCode.OK, (await writer.PostAsync("/api/events", new StringContent(retry, Encoding.UTF8, "application/json"))).StatusCode);
        history = JsonDocument.Parse(await Http.GetStringAsync("/api/spaces/rest-events/events")).RootElement;
        Assert.Equal(2, history.GetProperty("count").GetInt32());

        Assert.Equal(HttpStatusCode.BadRequest, (await writer.PostAsync("/api/events", new StringContent("{\"x\":", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await writer.PostAsync("/api/events", new StringContent("{\"events\":3}", Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task Health_and_openapi_are_served()
    {
        var health = JsonDocument.Parse(await Http.GetStringAsync("/healthz")).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        var openapi = JsonDocument.Parse(await Http.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = openapi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var p in new[] { "/api/events", "/api/spaces/{id}/field", "/api/spaces/{id}/stats", "/api/spaces/{id}/nodes" })
            Assert.Contains(p, paths);
    }

    /// <summary>A minimal PNG reader for 8-bit RGB, filter 0 (what the server writes), to check pixels.</summary>
    private static (int W, int H, byte[] Rgb) DecodePng(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int pos = 8, w = 0, h = 0;
        using var idat = new MemoryStream();
        while (pos < png.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len));
            Assert.Equal(HeatmapPng.Crc32.Update(HeatmapPng.Crc32.Update(0xFFFFFFFF, png.AsSpan(pos + 4, 4)), data) ^ 0xFFFFFFFF, crc);
            if (type == "IHDR") { w = BinaryPrimitives.ReadInt32BigEndian(data); h = BinaryPrimitives.ReadInt32BigEndian(data[4..]); Assert.Equal(8, data[8]); Assert.Equal(2, data[9]); }
            if (type == "IDAT") idat.Write(data);
            pos += 12 + len;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var bytes = raw.ToArray();
        var rgb = new byte[w * h * 3];
        for (int j = 0; j < h; j++)
        {
            Assert.Equal(0, bytes[j * (1 + 3 * w)]);
            Array.Copy(bytes, j * (1 + 3 * w) + 1, rgb, j * 3 * w, 3 * w);
        }
        return (w, h, rgb);
    }
}
