using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Resonance.Gateway.Protocol;
using Resonance.Gateway.Rest;
using Resonance.Grains;
using Resonance.Grains.Spaces;

namespace Resonance.Fuzz;

public enum RestEndpoint { Field, Nodes, Events, Aggregates, PostEvents, Preferences, LogProof, LogConsistency }

/// <summary>One REST input: the endpoint, its query (name, value) pairs, or the POST body with each item's expectation.</summary>
public sealed record RestCase(RestEndpoint Endpoint, (string Name, string Value)[] Query, byte[]? Body, MessageCase[]? Items, bool MustSucceed)
{
    public IQueryCollection QueryCollection() =>
        new QueryCollection(Query.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => new StringValues([.. g.Select(p => p.Value)])));

    public string QueryString() => string.Join("&", Query.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));

    public override string ToString()
    {
        string body = Body is null ? "" : Encoding.UTF8.GetString(Body);
        if (body.Length > 400) body = body[..400] + "…";
        return $"{Endpoint} ?{QueryString()} {body}{(MustSucceed ? " (valid)" : "")}";
    }
}

/// <summary>Generators of REST inputs: valid queries, and garbage in every parameter.</summary>
public static class RestGen
{
    private static readonly Gen<string> Garbage = Gen.OneOf(
        Gen.OneOf("", " ", "abc", "NaN", "nan", "Infinity", "-Infinity", "∞", "1e400", "-1e400", "0x10", " 5", "5 ", "1,5", "1_000",
            "+3", "-0", "1e-400", "5e", "--1", "١٢", "%00", "null", "[1]", "9999999999999999999999", "2026-13-45", "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-01-01T00:00:00+99:00", "2026", "T", "1.5", "-1", "0",
            "4294967296", "2147483648", "-2147483649"),
        Gen.Double.Select(MessageGen.Num),
        Gen.Double[-1e3, 1e3].Select(MessageGen.Num),
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Char.Array[0, 20].Select(a => new string(a)),
        Gen.Int[5000, 100_000].Select(n => new string('9', n)));

    private static Gen<string> Coordinate(double max) => Gen.Double[0, max].Select(MessageGen.Num);

    private static readonly Gen<string> Time = Gen.DateTime[new DateTime(2000, 1, 1), new DateTime(2100, 1, 1)]
        .Select(d => d.ToString("o", System.Globalization.CultureInfo.InvariantCulture));

    private static Gen<(string, string)[]> Params(params (string Name, Gen<string> Valid)[] names) =>
        Gen.Select(names.Select(n => Gen.Frequency(
                (3, Gen.Const(((string, string)?)null)),
                (3, n.Valid.Select(v => ((string, string)?)(n.Name, v))),
                (1, Garbage.Select(v => ((string, string)?)(n.Name, v))))).ToArray()
            .Aggregate(Gen.Const(new List<(string, string)>()), (acc, g) => acc.SelectMany(l => g.Select(p => { var c = new List<(string, string)>(l); if (p is { } v) c.Add(v); return c; }))),
            Gen.OneOf("noise", "x ", "X", "radius").SelectMany(n => Garbage.Select(v => (n, v))).Array[0, 2],
            (list, extra) => list.Concat(extra).ToArray());

    public static readonly Gen<RestCase> Field = Params(
            ("x0", Coordinate(14)), ("y0", Coordinate(14)), ("x1", Gen.Double[16, 30].Select(MessageGen.Num)), ("y1", Gen.Double[16, 30].Select(MessageGen.Num)),
            ("width", Gen.Int[1, 512].Select(i => i.ToString())), ("height", Gen.Int[1, 512].Select(i => i.ToString())),
            ("format", Gen.OneOf("json", "f32", "png")))
        .Select(q => new RestCase(RestEndpoint.Field, q, null, null, false));

    public static readonly Gen<RestCase> Nodes = Params(("x", Coordinate(30)), ("y", Coordinate(30)), ("radius", Coordinate(60)))
        .Select(q => new RestCase(RestEndpoint.Nodes, q, null, null, false));

    public static readonly Gen<RestCase> Events = Params(("from", Time), ("to", Time), ("x", Coordinate(1e9)), ("y", Coordinate(30)),
            ("radius", Coordinate(100)), ("limit", Gen.Int[1, 10000].Select(i => i.ToString())))
        .Select(q => new RestCase(RestEndpoint.Events, q, null, null, false));

