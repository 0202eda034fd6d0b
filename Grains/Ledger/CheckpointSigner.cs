using System.Security.Cryptography;
using System.Text;

namespace Resonance.Grains.Ledger;

/// <summary>
/// Signs log checkpoints with ECDSA P-256 / SHA-256. The signed bytes are the UTF-8 text of <see cref="SignedText"/>;
/// the signature is IEEE P1363 (r ‖ s, 64 bytes), the form WebCrypto's <c>verify</c> takes. The key comes from
/// configuration, or is generated once into a file (owner-only permissions) that later starts read.
/// </summary>
public sealed class CheckpointSigner : IDisposable
{
    public const string Algorithm = "ECDSA-P256-SHA256";
    public const string Header = "resonance.log.checkpoint.v1";

    private readonly ECDsa _key;

    public byte[] PublicKey { get; }

    /// <summary>Lowercase hex of the first 8 bytes of SHA-256 over the public key (SubjectPublicKeyInfo DER).</summary>
    public string KeyId { get; }

    /// <summary>True when the key was generated into (or read from) the data directory rather than configuration.</summary>
    public bool FromFile { get; }

    private CheckpointSigner(ECDsa key, bool fromFile)
    {
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            throw new ArgumentException("The log signing key must be an ECDSA P-256 key.");
        _key = key;
        FromFile = fromFile;
        PublicKey = key.ExportSubjectPublicKeyInfo();
        KeyId = Convert.ToHexStringLower(SHA256.HashData(PublicKey).AsSpan(0, 8));
    }

    public string PublicKeyPem => PemEncoding.WriteString("PUBLIC KEY", PublicKey);

    /// <summary>The byte string a checkpoint's signature covers: five lines, each ending in a line feed.</summary>
    public static string SignedText(string space, long treeSize, byte[] rootHash, long timestampMs) =>
        $"{Header}\n{space}\n{treeSize}\n{Convert.ToBase64String(rootHash)}\n{timestampMs}\n";

    public byte[] Sign(string space, long treeSize, byte[] rootHash, long timestampMs) =>
        _key.SignData(Encoding.UTF8.GetBytes(SignedText(space, treeSize, rootHash, timestampMs)), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public static CheckpointSigner FromOptions(LedgerOptions options, string defaultFile)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey)) return new CheckpointSigner(Parse(options.SigningKey, $"{LedgerOptions.Section}:SigningKey"), false);
        string path = string.IsNullOrWhiteSpace(options.SigningKeyFile) ? defaultFile : options.SigningKeyFile;
        if (!File.Exists(path)) Generate(path);
        return new CheckpointSigner(Parse(File.ReadAllText(path), path), true);
    }

    public static CheckpointSigner FromKey(ECDsa key) => new(key, false);

    private static ECDsa Parse(string text, string where)
    {
        var key = ECDsa.Create();
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal)) key.ImportFromPem(text);
            else key.ImportPkcs8PrivateKey(Convert.FromBase64String(text.Trim()), out _);
            return key;
        }
        catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new ArgumentException($"{where} is not an ECDSA P-256 private key (PEM, or base64 of PKCS#8 DER): {e.Message}");
        }
    }

    /// <summary>Writes a new key aside and moves it into place without overwriting: two silos starting at once agree on one.</summary>
    private static void Generate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, create))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(key.ExportPkcs8PrivateKeyPem());
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
        }
    }

    public void Dispose() => _key.Dispose();
}
