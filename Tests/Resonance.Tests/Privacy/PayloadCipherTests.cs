using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Resonance.Grains.Privacy;

namespace Resonance.Tests.Privacy;

/// <summary>The sealing of payloads and the master key ring, without Orleans: binding, tampering, rotation by rewrap.</summary>
public sealed class PayloadCipherTests
{
    private static MasterKeyRing Ring(params (string Id, byte[] Key)[] keys) =>
        new(keys.ToDictionary(k => k.Id, k => k.Key), keys[^1].Id);

    private static SubjectKeys Keys(ISubjectKeyStore store, MasterKeyRing ring) => new(store, ring, new PrivacyOptions(), NullLogger<SubjectKeys>.Instance);

    [Fact]
    public async Task A_payload_opens_only_with_its_subjects_key_for_its_own_row()
    {
        var keys = Keys(new MemorySubjectKeyStore(), Ring(("k1", RandomNumberGenerator.GetBytes(32))));
        Guid alice = Guid.NewGuid(), bob = Guid.NewGuid(), row = Guid.NewGuid();
        var a = (await keys.GetOrCreateAsync(alice))!;
        var b = (await keys.GetOrCreateAsync(bob))!;
        var sealedPayload = a.Seal(row, "{\"secret\":\"blue\"}");
        Assert.Equal("{\"secret\":\"blue\"}", a.Open(row, sealedPayload));
        Assert.DoesNotContain("blue", System.Text.Encoding.UTF8.GetString(sealedPayload));
        // Another subject's key, another row, a flipped bit: all refused.
        Assert.ThrowsAny<CryptographicException>(() => b.Open(row, sealedPayload));
        Assert.ThrowsAny<CryptographicException>(() => a.Open(Guid.NewGuid(), sealedPayload));
        sealedPayload[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => a.Open(row, sealedPayload));
        // Two seals of one text differ (random nonces).
        Assert.NotEqual(a.Seal(row, "x"), a.Seal(row, "x"));
    }

    [Fact]
    public async Task Rotating_the_master_key_rewraps_every_data_key_and_the_old_key_can_then_go()
    {
        var store = new MemorySubjectKeyStore();
        byte[] k1 = RandomNumberGenerator.GetBytes(32), k2 = RandomNumberGenerator.GetBytes(32);
        var before = Keys(store, Ring(("k1", k1)));
        await before.InitializeAsync(CancellationToken.None);
        var subjects = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        var row = Guid.NewGuid();
        var sealedBySubject = new Dictionary<Guid, byte[]>();
        foreach (var s in subjects) sealedBySubject[s] = (await before.GetOrCreateAsync(s))!.Seal(row, $"payload of {s}");

        // Both keys configured, k2 active: the start rewraps.
        var rotating = Keys(store, Ring(("k1", k1), ("k2", k2)));
        await rotating.InitializeAsync(CancellationToken.None);
        Assert.Empty(await store.WrappedByOthersAsync("k2", 100, CancellationToken.None));
        var stored = await store.ReadAsync(subjects, CancellationToken.None);
        Assert.All(stored.Values, k => Assert.Equal("k2", k.MasterKeyId));

        // k1 removed: every payload still opens, through keys wrapped by k2 alone.
        var after = Keys(store, Ring(("k2", k2)));
        await after.InitializeAsync(CancellationToken.None);
        foreach (var s in subjects) Assert.Equal($"payload of {s}", (await after.GetAsync(s))!.Open(row, sealedBySubject[s]));
    }

    [Fact]
    public async Task A_different_key_under_a_known_id_is_refused_at_start_and_a_shredded_key_is_never_recreated()
    {
        var store = new MemorySubjectKeyStore();
        var keys = Keys(store, Ring(("k1", RandomNumberGenerator.GetBytes(32))));
        await keys.InitializeAsync(CancellationToken.None);
        var impostor = Keys(store, Ring(("k1", RandomNumberGenerator.GetBytes(32))));
        await Assert.ThrowsAsync<InvalidOperationException>(() => impostor.InitializeAsync(CancellationToken.None));

        var subject = Guid.NewGuid();
        Assert.NotNull(await keys.GetOrCreateAsync(subject));
        await keys.ShredAsync(subject);
        Assert.Null(await keys.GetAsync(subject));
        Assert.Null(await keys.GetOrCreateAsync(subject));
        Assert.True((await store.ReadAsync([subject], CancellationToken.None))[subject].Erased);
    }

    [Fact]
    public void The_generated_master_key_file_is_made_once_and_read_back()
    {
        string path = Path.Combine(TempDirectories.Create("resonance-keys-"), "master-keys.json");
        var first = MasterKeyRing.FromFile(path);
        var again = MasterKeyRing.FromFile(path);
        var subject = Guid.NewGuid();
        var wrapped = first.Wrap(subject, new byte[32]);
        Assert.Equal(new byte[32], again.Unwrap(first.ActiveId, subject, wrapped));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