    public static readonly Gen<RestCase> Aggregates = Params(("from", Time), ("to", Time))
        .Select(q => new RestCase(RestEndpoint.Aggregates, q, null, null, false));

    private static readonly Gen<string> TreeSize = Gen.Long[0, long.MaxValue].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static readonly Gen<RestCase> LogProof = Params(("eventId", Gen.Guid.Select(g => g.ToString())), ("treeSize", TreeSize))
        .Select(q => new RestCase(RestEndpoint.LogProof, q, null, null, false));

    public static readonly Gen<RestCase> LogConsistency = Params(("from", TreeSize), ("to", TreeSize))
        .Select(q => new RestCase(RestEndpoint.LogConsistency, q, null, null, false));

    private static readonly Gen<MessageCase> EventItem = MessageGen.ValidFields(MessageTypes.ConsciousnessEvent).SelectMany(fields =>
        MessageGen.Any.Where(c => !c.Mutation.StartsWith("nested", StringComparison.Ordinal))
            // As a batch item the type field is ignored: only a consciousness_event's own verdicts carry over.
            .Select(c => c.ForType == MessageTypes.ConsciousnessEvent
                ? c with { Expected = c.FieldLevel ? c.Expected : null }
                : c with { Expected = null, ValidType = null })
            .SelectMany(c => Gen.Frequency(
                (2, Gen.Const(new MessageCase("valid", Encoding.UTF8.GetBytes(MessageGen.Render(fields.Where(p => p.Name != "type"))), null, MessageTypes.ConsciousnessEvent))),
                (1, Gen.Const(c)),
                (1, Gen.OneOf("\"UPPER\"", "\"\"", "12", "\"a/b\"", "\"" + new string('s', 65) + "\"").Select(space => new MessageCase("bad space",
                    Encoding.UTF8.GetBytes(MessageGen.Render([.. fields, ("space", space)])), [ErrorCodes.InvalidValue, ErrorCodes.InvalidType, ErrorCodes.StringTooLong], null))),
                // A "userId" in the body is ignored (the author is the token's subject), whatever it holds.
                (1, Gen.OneOf("\"not-a-guid\"", "5", "\"00000000-0000-0000-0000-000000000000\"").Select(user => new MessageCase("ignored userId",
                    Encoding.UTF8.GetBytes(MessageGen.Render([.. fields.Where(p => p.Name != "type"), ("userId", user)])), null, MessageTypes.ConsciousnessEvent))))));

