using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Privacy;

/// <summary>
/// A subject that opted out of the collective (<c>collective: false</c>) still sees the field, but changes none of the
/// space's aggregates, never pairs, and its events are stored without being relayed. Opting in again makes it count
/// and pair, which shows the same setup does detect it.
/// </summary>
public sealed class OptOutTests
{
    private const string Space = "optout";

    [Fact]
    public async Task An_opted_out_participant_changes_no_aggregate_never_pairs_and_is_not_relayed()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var grains = gateway.Grains;
        await grains.GetGrain<ISpaceGrain>(Space).Configure(new SpaceConfig { Width = 30, Height = 30, Background = "none", Beta = 0, Clamp = false });

        // A has an identity and objects (PUT /api/me/preferences) before it connects; B is an anonymous app client.
        var identityA = await Identity.CreateAsync(gateway.Http);
        using var meA = identityA.Client(gateway.Http);
        using (var put = await meA.PutAsJsonAsync("/api/me/preferences", new { collective = false }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.False(JsonDocument.Parse(await meA.GetStringAsync("/api/me/preferences")).RootElement.GetProperty("collective").GetBoolean());
        await using var a = await WsClient.ConnectAsync(identityA.WithToken(new Uri(gateway.WebSocket + $"?space={Space}")));
        var idA = (await a.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetGuid();
        await using var b = await WsClient.ConnectAsync(new Uri(gateway.WebSocket + $"?space={Space}"));
        var idB = (await b.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetGuid();

        // B alone is the reference: one participant, G = its amplitude, R = 1, its own footprint only.
        await b.SendAsync(new { type = "harmonic_stream", frequency = 7.83, amplitude = 0.4, phase = 1.0, x = 12.0, y = 15.0 });
        var counted = await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t.ActiveNodes == 1, what: "B counted");
        // Every cell B's footprint reaches has reported by then (neighbour tiles may lag its home cell by a tick).
        var alone = await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t.Seq >= counted.Seq + 5, what: "B settled");

        // A streams (stronger, other phase, next to B) and asks to pair; B asks too.
        for (int k = 0; k < 5; k++)
        {
            await a.SendAsync(new { type = "harmonic_stream", frequency = 7.83, amplitude = 0.9, phase = 2.5, x = 14.0, y = 15.0 });
            await b.SendAsync(new { type = "harmonic_stream", frequency = 7.83, amplitude = 0.4, phase = 1.0, x = 12.0, y = 15.0 });
        }
        await Eventually.Until(() => grains.GetGrain<INodeGrain>(idA).GetSnapshot(), n => n is { Live: true, X: 14.0 }, what: "A's stream applied");
        await a.SendAsync(new { type = "quantum_entangle", entanglementTarget = idB.ToString() });
        await a.WaitForAsync(m => m.Type == "error", what: "A may not entangle");
        await b.SendAsync(new { type = "quantum_entangle", entanglementTarget = idA.ToString() });
        await b.WaitForAsync(m => m.Type == "error", what: "B cannot entangle with A");

        // A's event is stored but not relayed; B's, sent after it, is.
        await a.SendAsync(new { type = "consciousness_event", eventType = "insight", data = new { who = "a" }, ackId = "a1" });
        await a.WaitForAsync(m => m.Type == "ack");
        await b.SendAsync(new { type = "consciousness_event", eventType = "insight", data = new { who = "b" }, ackId = "b1" });
        await b.WaitForAsync(m => m.Type == "ack");
        await b.WaitForAsync(m => m.Type == "consciousness_event" && m.Json.GetProperty("data").GetProperty("who").GetString() == "b", what: "B's event relayed");

        // Ticks composed after all of that still equal B alone.
        var seq = (await grains.GetGrain<ISpaceGrain>(Space).GetLatestTick()).Seq;
        var later = await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t.Seq >= seq + 5, what: "five more ticks");
        Assert.Equal((1, 0, 0), (later.ActiveNodes, later.PairCount, later.Pairs.Length));
        Assert.Equal(alone.GlobalResonance, later.GlobalResonance, 12);
        Assert.Equal(alone.QuantumCoherence, later.QuantumCoherence, 12);
        Assert.Equal(alone.MeanPhase, later.MeanPhase, 12);
        Assert.Equal(alone.FieldMean, later.FieldMean, 12);
        Assert.Equal(alone.FieldEnergy, later.FieldEnergy, 12);
        Assert.Equal(alone.FieldMax, later.FieldMax, 12);
        Assert.Empty(await grains.GetGrain<INodeGrain>(idA).GetPartners());
        Assert.DoesNotContain(b.Seen, m => m.Type == "consciousness_event" && m.Json.GetProperty("data").GetProperty("who").GetString() == "a");
        Assert.DoesNotContain(a.Seen.Concat(b.Seen), m => m.Type == "resonance_update" && m.Json.GetProperty("phiCascades").GetInt32() != 0);
        var stored = await grains.GetGrain<IEventLogGrain>(0).Query(new EventQuery(Space, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), 10));
        // Stored under the subjects (A's identity; B's anonymous subject, which is not its public id).
        Assert.Equal(2, stored.Count());
        Assert.Contains(stored, r => r.Event.UserId == identityA.UserId);
        // A still sees the field.
        await a.WaitForAsync(m => m.Type == "resonance_update" && m.Json.GetProperty("activeNodes").GetInt32() == 1, what: "A receives ticks");

        // Control: opted in again, A counts at once and pairs on request.
        using (var put = await meA.PutAsJsonAsync("/api/me/preferences", new { collective = true }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var both = await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t.ActiveNodes == 2, what: "A counted again");
        Assert.NotEqual(alone.GlobalResonance, both.GlobalResonance);
        await a.SendAsync(new { type = "quantum_entangle", entanglementTarget = idB.ToString() });
        await b.SendAsync(new { type = "quantum_entangle", entanglementTarget = idA.ToString() });
        await b.WaitForAsync(m => m.Type == "quantum_entanglement" && m.Json.GetProperty("state").GetString() == "formed", what: "the pair forms");
    }
}
