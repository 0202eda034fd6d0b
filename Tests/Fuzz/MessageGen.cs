using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using Resonance.Gateway.Protocol;

namespace Resonance.Fuzz;

/// <summary>
/// One generated client message: its bytes, and what the parser must do with it. <see cref="Expected"/> non-null: a
/// <see cref="ProtocolException"/> with one of these codes; <see cref="ValidType"/> non-null: it parses to that type;
/// both null: any documented outcome (parses, or one of the documented codes).
/// </summary>
public sealed record MessageCase(string Mutation, byte[] Utf8, string[]? Expected, string? ValidType)
{
    /// <summary>The message type the case was made from.</summary>
    public string? ForType { get; init; }

    /// <summary>One field made wrong (its code holds wherever the fields are validated, e.g. a REST batch item).</summary>
    public bool FieldLevel { get; init; }

    public override string ToString()
    {
        string text = Encoding.UTF8.GetString(Utf8);
        if (text.Length > 400) text = text[..400] + $"… ({Utf8.Length} bytes)";
        return $"{Mutation}: {text} -> {(Expected is null ? ValidType ?? "any" : string.Join("|", Expected))}";
    }
}

/// <summary>Generators of client messages (docs/protocol.md, "Client -> server"): valid ones of every type and mutated ones.</summary>
public static class MessageGen
{
    public const double W = 30, H = 30;

    public enum Kind { Num, Int, Str, Enum, Guid, Obj }

    /// <summary>A field of a message type: its limits as the parser enforces them, and the range valid values are drawn from.</summary>
    public sealed record Field(string Name, Kind Kind, bool Required, double Min = 0, double Max = 0, bool MinExclusive = false,
        bool MaxExclusive = false, int MinLength = 0, int MaxLength = 0, string[]? Values = null, double? ValidMin = null, double? ValidMax = null,
        string? Pair = null);

    private static readonly string[] Intents = ["bloom", "collapse", "spiral", "entangle"];

    public static readonly Dictionary<string, Field[]> Types = new()
    {
        [MessageTypes.HarmonicStream] =
        [
            new("frequency", Kind.Num, true, 0, 20000, MinExclusive: true),
            new("amplitude", Kind.Num, true, 0, 1),
            new("phase", Kind.Num, false, -1e6, 1e6),
            new("x", Kind.Num, false, 0, W, MaxExclusive: true, Pair: "y"),
            new("y", Kind.Num, false, 0, H, MaxExclusive: true, Pair: "x"),
            new("resonance", Kind.Num, false, 0, 1),
            new("quantumFactor", Kind.Num, false, -1e6, 1e6),
            new("consciousnessIntent", Kind.Enum, false, Values: Intents),
            new("timestamp", Kind.Num, false, -1e15, 1e15),
        ],
        [MessageTypes.Heartbeat] = [new("timestamp", Kind.Num, false, -1e15, 1e15)],
        [MessageTypes.QuantumEntangle] =
        [
            new("entanglementTarget", Kind.Guid, true),
            new("action", Kind.Enum, false, Values: ["request", "break"]),
        ],
        [MessageTypes.MemoryCrystallize] =
        [
            new("memoryId", Kind.Guid, false),
            new("x", Kind.Num, true, 0, W, MaxExclusive: true),
            new("y", Kind.Num, true, 0, H, MaxExclusive: true),
            new("harmonic", Kind.Num, true, -1e6, 1e6),
            new("influence", Kind.Num, false, 0, 1),
            new("content", Kind.Str, false, MinLength: 0, MaxLength: 2000),
            new("archetype", Kind.Str, false, MinLength: 0, MaxLength: 64),
        ],
        [MessageTypes.ConsciousnessEvent] =
        [
            new("eventType", Kind.Str, true, MinLength: 1, MaxLength: 50),
            new("data", Kind.Obj, true),
            new("x", Kind.Num, false, 0, W, MaxExclusive: true, Pair: "y"),
            new("y", Kind.Num, false, 0, H, MaxExclusive: true, Pair: "x"),
            new("resonance", Kind.Num, false, 0, 1),
            new("ackId", Kind.Str, false, MinLength: 1, MaxLength: 64),
            new("eventId", Kind.Guid, false),
        ],
        [MessageTypes.SubscribeField] =
        [
            // Valid viewports keep x0 < x1 and y0 < y1 (the parser checks that too).
            new("x0", Kind.Num, false, 0, W, ValidMin: 0, ValidMax: 14),
            new("y0", Kind.Num, false, 0, H, ValidMin: 0, ValidMax: 14),
            new("x1", Kind.Num, false, 0, W, ValidMin: 16, ValidMax: W),
            new("y1", Kind.Num, false, 0, H, ValidMin: 16, ValidMax: H),
            new("width", Kind.Int, false, 1, 512),
            new("height", Kind.Int, false, 1, 512),
            new("rate", Kind.Num, false, 1, 30),
            new("format", Kind.Enum, false, Values: ["json", "f32", "u8"]),
        ],
        [MessageTypes.UnsubscribeField] = [],
        [MessageTypes.Disconnect] = [],
    };

