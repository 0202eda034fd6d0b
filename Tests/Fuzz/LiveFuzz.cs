using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Resonance.Gateway.Hosting;
using Resonance.Gateway.Protocol;
using Resonance.Grains;
using Resonance.Grains.Nodes;
using Resonance.Grains.Spaces;

namespace Resonance.Fuzz;

/// <summary>
/// The live targets: grain inputs straight on the node grains of an in-process gateway's silo, and REST/WebSocket
/// inputs through its real HTTP endpoints. Invariants: every input is answered, errors carry documented codes, and on
/// error nothing changes (the node's snapshot, the space's node counts, the stored events).
/// </summary>
public static class LiveFuzz
{
    public sealed class Server : IAsyncDisposable
    {
        public required WebApplication App { get; init; }
        public required Uri Http { get; init; }
        public required string Data { get; init; }
        public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
            try { Directory.Delete(Data, true); } catch (IOException) { }
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static async Task<Server> StartAsync()
    {
        string data = Directory.CreateTempSubdirectory("resonance-fuzz-").FullName;
        var config = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Resonance:Silo:Port"] = FreePort().ToString(),
            ["Resonance:Silo:GatewayPort"] = FreePort().ToString(),
            ["Resonance:Gateway:DataDirectory"] = data,
            ["Resonance:Gateway:MaxErrorsPerMinute"] = "100000000",
            ["Resonance:Gateway:MaxMessagesPerSecond"] = "100000000",
            ["Resonance:Storage:Postgres"] = "",
            ["Resonance:Storage:Sqlite"] = "",
            ["Resonance:Cluster:Redis"] = "",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
            ["Logging:LogLevel:Resonance.Gateway.Sessions.ClientSession"] = "Error",
        };
        var app = GatewayApp.Build([], b => b.Configuration.AddInMemoryCollection(config));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Server { App = app, Http = new Uri(address), Data = data };
    }

    // -----------------------------------------------------------------------------------------------------------------
    // Grain inputs

    private static readonly Gen<double> Wild = Gen.Frequency(
        (6, Gen.Double[-5, 40]),
        (1, Gen.OneOf(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 30.0, 1e308, -1e308, double.Epsilon, 29.999999999999996)),
        (1, Gen.Double));

    public static readonly Gen<ParticipantUpdate> Participant = Gen.Select(Wild, Gen.Double[0, 1.2], Wild.Nullable(), Wild.Nullable(), Wild.Nullable(),
        Gen.Double[-0.1, 1.1].Nullable(), Gen.OneOf<string?>(null, "bloom", "spiral", "nope"), Wild.Nullable())
        .Select((f, a, p, x, y, r, intent, q) => new ParticipantUpdate
        {
            Frequency = f, Amplitude = a, Phase = p, X = x, Y = y is null && x is not null ? 1 : y, Resonance = r, ConsciousnessIntent = intent, QuantumFactor = q,
        });

    public static readonly Gen<MemoryUpdate> Memory = Gen.Select(Wild, Wild, Gen.Double[-0.2, 1.2], Wild, Gen.Int[0, 5000], Gen.Bool)
        .Select((x, y, influence, harmonic, content, owner) => new MemoryUpdate
        {
            X = x, Y = y, Influence = influence, Harmonic = harmonic, Content = new string('c', content), Owner = owner ? Guid.NewGuid() : Guid.Empty,
        });

    private static bool IsValid(Action validate)
    {
        try { validate(); return true; }
        catch (ArgumentException) { return false; }
    }

    public static async Task GrainsAsync(long cases, string? seed)
    {
        await using var server = await StartAsync();
        await GrainsAsync(server.Grains, cases, seed);
    }

