using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text.Json;
using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;
using Resonance.Tests.Field;

namespace Resonance.Tests.Gateway;

/// <summary>Field frames in every format decode to the reference field.</summary>
public sealed class FieldFrameTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHost Host => fixture.Host;

    private static readonly (double X, double Y, double A)[] People = [(5.5, 6.25, 0.9), (21.75, 18.5, 0.6), (14.0, 27.5, 0.35)];

    /// <summary>Configures a space, puts three participants in it and returns the reference node sum once the mirror matches it.</summary>
    private async Task<(SpaceGeometry Geometry, double[] NodeSum, List<WsClient> Clients)> Populate(string space, SpaceConfig config)
    {
        await Host.Grains.GetGrain<ISpaceGrain>(space).Configure(config);
        var geometry = SpaceGeometry.Create(await Host.Grains.GetGrain<ISpaceGrain>(space).GetConfig());
        var clients = new List<WsClient>();
        foreach (var (x, y, a) in People)
        {
            var c = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={space}"));
            await c.WaitForTypeAsync("connection_established");
            await c.SendAsync(new { type = "harmonic_stream", frequency = 5, amplitude = a, phase = 0.5, x, y });
            clients.Add(c);
        }
        var sources = People.Select(p => new FieldSource(p.X, p.Y, p.A, 0.5)).ToList();
        return (geometry, ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, sources), clients);
    }

    private static async Task<JsonElement> NextJsonFrame(WsClient c) =>
        (await c.WaitForTypeAsync("field_frame")).Json;

    [Fact]
    public async Task Json_f32_and_u8_frames_decode_to_the_reference_field()
    {
        var space = "frames-plain";
        var (geometry, nodeSum, clients) = await Populate(space, new SpaceConfig { Background = "none", Beta = 0, Clamp = false });
        try
        {
            var watcher = clients[0];
            int cols = geometry.Grid.Columns, rows = geometry.Grid.Rows;

            // JSON at the native lattice: every sample equals the reference (float64 end to end) once all three joined.
            await watcher.SendAsync(new { type = "subscribe_field", width = cols, height = rows, rate = 30, format = "json" });
            var sub = (await watcher.WaitForTypeAsync("field_subscribed")).Json;
            Assert.Equal(cols, sub.GetProperty("width").GetInt32());
            double[] values = [];
            await Cluster.Eventually.Until(async () =>
            {
                var f = await NextJsonFrame(watcher);
                values = f.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                return values;
            }, v => v.Length == nodeSum.Length && ReferenceField.MaxAbsDiff(v, nodeSum) <= 1e-9, what: "a JSON frame equal to the reference");
            Assert.True(ReferenceField.MaxAbsDiff(values, nodeSum) <= 1e-9);

            // f32: the same values to float precision; header fields as documented.
            await watcher.SendAsync(new { type = "subscribe_field", width = cols, height = rows, rate = 30, format = "f32" });
            var f32 = Decode((await watcher.WaitForBinaryAsync()).Bytes);
            Assert.Equal((1, cols, rows, 0.0, 0.0, 30.0, 30.0), (f32.Format, f32.Width, f32.Height, f32.X0, f32.Y0, f32.X1, f32.Y1));
            Assert.Equal(nodeSum.Min(), f32.Min, 12);
            Assert.Equal(nodeSum.Max(), f32.Max, 12);
            for (int k = 0; k < nodeSum.Length; k++)
                Assert.True(Math.Abs(f32.Values[k] - nodeSum[k]) <= 1e-6 * Math.Max(1, Math.Abs(nodeSum[k])), $"f32 sample {k}: {f32.Values[k]} vs {nodeSum[k]}");

            // u8: within half a quantisation step of (max - min) / 255.
            await watcher.SendAsync(new { type = "subscribe_field", width = cols, height = rows, rate = 30, format = "u8" });
            // An f32 frame queued before the switch may still arrive first.
            var u8 = Decode((await watcher.WaitForBinaryAsync()).Bytes);
            while (u8.Format != 2) u8 = Decode((await watcher.WaitForBinaryAsync()).Bytes);
            double step = (u8.Max - u8.Min) / 255;
            Assert.True(step > 0);
            for (int k = 0; k < nodeSum.Length; k++)
                Assert.True(Math.Abs(u8.Values[k] - nodeSum[k]) <= step / 2 + 1e-12, $"u8 sample {k}: {u8.Values[k]} vs {nodeSum[k]}");

            // A viewport between the lattice points is the bilinear interpolation of the reference.
            await watcher.SendAsync(new { type = "subscribe_field", x0 = 2.5, y0 = 3.25, x1 = 12.5, y1 = 13.25, width = 20, height = 5, rate = 30, format = "json" });
            var zoom = await NextJsonFrame(watcher);
            while (zoom.GetProperty("width").GetInt32() != 20) zoom = await NextJsonFrame(watcher);
            var zv = zoom.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (int j = 0; j < 5; j++)
                for (int i = 0; i < 20; i++)
                {
                    double x = 2.5 + i * 0.5, y = 3.25 + j * 2.0;
                    Assert.Equal(Bilinear(nodeSum, cols, rows, x, y), zv[j * 20 + i], 9);
                }
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task Classic_frames_compose_beta_g_background_and_clamp_like_the_reference()
    {
        var space = "frames-classic";
        var (geometry, nodeSum, clients) = await Populate(space, new SpaceConfig { Background = "classic" });
        try
        {
            var watcher = clients[0];
            await watcher.SendAsync(new { type = "subscribe_field", width = 30, height = 30, rate = 30, format = "json" });
            double expectedG = People.Average(p => p.A);
            // The frame carries the tick's G and clock; the reference composes the reference node sum with them.
            await Cluster.Eventually.Until(async () => await NextJsonFrame(watcher), f =>
            {
                if (Math.Abs(f.GetProperty("globalResonance").GetDouble() - expectedG) > 1e-12) return false;
                var values = f.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                var composition = geometry.Composition(f.GetProperty("globalResonance").GetDouble(), f.GetProperty("t").GetDouble());
                var expected = ReferenceField.Compose(geometry.Grid, nodeSum, composition);
                return ReferenceField.MaxAbsDiff(values, expected) <= 1e-9;
            }, what: "a classic frame equal to the reference composition");
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task Soft_saturation_frames_and_statistics_use_one_minus_exp_of_the_sum()
    {
        var space = "frames-soft";
        var (geometry, nodeSum, clients) = await Populate(space, new SpaceConfig { Background = "classic", Saturation = "soft" });
        try
        {
            // A bad saturation is refused with a clear error and changes nothing.
            var grain = Host.Grains.GetGrain<ISpaceGrain>(space);
            var before = await grain.GetConfig();
            var refused = await Assert.ThrowsAsync<ArgumentException>(() => grain.Configure(before with { Saturation = "hard" }));
            Assert.Contains("Unknown saturation 'hard' (known: clamp, soft)", refused.Message);
            Assert.Equal(before, await grain.GetConfig());

            Assert.Equal(FieldSaturation.Soft, geometry.Saturation);
            var watcher = clients[0];
            await using (var late = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={space}")))
            {
                var config = (await late.WaitForTypeAsync("connection_established")).Json.GetProperty("config");
                Assert.Equal("soft", config.GetProperty("saturation").GetString());
                Assert.True(config.GetProperty("clamp").GetBoolean());
            }
            await watcher.SendAsync(new { type = "subscribe_field", width = 30, height = 30, rate = 30, format = "json" });
            double expectedG = People.Average(p => p.A);
            var frame = await Cluster.Eventually.Until(async () => await NextJsonFrame(watcher), f =>
            {
                if (Math.Abs(f.GetProperty("globalResonance").GetDouble() - expectedG) > 1e-12) return false;
                var values = f.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                var raw = ReferenceField.Compose(geometry.Grid, nodeSum,
                    new Composition(geometry.Config.Beta, expectedG, f.GetProperty("t").GetDouble(), geometry.Background, FieldSaturation.None));
                return values.Length == raw.Length && values.Select((v, k) => Math.Abs(v - (1 - Math.Exp(-Math.Max(raw[k], 0))))).Max() <= 1e-9;
            }, what: "a soft frame equal to 1 - e^(-x) of the reference sum");

            // The statistics are of the same saturated field: the REST stats' max is the soft field's max, below 1.
            using var http = new HttpClient { BaseAddress = Host.Http };
            var stats = await Cluster.Eventually.Until(
                async () => JsonDocument.Parse(await http.GetStringAsync($"/api/spaces/{space}/stats")).RootElement.GetProperty("field"),
                f => f.GetProperty("max").GetDouble() > 0, what: "stats of the populated space");
            Assert.Equal("soft", stats.GetProperty("saturation").GetString());
            var raw0 = ReferenceField.Compose(geometry.Grid, nodeSum, new Composition(geometry.Config.Beta, expectedG, 0, [], FieldSaturation.None));
            double softMaxBound = 1 - Math.Exp(-(raw0.Max() + 0.1)); // the classic background adds at most 0.1
            double max = stats.GetProperty("max").GetDouble();
            Assert.InRange(max, 0, softMaxBound);
            Assert.True(max < 1, $"soft field max {max}");
            Assert.True(frame.GetProperty("values").EnumerateArray().All(v => v.GetDouble() is >= 0 and < 1));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    private static double Bilinear(double[] grid, int cols, int rows, double x, double y)
    {
        int i0 = Math.Min((int)Math.Floor(x), cols - 1), j0 = Math.Min((int)Math.Floor(y), rows - 1);
        int i1 = Math.Min(i0 + 1, cols - 1), j1 = Math.Min(j0 + 1, rows - 1);
        double fx = x - i0, fy = y - j0;
        double top = grid[j0 * cols + i0] * (1 - fx) + grid[j0 * cols + i1] * fx;
        double bottom = grid[j1 * cols + i0] * (1 - fx) + grid[j1 * cols + i1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    public sealed record Frame(int Format, uint Seq, int Width, int Height, double X0, double Y0, double X1, double Y1, double Min, double Max, double[] Values);

    /// <summary>Decodes an RFLD binary frame exactly as docs/protocol.md describes it.</summary>
    public static Frame Decode(byte[] b)
    {
        Assert.True(b.Length >= 64, "frame shorter than its header");
        Assert.Equal("RFLD"u8.ToArray(), b[..4]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(4)));
        int format = b[6];
        uint seq = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8));
        int w = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(12)), h = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(14));
        double Read(int o) => BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(o));
        double min = Read(48), max = Read(56);
        var values = new double[w * h];
        if (format == 1)
        {
            Assert.Equal(64 + 4 * w * h, b.Length);
            for (int k = 0; k < values.Length; k++) values[k] = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(64 + 4 * k));
        }
        else
        {
            Assert.Equal(2, format);
            Assert.Equal(64 + w * h, b.Length);
            for (int k = 0; k < values.Length; k++) values[k] = min + (max - min) * b[64 + k] / 255.0;
        }
        return new Frame(format, seq, w, h, Read(16), Read(24), Read(32), Read(40), min, max, values);
    }
}