    /// <summary>A batch of items (each with its own expectation), or a body that is no batch at all.</summary>
    public static readonly Gen<RestCase> PostEvents = Gen.Frequency(
        (5, EventItem.Array[0, 6].Select(items =>
        {
            // Items that are not one JSON value would break the whole array: those become whole-body cases.
            var usable = items.Where(IsOneValue).ToArray();
            var body = new List<byte> { (byte)'[' };
            for (int k = 0; k < usable.Length; k++)
            {
                if (k > 0) body.Add((byte)',');
                body.AddRange(usable[k].Utf8);
            }
            body.Add((byte)']');
            return new RestCase(RestEndpoint.PostEvents, [], [.. body], usable, false);
        })),
        (1, Gen.OneOf("{}", "{\"events\":5}", "5", "\"x\"", "null", "[", "", "{\"events\":[]}", new string('[', 300) + new string(']', 300), "[1,2]")
            .Select(b => new RestCase(RestEndpoint.PostEvents, [], Encoding.UTF8.GetBytes(b), null, false))),
        (1, Gen.Int[1001, 1500].Select(n => new RestCase(RestEndpoint.PostEvents, [],
            Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("{}", n)) + "]"), null, false))),
        (1, Gen.Byte.Array[0, 64].Select(b => new RestCase(RestEndpoint.PostEvents, [], b, null, false))));

    private static bool IsOneValue(MessageCase c)
    {
        try
        {
            var reader = new Utf8JsonReader(c.Utf8, new JsonReaderOptions { MaxDepth = 1 << 16 });
            if (!reader.Read()) return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>PUT /api/me/preferences</c> bodies: the one valid shape (<c>{"collective": bool}</c>, which must pass with that
    /// value), and objects with other fields, other value kinds, duplicates, and raw garbage (which must be refused).
    /// </summary>
    public static readonly Gen<RestCase> Preferences = Gen.Frequency(
        (2, Gen.Bool.Select(b => new RestCase(RestEndpoint.Preferences, [("expect", b ? "true" : "false")],
            Encoding.UTF8.GetBytes($"{{\"collective\":{(b ? "true" : "false")}}}"), null, true))),
        (3, Gen.Select(Gen.OneOf("collective", "Collective", "collectve", "", "x", "collective "), Gen.OneOf("0", "1", "\"true\"", "null", "[]", "{}", "1e400", "\"\""),
                (name, value) => new RestCase(RestEndpoint.Preferences, [], Encoding.UTF8.GetBytes($"{{\"{name}\":{value}}}"), null, false))),
        (1, Gen.Bool.Select(b => new RestCase(RestEndpoint.Preferences, [],
            Encoding.UTF8.GetBytes($"{{\"collective\":{(b ? "true" : "false")},\"extra\":1}}"), null, false))),
        (2, Gen.Byte.Array[0, 64].Select(b => new RestCase(RestEndpoint.Preferences, [], b, null, false))),
        (1, Gen.Int[4097, 6000].Select(n => new RestCase(RestEndpoint.Preferences, [], Encoding.UTF8.GetBytes("{\"collective\":true" + new string(' ', n) + "}"), null, false))));

    public static readonly Gen<RestCase> Any = Gen.Frequency((2, Field), (2, Nodes), (2, Events), (1, Aggregates), (3, PostEvents), (1, Preferences), (1, LogProof), (1, LogConsistency));
}

/// <summary>
/// The REST validation's properties: an answer for every input (never an exception), errors with a documented code and
/// status 400/413, and what passes is within the documented limits.
/// </summary>
public static class RestFuzz
{
    public static readonly SpaceConfig Config = new();
    /// <summary>The token subject the endpoint would pass (a body's userId never counts).</summary>
    public static readonly Guid Author = new("5e7f1a2b-0c3d-4e5f-8a9b-0c1d2e3f4a5b");
    public static readonly SpaceGeometry Geometry = SpaceGeometry.Create(Config);
    private static readonly DateTime Now = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    public static void Check(RestCase c)
    {
        try
        {
            CheckUnguarded(c);
        }
        catch (FuzzFailure)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new FuzzFailure($"{e.GetType().Name}: {e.Message} for {c}", e);
        }
    }

    private static void Error(RestError? e, RestCase c)
    {
        if (e is null) return;
        if (!MessageGen.DocumentedCodes.Contains(e.Code)) throw new FuzzFailure($"undocumented code {e.Code} for {c}");
        if (e.Status is not (400 or 413)) throw new FuzzFailure($"status {e.Status} for {c}");
        if (c.MustSucceed) throw new FuzzFailure($"a valid query was rejected: {e} for {c}");
    }

    /// <summary>An independent reading of the one valid shape: a JSON object whose only property is a boolean "collective".</summary>
    private static bool IsExactlyCollective(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.EnumerateObject().All(p => p.Name == "collective" && p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                && doc.RootElement.EnumerateObject().Any();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void CheckUnguarded(RestCase c)
    {
        var q = c.QueryCollection();
        switch (c.Endpoint)
        {
            case RestEndpoint.Field:
            {
                var e = RestValidation.Field(q, Config, out var s, out var format);
                Error(e, c);
                if (e is null)
                {
                    if (format is not ("json" or "f32" or "png")) throw new FuzzFailure($"format {format}: {c}");
                    ParserFuzz.SafeToApply(new SubscribeFieldMessage(s!), c);
                }
                break;
            }
            case RestEndpoint.Nodes:
            {
                var e = RestValidation.Nodes(q, Geometry, out var disc, out var cells);
                Error(e, c);
                if (e is null)
                {
                    if (cells.Cx0 < 0 || cells.Cy0 < 0 || cells.Cx1 >= Geometry.CellsX || cells.Cy1 >= Geometry.CellsY || cells.Cx0 > cells.Cx1 || cells.Cy0 > cells.Cy1)
                        throw new FuzzFailure($"cells {cells} outside the grid {Geometry.CellsX}x{Geometry.CellsY}: {c}");
                    if (disc is var (x, y, r) && !(double.IsFinite(x) && double.IsFinite(y) && r >= 0)) throw new FuzzFailure($"disc {disc}: {c}");
                }
                break;
            }
            case RestEndpoint.Events:
            {
                var e = RestValidation.Events(q, Now, out var from, out var to, out var disc, out int limit);
                Error(e, c);
                if (e is null)
                {
                    if (!(to > from) || from.Kind != DateTimeKind.Utc || to.Kind != DateTimeKind.Utc) throw new FuzzFailure($"range {from:o}..{to:o}: {c}");
                    if (limit is < 1 or > RestValidation.MaxEvents) throw new FuzzFailure($"limit {limit}: {c}");
                    if (disc is var (x, y, r) && !(double.IsFinite(x) && double.IsFinite(y) && r >= 0)) throw new FuzzFailure($"disc {disc}: {c}");
                }
                break;
            }
            case RestEndpoint.Aggregates:
            {
                var e = RestValidation.Aggregates(q, Now, out var from, out var to);
                Error(e, c);
                if (e is null && (!(to > from) || to - from > TimeSpan.FromMinutes(RestValidation.MaxRollups) || from.Kind != DateTimeKind.Utc))
                    throw new FuzzFailure($"range {from:o}..{to:o}: {c}");
                break;
            }
            case RestEndpoint.LogProof:
            {
                var e = LogValidation.Proof(q, out var id, out long? size);
                Error(e, c);
                // Accepted: the first eventId given is that UUID, and the size is non-negative.
                if (e is null && (size < 0 || !Guid.TryParse(c.Query.First(p => p.Name == "eventId").Value, out var given) || given != id))
                    throw new FuzzFailure($"accepted eventId {id}, treeSize {size}: {c}");
                break;
            }
            case RestEndpoint.LogConsistency:
            {
                var e = LogValidation.Consistency(q, out long from, out long? to);
                Error(e, c);
                if (e is null && (from < 0 || to < from))
                    throw new FuzzFailure($"accepted from {from}, to {to}: {c}");
                break;
            }
            case RestEndpoint.Preferences:
            {
                var e = RestValidation.Preferences(c.Body!, out var preferences);
                Error(e, c);
                if (c.MustSucceed && preferences.Collective != (c.Query[0].Value == "true")) throw new FuzzFailure($"collective {preferences.Collective}: {c}");
                // Anything else than the one valid shape is refused (the generator's non-valid cases are all invalid).
                if (!c.MustSucceed && e is null && !IsExactlyCollective(c.Body!)) throw new FuzzFailure($"accepted: {c}");
                break;
            }
            case RestEndpoint.PostEvents:
            {
                var e = RestValidation.Batch(c.Body!, 1000, out var document, out var items);
                Error(e, c);
                if (c.Items is not null && e is not null && !(e.Code == ErrorCodes.MessageTooLarge && c.Body!.Length > RestValidation.MaxBatchBytes)
                    && !(e.Code == ErrorCodes.InvalidJson && c.Items.Any(i => !System.Text.Unicode.Utf8.IsValid(i.Utf8)))) throw new FuzzFailure($"a well-formed batch was rejected as a whole: {e} for {c}");
                if (e is not null) break;
                using (document)
                {
                    int k = 0;
                    foreach (var item in items.EnumerateArray())
                    {
                        MessageCase? expected = c.Items?[k];
                        k++;
                        try
                        {
                            string space = RestValidation.ItemSpace(item);
                            var record = RestValidation.ItemEvent(item, space, Config, Author);
                            if (expected is { Expected: not null }) throw new FuzzFailure($"item accepted, expected {string.Join("|", expected.Expected)}: {expected}");
                            if (record.Event.EventId == Guid.Empty || !SpaceId.IsValid(record.Space)) throw new FuzzFailure($"stored ids: {record} for {c}");
                            ParserFuzz.SafeToApply(new ConsciousnessEventMessage(record.Event.EventType, record.Event.DataJson, record.Event.X, record.Event.Y,
                                record.Event.Resonance, null, record.Event.EventId), c);
                        }
                        catch (ProtocolException pe)
                        {
                            if (!MessageGen.DocumentedCodes.Contains(pe.Code)) throw new FuzzFailure($"undocumented code {pe.Code}: {c}");
                            // An item that was a valid consciousness_event (the type field is ignored here) must be accepted.
                            if (expected is { ValidType: MessageTypes.ConsciousnessEvent })
                                throw new FuzzFailure($"valid item rejected with {pe.Code} ({pe.Message}): {expected}");
                        }
                    }
                }
                break;
            }
        }
    }
}