    /// <summary>Generated updates on fresh and on existing nodes: invalid ones throw ArgumentException and change nothing.</summary>
    public static async Task GrainsAsync(IGrainFactory grains, long cases, string? seed)
    {
        const string space = "fuzz-grains";
        var geometry = SpaceGeometry.Create(new SpaceConfig());
        // A participant and a memory node that exist, so rejected updates are seen not to touch them.
        var participant = grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await participant.UpdateParticipant(space, new ParticipantUpdate { Frequency = 2, Amplitude = 0.5, X = 3, Y = 3 });
        var owner = Guid.NewGuid();
        var memoryId = Guid.NewGuid();
        await grains.GetGrain<INodeGrain>(memoryId).Crystallize(space, new MemoryUpdate { Owner = owner, X = 4, Y = 4, Harmonic = 1 });
        var memory = grains.GetGrain<INodeGrain>(memoryId);
        var both = Gen.Select(Participant, Memory, Gen.Int[0, 3]);
        await both.SampleAsync(async (p, m, which) =>
        {
            switch (which)
            {
                case 0 or 1:
                {
                    bool valid = IsValid(() => NodeValidation.Participant(p, geometry));
                    var node = which == 0 ? grains.GetGrain<INodeGrain>(Guid.NewGuid()) : participant;
                    var before = await node.GetSnapshot();
                    try
                    {
                        await node.UpdateParticipant(space, p);
                        if (!valid) throw new FuzzFailure($"invalid participant update accepted: {p}");
                    }
                    catch (ArgumentException)
                    {
                        if (valid) throw new FuzzFailure($"valid participant update rejected: {p}");
                        var after = await node.GetSnapshot();
                        if (!Same(before, after)) throw new FuzzFailure($"rejected update changed the node: {before} -> {after}");
                    }
                    break;
                }
                default:
                {
                    var update = which == 3 ? m with { Owner = m.Owner == Guid.Empty ? Guid.Empty : owner } : m;
                    bool valid = IsValid(() => NodeValidation.Memory(update, geometry));
                    var node = which == 3 ? memory : grains.GetGrain<INodeGrain>(Guid.NewGuid());
                    var before = await node.GetSnapshot();
                    try
                    {
                        await node.Crystallize(space, update);
                        if (!valid) throw new FuzzFailure($"invalid memory update accepted: {update}");
                    }
                    catch (ArgumentException)
                    {
                        if (valid) throw new FuzzFailure($"valid memory update rejected: {update}");
                        var after = await node.GetSnapshot();
                        if (!Same(before, after)) throw new FuzzFailure($"rejected memory update changed the node: {before} -> {after}");
                    }
                    break;
                }
            }
        }, seed: seed, iter: cases, threads: 1);
    }

    private static bool Same(NodeSnapshot? a, NodeSnapshot? b) =>
        (a is null && b is null) || (a is not null && b is not null && a.Version == b.Version && a.X.Equals(b.X) && a.Y.Equals(b.Y) && a.Live == b.Live);

    // -----------------------------------------------------------------------------------------------------------------
    // Through HTTP and WebSocket

    public static async Task HttpAsync(long cases, string? seed)
    {
        await using var server = await StartAsync();
        await HttpAsync(server.Http, server.Grains, cases, seed);
    }

    /// <summary>
    /// Half the cases as REST requests (status 200/400/413 with documented codes; a batch with nothing accepted stores
    /// nothing), half as WebSocket messages on one session, each followed by a heartbeat fence: every message is answered
    /// before its fence, an expected error arrives with its code, and an error changes no tick count.
    /// </summary>
    public static async Task HttpAsync(Uri http, IGrainFactory grains, long cases, string? seed)
    {
        using var client = new HttpClient { BaseAddress = http, Timeout = TimeSpan.FromSeconds(30) };
        // REST writes need a token: the fuzzer posts as an identity of its own.
        using (var issued = await client.PostAsync("/api/identities", null))
        {
            issued.EnsureSuccessStatusCode();
            using var identity = JsonDocument.Parse(await issued.Content.ReadAsStringAsync());
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
                identity.RootElement.GetProperty("accessToken").GetString());
        }
        const string space = "fuzz-http";
        // Warm the space.
        (await client.GetAsync($"/api/spaces/{space}/stats")).EnsureSuccessStatusCode();
        await RestGen.Any.SampleAsync(async c => await RestCaseAsync(client, space, c), seed: seed, iter: cases / 2, threads: 1);

