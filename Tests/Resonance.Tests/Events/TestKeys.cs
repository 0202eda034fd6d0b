using Microsoft.Extensions.Logging.Abstractions;
using Resonance.Grains.Privacy;

namespace Resonance.Tests.Events;

/// <summary>Data keys for event stores built directly in tests: one master key for the whole run, so several stores on one database agree.</summary>
public static class TestKeys
{
    public static readonly MasterKeyRing Ring = new(new Dictionary<string, byte[]> { ["test-1"] = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) }, "test-1");

    public static Func<ISubjectKeyStore, SubjectKeys> With(MasterKeyRing? ring = null) =>
        store => new SubjectKeys(store, ring ?? Ring, new PrivacyOptions(), NullLogger<SubjectKeys>.Instance);
}
