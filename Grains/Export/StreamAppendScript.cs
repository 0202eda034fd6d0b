using StackExchange.Redis;

namespace Resonance.Grains.Export;

/// <summary>
/// One batch of entries appended atomically after a position check, in one round trip. A script runs alone and stops at
/// its first failing command, so what it adds is always a prefix of the batch: the stream never gets a later event
/// without the earlier ones, and an exporter whose idea of the position is stale (another activation ran meanwhile) adds
/// nothing and learns the real position instead.
/// </summary>
public static class StreamAppendScript
{
    // ARGV: expected last id, MAXLEN (0 = none), entry count, then per entry: id, field count, field, value, ...
    // Returns { entries added, the stream's last id after }.
    public const string Lua = """
        local last = '0-0'
        local info = redis.pcall('XINFO', 'STREAM', KEYS[1])
        if type(info) == 'table' and info.err == nil then
          for i = 1, #info, 2 do
            if info[i] == 'last-generated-id' then last = info[i + 1] end
          end
        end
        if last ~= ARGV[1] then return { 0, last } end
        local maxlen = ARGV[2]
        local count = tonumber(ARGV[3])
        local at = 4
        for e = 1, count do
          local id = ARGV[at]
          local fields = tonumber(ARGV[at + 1])
          local args = { 'XADD', KEYS[1] }
          if maxlen ~= '0' then
            args[#args + 1] = 'MAXLEN'
            args[#args + 1] = '~'
            args[#args + 1] = maxlen
          end
          args[#args + 1] = id
          for f = 0, 2 * fields - 1 do args[#args + 1] = ARGV[at + 2 + f] end
          redis.call(unpack(args))
          at = at + 2 + 2 * fields
          last = id
        end
        return { count, last }
        """;

    public static RedisValue[] Arguments(RedisValue expectedLast, long maxLength, IReadOnlyList<(RedisValue Id, NameValueEntry[] Fields)> entries)
    {
        var args = new List<RedisValue>(3 + entries.Count * 24) { expectedLast, maxLength, entries.Count };
        foreach (var (id, fields) in entries)
        {
            args.Add(id);
            args.Add(fields.Length);
            foreach (var f in fields)
            {
                args.Add(f.Name.ToString());
                args.Add(f.Value);
            }
        }
        return [.. args];
    }

    /// <summary>Runs the script: entries added and the stream's last id afterwards.</summary>
    public static async Task<(long Added, RedisValue Last)> RunAsync(IDatabase db, RedisKey stream, RedisValue expectedLast, long maxLength,
        IReadOnlyList<(RedisValue Id, NameValueEntry[] Fields)> entries)
    {
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(Lua, [stream], Arguments(expectedLast, maxLength, entries)))!;
        return ((long)result[0], (RedisValue)result[1]);
    }

    /// <summary>The stream's last id ("0-0" when it does not exist).</summary>
    public static async Task<RedisValue> LastIdAsync(IDatabase db, RedisKey stream) =>
        (await RunAsync(db, stream, "", 0, [])).Last;
}