        // Messages that must fail go to a session of their own space: nothing valid ever reaches it, so its ticks must
        // keep zero nodes and it must store no event, whatever the other session's valid messages do meanwhile.
        using var good = new ClientWebSocket();
        using var bad = new ClientWebSocket();
        await good.ConnectAsync(new Uri($"ws://{http.Authority}/api/harmonic-ws?space={space}-ws"), CancellationToken.None);
        await bad.ConnectAsync(new Uri($"ws://{http.Authority}/api/harmonic-ws?space={space}-bad"), CancellationToken.None);
        await ReceiveAsync(good); // connection_established
        await ReceiveAsync(bad);
        long fence = 0;
        var badSpace = grains.GetGrain<ISpaceGrain>($"{space}-bad");
        await MessageGen.Any
            .Where(c => c.Utf8.Length <= 16 * 1024 && System.Text.Unicode.Utf8.IsValid(c.Utf8)) // larger ones: the size limit (tested elsewhere); invalid UTF-8 closes a WebSocket (RFC 6455 8.1)
            .Where(c => ParsedType(c) is not (MessageTypes.Disconnect or MessageTypes.QuantumEntangle))
            .SampleAsync(async c =>
            {
                var ws = c.Expected is null ? good : bad;
                await ws.SendAsync(c.Utf8, WebSocketMessageType.Text, true, CancellationToken.None);
                long id = ++fence;
                await ws.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"heartbeat\",\"timestamp\":{id}}}"), WebSocketMessageType.Text, true, CancellationToken.None);
                var errors = new List<string>();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                while (true)
                {
                    var m = await ReceiveAsync(ws, deadline.Token) ?? throw new FuzzFailure($"session closed ({ws.CloseStatus} {ws.CloseStatusDescription}) after {c}");
                    using var doc = JsonDocument.Parse(m);
                    string type = doc.RootElement.GetProperty("type").GetString()!;
                    if (type == "heartbeat_ack" && doc.RootElement.TryGetProperty("clientTimestamp", out var ts) && ts.GetDouble() == id) break;
                    if (type == "error")
                    {
                        string code = doc.RootElement.GetProperty("code").GetString()!;
                        if (!MessageGen.DocumentedCodes.Contains(code)) throw new FuzzFailure($"undocumented code {code} for {c}");
                        errors.Add(code);
                    }
                }
                if (c.Expected is not null)
                {
                    if (errors.Count != 1 || !c.Expected.Contains(errors[0])) throw new FuzzFailure($"errors [{string.Join(",", errors)}] for {c}");
                    var tick = await badSpace.GetLatestTick();
                    if (tick.ActiveNodes != 0 || tick.MemoryNodes != 0) throw new FuzzFailure($"the error-only space has {tick.ActiveNodes} participants, {tick.MemoryNodes} memory nodes after {c}");
                }
                if (c.ValidType is not null && errors.Count > 0 && !errors.All(e => e is "unavailable" or "not_found" or "forbidden" or "invalid_value"))
                    throw new FuzzFailure($"valid message got [{string.Join(",", errors)}]: {c}");
            }, seed: seed, iter: cases - cases / 2, threads: 1);
        using (var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/spaces/{space}-bad/events?from=2000-01-01T00:00:00Z")))
            if (doc.RootElement.GetProperty("count").GetInt64() != 0) throw new FuzzFailure("the error-only space stored an event");
        await good.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        await bad.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    /// <summary>What the parser makes of a case (disconnect ends the session, so those are left out of the shared one).</summary>
    private static string? ParsedType(MessageCase c)
    {
        try { return ClientMessageParser.Parse(c.Utf8, ParserFuzz.Space).Type; }
        catch (ProtocolException) { return null; }
    }

    private static async Task<byte[]?> ReceiveAsync(ClientWebSocket ws, CancellationToken token = default)
    {
        var buffer = new byte[1 << 16];
        using var ms = new MemoryStream();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer.AsMemory(), token);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            ms.Write(buffer, 0, r.Count);
            if (r.EndOfMessage)
            {
                if (r.MessageType == WebSocketMessageType.Binary) { ms.SetLength(0); continue; }
                return ms.ToArray();
            }
        }
    }

    private static async Task RestCaseAsync(HttpClient client, string space, RestCase c)
    {
        HttpResponseMessage response;
        long eventsBefore = 0;
        bool? collectiveBefore = null;
        if (c.Endpoint == RestEndpoint.Preferences)
        {
            collectiveBefore = await CollectiveAsync(client);
            response = await client.PutAsync("/api/me/preferences", new ByteArrayContent(c.Body!) { Headers = { ContentType = new("application/json") } });
        }
        else if (c.Endpoint == RestEndpoint.PostEvents)
        {
            eventsBefore = await EventCountAsync(client, space);
            // Items go to the fuzz space (items may name their own; a bad name is rejected).
            response = await client.PostAsync("/api/events", new ByteArrayContent(c.Body!) { Headers = { ContentType = new("application/json") } });
        }
        else
        {
            string path = c.Endpoint switch
            {
                RestEndpoint.Field => "field", RestEndpoint.Nodes => "nodes", RestEndpoint.Events => "events",
                RestEndpoint.LogProof => "log/proof", RestEndpoint.LogConsistency => "log/consistency", _ => "aggregates",
            };
            response = await client.GetAsync($"/api/spaces/{space}/{path}?{c.QueryString()}");
        }
        int status = (int)response.StatusCode;
        string body = await response.Content.ReadAsStringAsync();
        // Kestrel's own limits on the request line and headers (8 KiB / 32 KiB by default) come before the endpoint.
        if (status is 414 or 431 && c.QueryString().Length > 8000) return;
        // A proof of an event the log does not hold is a 404 (a random eventId almost always).
        if (status is not (200 or 400 or 413) && !(status == 404 && c.Endpoint == RestEndpoint.LogProof)) throw new FuzzFailure($"HTTP {status} {Trim(body)} for {c}");
        if (status == 200 && c.Endpoint == RestEndpoint.Preferences)
        {
            if (!c.MustSucceed) throw new FuzzFailure($"preferences body accepted: {c}");
            if (await CollectiveAsync(client) != (c.Query[0].Value == "true")) throw new FuzzFailure($"the accepted preference was not stored: {c}");
        }
        if (status != 200 || c.Endpoint == RestEndpoint.PostEvents)
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("error", out var error))
            {
                string code = error.GetProperty("code").GetString()!;
                if (!MessageGen.DocumentedCodes.Contains(code)) throw new FuzzFailure($"undocumented code {code} for {c}");
            }
            if (c.Endpoint == RestEndpoint.Preferences && await CollectiveAsync(client) != collectiveBefore)
                throw new FuzzFailure($"a refused preferences body changed the preference: {c}");
            if (c.Endpoint == RestEndpoint.PostEvents)
            {
                int accepted = doc.RootElement.TryGetProperty("accepted", out var a) ? a.GetInt32() : 0;
                if (accepted == 0)
                {
                    long after = await EventCountAsync(client, space);
                    if (after != eventsBefore) throw new FuzzFailure($"events {eventsBefore} -> {after} although none was accepted: {c}");
                }
            }
        }
    }

    /// <summary>The fuzzing identity's stored preference (its token is on the client).</summary>
    private static async Task<bool> CollectiveAsync(HttpClient client)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/api/me/preferences"));
        return doc.RootElement.GetProperty("collective").GetBoolean();
    }

    private static async Task<long> EventCountAsync(HttpClient client, string space)
    {
        // Items without a space go to 'global'.
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/api/spaces/global/events?limit=10000&from=2000-01-01T00:00:00Z"));
        return doc.RootElement.GetProperty("count").GetInt64();
    }

    private static string Trim(string s) => s.Length > 300 ? s[..300] + "…" : s;
}
