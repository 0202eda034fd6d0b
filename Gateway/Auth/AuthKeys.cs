using System.Security.Cryptography;

namespace Resonance.Gateway.Auth;

/// <summary>
/// The gateway's two secrets: the token signing key and the pseudonym key. Each comes from configuration, or — for the
/// embedded default — is generated once and kept in the data directory (owner-only file), so tokens and pseudonyms stay
/// valid across restarts.
/// </summary>
public sealed class AuthKeys
{
    public const int MinimumKeyBytes = 32;

    public byte[] Signing { get; }
    public byte[] Pseudonym { get; }
    /// <summary>True when a key was taken from (or written to) the data directory rather than configuration.</summary>
    public bool FromDataDirectory { get; }

    private AuthKeys(byte[] signing, byte[] pseudonym, bool fromDataDirectory)
    {
        Signing = signing;
        Pseudonym = pseudonym;
        FromDataDirectory = fromDataDirectory;
    }

    public static AuthKeys Load(AuthOptions options, string dataDirectory)
    {
        bool local = false;
        var signing = Resolve(options.SigningKey, "SigningKey", dataDirectory, "signing.key", ref local);
        var pseudonym = Resolve(options.PseudonymKey, "PseudonymKey", dataDirectory, "pseudonym.key", ref local);
        return new AuthKeys(signing, pseudonym, local);
    }

    private static byte[] Resolve(string configured, string name, string dataDirectory, string file, ref bool local)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return Decode(configured, $"{AuthOptions.Section}:{name}");
        local = true;
        var directory = Path.Combine(dataDirectory, "keys");
        var path = Path.Combine(directory, file);
        if (File.Exists(path)) return Decode(File.ReadAllText(path).Trim(), path);
        Directory.CreateDirectory(directory);
        var key = RandomNumberGenerator.GetBytes(MinimumKeyBytes);
        // Written aside and moved into place without overwriting: two processes starting at once agree on one key.
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, create))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(key));
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(temp, path, overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return Decode(File.ReadAllText(path).Trim(), path);
        }
    }

    private static byte[] Decode(string base64, string where)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{where} must be base64.");
        }
        if (key.Length < MinimumKeyBytes) throw new InvalidOperationException($"{where} must hold at least {MinimumKeyBytes} bytes, has {key.Length}.");
        return key;
    }
}
