using System.Net;
using System.Text.Json;
using Resonance.Grains;
using Resonance.Grains.Forecasting;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Forecasting;

/// <summary>
/// A gateway co-hosting a silo, with history seeding allowed (tests only), a short retrain period, and spaces that stay
/// active between the seeding and the requests.
/// </summary>
public sealed class ForecastGatewayFixture : IAsyncLifetime
{
    public GatewayHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await GatewayHost.StartAsync(new Dictionary<string, string?>
    {
        ["Resonance:Forecast:AllowHistorySeeding"] = "true",
        ["Resonance:Forecast:RetrainInterval"] = "00:00:01",
        ["Resonance:Field:SpaceIdleGrace"] = "00:10:00",
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary><c>GET /api/spaces/{id}/forecast</c> end to end: REST → forecast grain → space grain history → ML.NET model.</summary>
public sealed class ForecastEndpointTests(ForecastGatewayFixture fixture) : IClassFixture<ForecastGatewayFixture>
{
    private GatewayHost Host => fixture.Host;
    private HttpClient Http => _http ??= new HttpClient { BaseAddress = Host.Http, Timeout = TimeSpan.FromMinutes(2) };
    private HttpClient? _http;

    private static long NowSecond => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private Task<JsonElement> Forecast(string space, string query = "?horizon=60") => ForecastAsync(Http, space, query);

    /// <summary>
    /// A forecast as a client gets it: a first model still being trained answers 503 with Retry-After (documented), and
    /// the client asks again; anything else must be 200.
    /// </summary>
    public static async Task<JsonElement> ForecastAsync(HttpClient http, string space, string query = "?horizon=60")
    {
        var (status, body) = await Eventually.Until(async () =>
        {
            using var response = await http.GetAsync($"/api/spaces/{space}/forecast{query}");
            bool training = response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null;
            return (training ? (HttpStatusCode?)null : response.StatusCode, await response.Content.ReadAsStringAsync());
        }, r => r.Item1 is not null, TimeSpan.FromMinutes(3), $"a forecast of {space} once its first model is trained");
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task A_first_model_that_takes_longer_than_the_wait_is_answered_training_and_then_served()
    {
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Resonance:Forecast:AllowHistorySeeding"] = "true",
            // Far below any training time: the first request cannot wait for the model.
            ["Resonance:Forecast:FirstTrainingWait"] = "00:00:00.001",
            ["Resonance:Field:SpaceIdleGrace"] = "00:10:00",
        });
        await host.Grains.GetGrain<ISpaceGrain>("fc-slow").SeedMeasureHistoryForTesting(SyntheticHistory.Periodic(900, NowSecond - 1));
        using var http = new HttpClient { BaseAddress = host.Http };
        using (var first = await http.GetAsync("/api/spaces/fc-slow/forecast"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
            Assert.NotNull(first.Headers.RetryAfter);
            var error = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("unavailable", error.GetProperty("code").GetString());
        }
        // The training went on without the request: a later one is served by its model.
        var served = await ForecastAsync(http, "fc-slow");
        Assert.Equal("ok", served.GetProperty("status").GetString());
        Assert.Equal(900, served.GetProperty("model").GetProperty("historySeconds").GetInt32());
    }

    [Fact]
    public async Task A_periodic_space_beats_persistence_and_a_noise_space_says_it_has_no_skill()
    {
        await Host.Grains.GetGrain<ISpaceGrain>("fc-periodic").SeedMeasureHistoryForTesting(SyntheticHistory.Periodic(1200, NowSecond - 1));
        await Host.Grains.GetGrain<ISpaceGrain>("fc-noise").SeedMeasureHistoryForTesting(SyntheticHistory.WhiteNoise(1200, NowSecond - 1));

        var periodic = await Forecast("fc-periodic");
        Assert.Equal("ok", periodic.GetProperty("status").GetString());
        Assert.Equal(60, periodic.GetProperty("horizon").GetInt32());
        Assert.Equal(1200, periodic.GetProperty("model").GetProperty("historySeconds").GetInt32());
        long origin = periodic.GetProperty("origin").GetInt64();
        foreach (var name in new[] { "globalResonance", "quantumCoherence", "activeNodes" })
        {
            var m = periodic.GetProperty("measures").GetProperty(name);
            var skill = m.GetProperty("skill");
            Assert.Equal("skill", skill.GetProperty("verdict").GetString());
            Assert.True(skill.GetProperty("hasSkill").GetBoolean());
            Assert.True(skill.GetProperty("mae").GetDouble() < 0.5 * skill.GetProperty("persistenceMae").GetDouble(), $"{name}: {skill}");
            var points = m.GetProperty("points").EnumerateArray().ToList();
            Assert.Equal(60, points.Count);
            for (int k = 0; k < points.Count; k++)
            {
                var p = points[k];
                Assert.Equal(k + 1, p.GetProperty("aheadSeconds").GetInt32());
                Assert.Equal(origin + (k + 1) * 1000L, p.GetProperty("timestamp").GetInt64());
                Assert.True(p.GetProperty("lower").GetDouble() <= p.GetProperty("value").GetDouble()
                    && p.GetProperty("value").GetDouble() <= p.GetProperty("upper").GetDouble(), p.ToString());
            }
        }

        var noise = await Forecast("fc-noise");
        foreach (var name in new[] { "globalResonance", "quantumCoherence", "activeNodes" })
        {
            var skill = noise.GetProperty("measures").GetProperty(name).GetProperty("skill");
            Assert.Equal("no_skill", skill.GetProperty("verdict").GetString());
            Assert.False(skill.GetProperty("hasSkill").GetBoolean());
        }
    }

    [Fact]
    public async Task The_grain_retrains_on_its_timer_when_new_history_arrives()
    {
        var grain = Host.Grains.GetGrain<ISpaceGrain>("fc-retrain");
        var all = SyntheticHistory.Periodic(900, NowSecond - 1);
        await grain.SeedMeasureHistoryForTesting(all[..600]);
        var first = await Forecast("fc-retrain");
        Assert.Equal(600, first.GetProperty("model").GetProperty("historySeconds").GetInt32());
        long trainedAt = first.GetProperty("model").GetProperty("trainedAt").GetInt64();

        // Requests do not train; the timer picks up the new seconds.
        await grain.SeedMeasureHistoryForTesting(all[600..]);
        var retrained = await Eventually.Until(() => Forecast("fc-retrain"),
            r => r.GetProperty("model").GetProperty("historySeconds").GetInt32() == 900, TimeSpan.FromMinutes(2), "a retrained model");
        Assert.True(retrained.GetProperty("model").GetProperty("trainedAt").GetInt64() >= trainedAt);
        Assert.Equal(all[^1].UnixSecond * 1000, retrained.GetProperty("origin").GetInt64());
    }

    [Fact]
    public async Task A_space_without_enough_history_says_so()
    {
        await Host.Grains.GetGrain<ISpaceGrain>("fc-short").SeedMeasureHistoryForTesting(SyntheticHistory.Periodic(30, NowSecond - 1));
        var r = await Forecast("fc-short", "");
        Assert.Equal("insufficient_history", r.GetProperty("status").GetString());
        Assert.Equal(new ForecastOptions().DefaultHorizon, r.GetProperty("horizon").GetInt32());
        Assert.Equal(30, r.GetProperty("model").GetProperty("historySeconds").GetInt32());
        Assert.Equal("insufficient_history", r.GetProperty("measures").GetProperty("globalResonance").GetProperty("skill").GetProperty("verdict").GetString());
        Assert.Empty(r.GetProperty("measures").GetProperty("globalResonance").GetProperty("points").EnumerateArray());
    }

    [Theory]
    [InlineData("?horizon=0", "out_of_range")]
    [InlineData("?horizon=-5", "out_of_range")]
    [InlineData("?horizon=301", "out_of_range")]
    [InlineData("?horizon=99999999999999999999", "invalid_type")]
    [InlineData("?horizon=2.5", "invalid_type")]
    [InlineData("?horizon=abc", "invalid_type")]
    [InlineData("?horizon=", "invalid_type")]
    [InlineData("?horizon=NaN", "invalid_type")]
    [InlineData("?horizon=10&horizon=20", "invalid_value")]
    public async Task A_bad_horizon_is_a_clear_400(string query, string code)
    {
        var response = await Http.GetAsync($"/api/spaces/fc-bad/forecast{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("horizon", error.GetProperty("field").GetString());
        Assert.Contains("horizon", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_bad_space_id_is_a_400()
    {
        var response = await Http.GetAsync("/api/spaces/Not_A_Space/forecast?horizon=60");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_grain_refuses_a_horizon_beyond_its_limit()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Host.Grains.GetGrain<IForecastGrain>("fc-limit").Forecast(new ForecastOptions().MaxHorizon + 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Host.Grains.GetGrain<IForecastGrain>("fc-limit").Forecast(0));
    }
}

/// <summary>The space grain's history on a plain cluster: real ticks are recorded, and seeding is refused.</summary>
public sealed class MeasureHistoryClusterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_space_with_a_participant_records_one_sample_per_second()
    {
        var space = fixture.Grains.GetGrain<ISpaceGrain>("fc-live");
        await fixture.Grains.GetGrain<INodeGrain>(Guid.NewGuid()).UpdateParticipant("fc-live",
            new ParticipantUpdate { Frequency = 3, Amplitude = 0.8, Phase = 0, X = 5, Y = 5 });
        var history = await Eventually.Until(() => space.GetMeasureHistory(100), h => h.Count(s => s.ActiveNodes == 1) >= 2,
            TimeSpan.FromSeconds(30), "two whole seconds with the participant");
        var whole = history.Where(s => s.ActiveNodes == 1).ToList();
        Assert.All(whole, s => Assert.Equal(0.8, s.GlobalResonance, 9));
        Assert.All(whole, s => Assert.Equal(1, s.QuantumCoherence, 9));
        for (int k = 1; k < history.Length; k++) Assert.True(history[k].UnixSecond > history[k - 1].UnixSecond);
    }

    [Fact]
    public async Task Seeding_history_is_refused_unless_enabled_for_tests()
    {
        var space = fixture.Grains.GetGrain<ISpaceGrain>("fc-noseed");
        await Assert.ThrowsAsync<InvalidOperationException>(() => space.SeedMeasureHistoryForTesting(SyntheticHistory.Periodic(10, NowSecond())));
        Assert.Empty(await space.GetMeasureHistory(100));
    }

    private static long NowSecond() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