    public static readonly string[] TypeNames = [.. Types.Keys];

    // -----------------------------------------------------------------------------------------------------------------
    // Values (as JSON text)

    public static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    public static string Str(string s) => JsonSerializer.Serialize(s);

    private static readonly char[] TextChars = ['a', 'b', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0001', '\u007f', 'é', 'ß', '中', '\u2028', '\ufffd'];

    public static readonly Gen<string> Text = Gen.OneOf<char>(TextChars).Array[0, 12].Select(a => new string(a));

    private static Gen<string> TextOfLength(int min, int max) =>
        Gen.Int[min, max].SelectMany(n => Gen.OneOf<char>(TextChars).Array[n].Select(a => new string(a)));

    private static Gen<double> InRange(double min, double max, bool minExclusive, bool maxExclusive)
    {
        double lo = minExclusive ? Math.BitIncrement(min) : min, hi = maxExclusive ? Math.BitDecrement(max) : max;
        return Gen.Frequency(
            (6, Gen.Double[lo, hi]),
            (1, Gen.Const(lo)),
            (1, Gen.Const(hi)),
            (1, Gen.Int[(int)Math.Ceiling(Math.Max(lo, -1e9)), (int)Math.Floor(Math.Min(hi, 1e9))].Select(i => (double)i)));
    }

    // Version 8 is the form of public ids, which a memoryId may not take (ClientMessageParser); the valid cases avoid it.
    private static Gen<string> GuidText => Gen.Guid.Where(g => g != Guid.Empty && g.Version != 8)
        .SelectMany(g => Gen.OneOf("D", "N", "B", "P").Select(f => Str(g.ToString(f))));

    /// <summary>A JSON value of bounded depth (for <c>data</c> and extra fields).</summary>
    public static Gen<string> AnyValue(int depth) => depth <= 0
        ? Gen.OneOf(Gen.Double[-1e6, 1e6].Select(Num), Text.Select(Str), Gen.OneOf("true", "false", "null", "0", "-0", "1e308", "1E-5"))
        : Gen.Frequency(
            (4, AnyValue(0)),
            (1, AnyValue(depth - 1).Array[0, 3].Select(a => "[" + string.Join(",", a) + "]")),
            (1, ObjectOf(depth - 1)));

    public static Gen<string> ObjectOf(int depth) =>
        Gen.Select(Text, AnyValue(depth)).Array[0, 3].Select(a => "{" + string.Join(",", a.Select(p => Str("k" + p.Item1) + ":" + p.Item2)) + "}");

    public static Gen<string> ValidValue(Field f) => f.Kind switch
    {
        Kind.Num => InRange(f.ValidMin ?? f.Min, f.ValidMax ?? f.Max, f.MinExclusive, f.MaxExclusive).Select(Num),
        Kind.Int => Gen.Int[(int)f.Min, (int)f.Max].SelectMany(i => Gen.OneOf(i.ToString(CultureInfo.InvariantCulture), i + ".0", i + "e0")),
        Kind.Str => TextOfLength(f.MinLength, Math.Min(f.MaxLength, 80)).Select(Str),
        Kind.Enum => Gen.OneOf(f.Values!).Select(Str),
        Kind.Guid => GuidText,
        _ => ObjectOf(2),
    };

    // -----------------------------------------------------------------------------------------------------------------
    // Messages

    /// <summary>A valid message of <paramref name="type"/>: (name, JSON value) pairs, type first, unknown fields sometimes.</summary>
    public static Gen<List<(string Name, string Value)>> ValidFields(string type)
    {
        var fields = Types[type];
        // Pairs (x, y) are present together or not at all.
        var choices = fields.Select(f => f.Required
            ? ValidValue(f).Select(v => (f, (string?)v))
            : Gen.Frequency((3, ValidValue(f).Select(v => (f, (string?)v))), (1, Gen.Const((f, (string?)null))), (1, Gen.Const((f, (string?)"null"))))).ToArray();
        var extras = Gen.Select(Gen.OneOf("extra", "note", "_old", "X", "Type"), AnyValue(2)).Array[0, 2];
        return Gen.Select(Gen.Bool, extras, Gen.Bool, Gen.Int[0, int.MaxValue]).SelectMany(t =>
            SequenceOf(choices).Select(values =>
            {
                var (includePair, extra, typeLast, shuffle) = t;
                var list = new List<(string, string)>();
                foreach (var (f, v) in values)
                {
                    if (f.Pair is not null)
                    {
                        if (!includePair) continue;
                        var partner = values.First(p => p.f.Name == f.Pair);
                        // A pair member is always a number when the pair is included.
                        list.Add((f.Name, v is null or "null" ? (partner.Item2 is null or "null" ? Num(1.5) : Num(2.5)) : v));
                        continue;
                    }
                    if (v is not null) list.Add((f.Name, v));
                }
                list.AddRange(extra);
                var rnd = new Random(shuffle);
                list = [.. list.OrderBy(_ => rnd.Next())];
                if (typeLast) list.Add(("type", Str(type)));
                else list.Insert(0, ("type", Str(type)));
                return list;
            }));
    }

    private static Gen<(Field f, string? v)[]> SequenceOf(Gen<(Field, string?)>[] gens) =>
        gens.Length == 0
            ? Gen.Const(Array.Empty<(Field, string?)>())
            : gens.Aggregate(Gen.Const(new List<(Field, string?)>()),
                (acc, g) => acc.SelectMany(list => g.Select(v => { var l = new List<(Field, string?)>(list) { v }; return l; })))
              .Select(l => l.ToArray());

    public static string Render(IEnumerable<(string Name, string Value)> fields) =>
        "{" + string.Join(",", fields.Select(p => Str(p.Name) + ":" + p.Value)) + "}";

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static MessageCase Case(string mutation, string json, string[]? expected, string? validType = null) =>
        new(mutation, WithInvalidUtf8(Utf8(json)), expected, validType);

    private static readonly string[] Documented = ErrorCodes.All;

    /// <summary>Every kind of case, weighted: valid messages, one targeted mutation each, and byte-level noise.</summary>
    public static readonly Gen<MessageCase> Any = Gen.OneOf(TypeNames).SelectMany(type => ValidFields(type).SelectMany(fields => Gen.Frequency(
        (6, Gen.Const(Case("valid", Render(fields), null, type))),
        (8, Mutated(type, fields)),
        (2, ByteNoise(Render(fields))),
        (1, Structural(type, fields))).Select(c => c with { ForType = type })));

    /// <summary>One field of a valid message made wrong in one way, with the code the parser must answer.</summary>
    private static Gen<MessageCase> Mutated(string type, List<(string Name, string Value)> fields)
    {
        var spec = Types[type];
        var present = spec.Where(f => fields.Any(p => p.Name == f.Name && p.Value != "null")).ToArray();
        var required = spec.Where(f => f.Required).ToArray();
        var options = new List<(int, Gen<MessageCase>)>();
        if (required.Length > 0)
            options.Add((2, Gen.OneOf(required).SelectMany(f => Gen.Bool.Select(asNull =>
                Case($"missing {f.Name}", Render(asNull ? Replace(fields, f.Name, "null") : fields.Where(p => p.Name != f.Name)), [ErrorCodes.MissingField]) with { FieldLevel = true }))));
        var pairs = present.Where(f => f.Pair is not null).ToArray();
        if (pairs.Length > 0)
            options.Add((1, Gen.OneOf(pairs).Select(f => Case($"half pair {f.Name}", Render(fields.Where(p => p.Name != f.Name)), [ErrorCodes.MissingField]) with { FieldLevel = true })));
        if (present.Length > 0)
            options.Add((8, Gen.OneOf(present).SelectMany(f => BadValue(f).Select(bad =>
                Case($"{bad.What} {f.Name}", Render(Replace(fields, f.Name, bad.Json)), bad.Codes) with { FieldLevel = true }))));
        if (type == MessageTypes.SubscribeField)
            options.Add((1, Gen.Double[0, 15].Select(v => Case("empty viewport", Render([.. fields.Where(p => p.Name is not ("x0" or "x1")), ("x0", Num(v + 1)), ("x1", Num(v))]), [ErrorCodes.OutOfRange]))));
        options.Add((1, Gen.OneOf("", "Heartbeat", "harmonic-stream", "ping", "disconnect ", "\u0000").Select(t =>
            Case("unknown type", Render(Replace(fields, "type", Str(t))), [ErrorCodes.UnknownType]))));
        options.Add((1, Gen.OneOf("1", "null", "true", "[\"heartbeat\"]", "{}").SelectMany(t => Gen.Bool.Select(drop =>
            Case("bad type field", Render(drop ? fields.Where(p => p.Name != "type") : Replace(fields, "type", t)), [ErrorCodes.MissingType])))));
        options.Add((1, Gen.Int[0, 14].Select(d => Case($"nested {d}", Render([.. fields, ("deep", Nest(d))]), null, type))));
        options.Add((1, Gen.Int[16, 400].Select(d => Case($"nested {d}", Render([.. fields, ("deep", Nest(d))]), [ErrorCodes.TooDeep]))));
        options.Add((1, Gen.Int[20_000, 200_000].Select(n => Case("huge unknown string", Render([.. fields, ("blob", Str(new string('x', n)))]), null, type))));
        options.Add((1, Gen.Const(Case("duplicate keys", Render([.. fields, .. fields]), null, null))));
        return Gen.Frequency([.. options]);
    }

    private static List<(string Name, string Value)> Replace(IEnumerable<(string Name, string Value)> fields, string name, string value) =>
        [.. fields.Select(p => p.Name == name ? (p.Name, value) : p)];

    private static string Nest(int depth) => new string('[', depth) + "1" + new string(']', depth);

    /// <summary>A wrong value for a field that is present, with the accepted codes.</summary>
    private static Gen<(string What, string Json, string[] Codes)> BadValue(Field f)
    {
        var wrongType = f.Kind switch
        {
            Kind.Num or Kind.Int => Gen.OneOf("\"12\"", "true", "false", "[1]", "{}", "{\"v\":1}", "\"NaN\""),
            Kind.Obj => Gen.OneOf("[1]", "[]", "\"x\"", "3", "true"),
            _ => Gen.OneOf("12", "true", "[]", "{}", "[\"bloom\"]"),
        };
        var list = new List<(int, Gen<(string, string, string[])>)>
        {
            (2, wrongType.Select(j => ("wrong type", j, new[] { ErrorCodes.InvalidType }))),
        };
        string lone = "\"a\\ud800b\"";
        switch (f.Kind)
        {
            case Kind.Num or Kind.Int:
                list.Add((2, OutOfRange(f).Select(d => ("out of range", Num(d), new[] { ErrorCodes.OutOfRange }))));
                list.Add((1, Gen.OneOf("1e400", "-1e400", "7e999", "-2E+309", "1" + new string('0', 400)).Select(j => ("not finite", j, new[] { ErrorCodes.NotFinite }))));
                list.Add((1, Gen.OneOf("NaN", "Infinity", "-Infinity", "+1", "01", "1.", ".5", "0x10", "1e", "--1").Select(j => ("not json number", j, new[] { ErrorCodes.InvalidJson }))));
                if (f.Kind == Kind.Int)
                    list.Add((1, Gen.Double[f.Min, f.Max - 1].Where(d => d != Math.Floor(d)).Select(d => ("fraction", Num(d), new[] { ErrorCodes.InvalidType }))));
                break;
            case Kind.Str:
                list.Add((2, TextOfLength(f.MaxLength + 1, f.MaxLength + 40).Select(s => ("too long", Str(s), new[] { ErrorCodes.StringTooLong }))));
                list.Add((1, Gen.Int[100_000, 300_000].Select(n => ("huge", Str(new string('é', n)), new[] { ErrorCodes.StringTooLong }))));
                if (f.MinLength > 0) list.Add((1, Gen.Const(("empty", "\"\"", new[] { ErrorCodes.StringTooLong }))));
                list.Add((1, Gen.Const(("lone surrogate", lone, new[] { ErrorCodes.InvalidValue }))));
                break;
            case Kind.Enum:
                list.Add((2, Gen.OneOf("BLOOM", "", "spiral ", "x", "json2", "entangled").Select(s => ("not in set", Str(s), new[] { ErrorCodes.InvalidValue, ErrorCodes.StringTooLong }))));
                list.Add((1, TextOfLength(33, 80).Select(s => ("long enum", Str(s), new[] { ErrorCodes.StringTooLong }))));
                list.Add((1, Gen.Const(("lone surrogate", lone, new[] { ErrorCodes.InvalidValue }))));
                break;
            case Kind.Guid:
                list.Add((2, Gen.OneOf("not-a-guid", "00000000-0000-0000-0000-000000000000", "1234", "{00000000-0000-0000-0000-00000000000g}", "")
                    .Select(s => ("bad guid", Str(s), new[] { ErrorCodes.InvalidValue, ErrorCodes.StringTooLong }))));
                list.Add((1, TextOfLength(65, 100).Select(s => ("long guid", Str(s), new[] { ErrorCodes.StringTooLong }))));
                list.Add((1, Gen.Const(("lone surrogate", "\"\\udc00\"", new[] { ErrorCodes.InvalidValue }))));
                break;
            case Kind.Obj:
                list.Add((1, Gen.Const(("lone surrogate inside", "{\"k\":\"\\ud83d\"}", new[] { ErrorCodes.InvalidValue }))));
                list.Add((1, Gen.Const(("lone surrogate key", "{\"\\udfff\":1}", new[] { ErrorCodes.InvalidValue }))));
                break;
        }
        // Invalid UTF-8 bytes inside a string (U+FFFF is encoded as an overlong-free marker replaced below).
        list.Add((1, Gen.OneOf("\"\uFFFF\"").Select(j => ("invalid utf-8", j, new[] { ErrorCodes.InvalidJson }))));
        return Gen.Frequency([.. list]);
    }

    private static Gen<double> OutOfRange(Field f)
    {
        var below = f.MinExclusive ? Gen.Double[f.Min - 1e3, f.Min].Select(d => Math.Min(d, f.Min)) : Gen.Double[f.Min - 1e3, Math.BitDecrement(f.Min)];
        var above = f.MaxExclusive ? Gen.Double[f.Max, f.Max + 1e3] : Gen.Double[Math.BitIncrement(f.Max), f.Max + 1e3];
        return Gen.OneOf(below, above, Gen.OneOf(-1e300, 1e300, f.Max * 10 + 1, -f.Max * 10 - 1).Where(d => d < f.Min || d > f.Max),
            Gen.Const(f.MinExclusive ? f.Min : Math.BitDecrement(f.Min)), Gen.Const(f.MaxExclusive ? f.Max : Math.BitIncrement(f.Max)));
    }

    /// <summary>Whole-message damage: truncation, non-objects, invalid UTF-8.</summary>
    private static Gen<MessageCase> Structural(string type, List<(string Name, string Value)> fields)
    {
        string json = Render(fields);
        return Gen.Frequency(
            (3, Gen.Int[0, json.Length - 1].Select(n => Case("truncated", json[..n], [ErrorCodes.InvalidJson]))),
            (2, Gen.OneOf("[]", "[" + json + "]", "1", "\"heartbeat\"", "true", "null", "", " ", "{}}", json + json, json + "x", "\uFEFF" + json)
                .Select(j => Case("not one object", j, [ErrorCodes.InvalidJson, ErrorCodes.MissingType]))),
            (1, Gen.Byte[0x80, 0xFF].Array[1, 4].Select(bad =>
            {
                // Invalid UTF-8 inside the type string.
                var bytes = Utf8(json).ToList();
                int at = json.IndexOf('"' + type + '"', StringComparison.Ordinal) + 1;
                bytes.InsertRange(at, bad);
                return new MessageCase("invalid utf-8 bytes", [.. bytes], null, null);
            })));
    }

    /// <summary>Random byte-level damage of a valid message: any documented outcome.</summary>
    private static Gen<MessageCase> ByteNoise(string json) =>
        Gen.Select(Gen.Int[0, json.Length], Gen.Byte, Gen.Int[0, 2]).Array[1, 4].Select(edits =>
        {
            var bytes = Utf8(json).ToList();
            foreach (var (at, b, op) in edits)
            {
                int k = Math.Min(at, bytes.Count);
                switch (op)
                {
                    case 0: bytes.Insert(k, b); break;
                    case 1 when k < bytes.Count: bytes[k] = b; break;
                    default: if (k < bytes.Count) bytes.RemoveAt(k); break;
                }
            }
            return new MessageCase("byte noise", [.. bytes], null, null);
        });

    /// <summary>Replaces the marker U+FFFF (encoded EF BF BF) by bytes that are not UTF-8.</summary>
    public static byte[] WithInvalidUtf8(byte[] utf8)
    {
        var list = new List<byte>(utf8.Length);
        for (int i = 0; i < utf8.Length; i++)
        {
            if (i + 2 < utf8.Length && utf8[i] == 0xEF && utf8[i + 1] == 0xBF && utf8[i + 2] == 0xBF)
            {
                list.AddRange([0xC3, 0x28, 0xFF]);
                i += 2;
            }
            else list.Add(utf8[i]);
        }
        return [.. list];
    }

    public static readonly string[] DocumentedCodes = Documented;
}
