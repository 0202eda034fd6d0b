using System.Text;
using CsCheck;
using Resonance.Fuzz;
using Resonance.Gateway.Protocol;
using Resonance.Gateway.Rest;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Fuzzing;

/// <summary>
/// A bounded run of the fuzzer (Tests/Fuzz; the 1,000,000-case run is <c>dotnet run -c Release --project Tests/Fuzz</c>):
/// generated valid and mutated messages and REST inputs, checked against the documented codes.
/// </summary>
public sealed class ParserFuzzTests
{
    [Fact]
    public void Generated_client_messages_are_answered_with_documented_codes() =>
        MessageGen.Any.Sample(ParserFuzz.Check, iter: 20_000, threads: 1, print: c => c.ToString());

    [Fact]
    public void Generated_rest_inputs_are_answered_with_documented_codes() =>
        RestGen.Any.Sample(RestFuzz.Check, iter: 5_000, threads: 1, print: c => c.ToString());

    // Regressions found by the fuzzer: System.Text.Json checks neither the UTF-8 inside strings nor unpaired surrogate
    // escapes until a string is read, and then throws InvalidOperationException, which escaped the parser (the
    // session's receive loop ended with an unhandled exception; POST /api/events answered 500).

    [Theory]
    [InlineData("{\"type\":\"harmonic_stream\",\"frequency\":2,\"amplitude\":0.5,\"consciousnessIntent\":\"\\ud800\"}", "invalid_value", "consciousnessIntent")]
    [InlineData("{\"type\":\"\\udc00\"}", "invalid_value", "type")]
    [InlineData("{\"type\":\"consciousness_event\",\"eventType\":\"a\\ud83d\",\"data\":{}}", "invalid_value", "eventType")]
    [InlineData("{\"type\":\"consciousness_event\",\"eventType\":\"a\",\"data\":{\"k\":[\"\\udfff\"]}}", "invalid_value", "data")]
    [InlineData("{\"type\":\"consciousness_event\",\"eventType\":\"a\",\"data\":{\"\\ud800\":1}}", "invalid_value", "data")]
    [InlineData("{\"type\":\"memory_crystallize\",\"x\":1,\"y\":1,\"harmonic\":1,\"content\":\"\\ud800\"}", "invalid_value", "content")]
    public void An_unpaired_surrogate_escape_is_an_invalid_value(string json, string code, string field)
    {
        var e = Assert.Throws<ProtocolException>(() => ClientMessageParser.Parse(Encoding.UTF8.GetBytes(json), new Grains.SpaceConfig()));
        Assert.Equal(code, e.Code);
        Assert.Equal(field, e.Field);
    }

    /// <summary>A known intent is the parser's own instance, escaped or not (no string per message for the grain to keep).</summary>
    [Theory]
    [InlineData("spiral")]
    [InlineData("\\u0073piral")]
    public void A_known_intent_is_the_one_instance_of_it(string written)
    {
        var json = "{\"type\":\"harmonic_stream\",\"frequency\":2,\"amplitude\":0.5,\"consciousnessIntent\":\"" + written + "\"}";
        var message = Assert.IsType<HarmonicStreamMessage>(ClientMessageParser.Parse(Encoding.UTF8.GetBytes(json), new Grains.SpaceConfig()));
        Assert.Same(ClientMessageParser.Intents[2], message.Update.ConsciousnessIntent);
        var unknown = Assert.Throws<ProtocolException>(() => ClientMessageParser.Parse(Encoding.UTF8.GetBytes(json.Replace("piral", "pirals")), new Grains.SpaceConfig()));
        Assert.Equal(("invalid_value", "consciousnessIntent"), (unknown.Code, unknown.Field));
    }

    [Fact]
    public void Invalid_utf8_inside_a_string_is_invalid_json()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"type\":\"harmonic_stream\",\"frequency\":2,\"amplitude\":0.5,\"consciousnessIntent\":\"XX\"}");
        int at = Array.IndexOf(bytes, (byte)'X');
        bytes[at] = 0xC3;
        bytes[at + 1] = 0x28;
        var e = Assert.Throws<ProtocolException>(() => ClientMessageParser.Parse(bytes, new Grains.SpaceConfig()));
        Assert.Equal(ErrorCodes.InvalidJson, e.Code);
        Assert.Equal(ErrorCodes.InvalidJson, RestValidation.Batch(bytes, 10, out _, out _)!.Code);
    }
}

/// <summary>The live part of the fuzzer, bounded: grain inputs, and REST/WebSocket inputs through a real gateway.</summary>
public sealed class LiveFuzzTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public Task Generated_grain_inputs_are_rejected_without_changing_state() => LiveFuzz.GrainsAsync(fixture.Host.Grains, 300, null);

    [Fact]
    public Task Generated_rest_and_websocket_inputs_through_the_gateway_are_answered() => LiveFuzz.HttpAsync(fixture.Host.Http, fixture.Host.Grains, 400, null);

    [Fact]
    public async Task A_batch_item_with_an_unpaired_surrogate_is_rejected_and_nothing_is_stored()
    {
        using var http = await Identity.ClientAsync(fixture.Host.Http);
        var body = "[{\"space\":\"fuzz-regress\",\"eventType\":\"x\",\"data\":{\"k\":\"\\ud800\"}}]";
        var response = await http.PostAsync("/api/events", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("invalid_value", await response.Content.ReadAsStringAsync());
        var events = await http.GetStringAsync("/api/spaces/fuzz-regress/events?from=2000-01-01T00:00:00Z");
        Assert.Contains("\"count\":0", events);
    }
}
