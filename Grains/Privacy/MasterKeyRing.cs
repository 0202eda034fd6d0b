using System.Security.Cryptography;
using System.Text.Json;

namespace Resonance.Grains.Privacy;

/// <summary>
/// The master keys (by id) that wrap subjects' data keys, and which one wraps new keys. They come from configuration
/// (<see cref="PrivacyOptions.MasterKeys"/>); without any, one is generated once into
/// <see cref="PrivacyOptions.MasterKeyFile"/> (owner-only permissions) and read from there on every later start.
/// </summary>
public sealed class MasterKeyRing
{
    private readonly Dictionary<string, byte[]> _keys;

    public string ActiveId { get; }

    public IReadOnlyCollection<string> Ids => _keys.Keys;

    public MasterKeyRing(IReadOnlyDictionary<string, byte[]> keys, string activeId)
    {
        if (keys.Count == 0) throw new ArgumentException("At least one master key is needed.");
        foreach (var (id, key) in keys)
        {
            if (string.IsNullOrWhiteSpace(id) || id.Length > 64) throw new ArgumentException($"Master key id '{id}' must be 1..64 characters.");
            if (key.Length != DataKey.Size) throw new ArgumentException($"Master key '{id}' must be {DataKey.Size} bytes (base64 of 32 random bytes).");
        }
        if (!keys.ContainsKey(activeId)) throw new ArgumentException($"The active master key '{activeId}' is not among the configured keys.");
        _keys = keys.ToDictionary(k => k.Key, k => k.Value.ToArray());
        ActiveId = activeId;
    }

    /// <summary>A random key for this process only (silos without persistent storage: nothing they seal outlives them).</summary>
    public static MasterKeyRing Ephemeral { get; } = new(new Dictionary<string, byte[]> { ["ephemeral"] = RandomNumberGenerator.GetBytes(DataKey.Size) }, "ephemeral");

    public static MasterKeyRing FromOptions(PrivacyOptions options, string defaultFile)
    {
        if (options.MasterKeys.Count > 0)
        {
            var keys = new Dictionary<string, byte[]>();
            foreach (var (id, text) in options.MasterKeys)
            {
                try
                {
                    keys[id] = Convert.FromBase64String(text);
                }
                catch (FormatException)
                {
                    throw new ArgumentException($"Resonance:Privacy:MasterKeys:{id} is not base64.");
                }
            }
            string active = string.IsNullOrWhiteSpace(options.ActiveMasterKey)
                ? keys.Count == 1 ? keys.Keys.Single() : throw new ArgumentException("Several master keys are configured: set Resonance:Privacy:ActiveMasterKey.")
                : options.ActiveMasterKey;
            return new MasterKeyRing(keys, active);
        }
        return FromFile(string.IsNullOrWhiteSpace(options.MasterKeyFile) ? defaultFile : options.MasterKeyFile);
    }

    /// <summary>The generated key in <paramref name="path"/>, created on first use (atomically: concurrent starts agree on one key).</summary>
    public static MasterKeyRing FromFile(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var generated = new KeyFile { Active = "local-1", Keys = new() { ["local-1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(DataKey.Size)) } };
            string temp = $"{path}.{Guid.NewGuid():N}.tmp";
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, create)) JsonSerializer.Serialize(stream, generated);
            try
            {
                // Fails when another process created it first; then both use that one.
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
            }
        }
        var file = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path))
            ?? throw new InvalidOperationException($"Master key file {path} is empty.");
        return new MasterKeyRing(file.Keys.ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value)), file.Active);
    }

    private sealed class KeyFile
    {
        public string Active { get; set; } = "";
        public Dictionary<string, string> Keys { get; set; } = [];
    }

    public bool Has(string id) => _keys.ContainsKey(id);

    /// <summary>Wraps a subject's data key with the active master key.</summary>
    public byte[] Wrap(Guid subject, byte[] dataKey) => Wrap(ActiveId, subject, dataKey);

    public byte[] Wrap(string masterKeyId, Guid subject, byte[] dataKey)
    {
        using var aes = new AesGcm(Key(masterKeyId), PayloadCipher.TagSize);
        return PayloadCipher.Seal(aes, dataKey, PayloadCipher.WrapBinding(subject, masterKeyId));
    }

    public byte[] Unwrap(string masterKeyId, Guid subject, byte[] wrapped)
    {
        using var aes = new AesGcm(Key(masterKeyId), PayloadCipher.TagSize);
        return PayloadCipher.Open(aes, wrapped, PayloadCipher.WrapBinding(subject, masterKeyId));
    }

    /// <summary>A value sealed by a master key under a fixed binding: the store keeps one per key id to notice a changed key.</summary>
    public byte[] Check(string masterKeyId) => Wrap(masterKeyId, Guid.Empty, new byte[DataKey.Size]);

    public bool Verifies(string masterKeyId, byte[] check)
    {
        try
        {
            return Unwrap(masterKeyId, Guid.Empty, check).AsSpan().SequenceEqual(new byte[DataKey.Size]);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private byte[] Key(string id) => _keys.TryGetValue(id, out var key) ? key
        : throw new CryptographicException($"Master key '{id}' is not configured (it wraps stored data keys: keep it until a rewrap has moved them).");
}
