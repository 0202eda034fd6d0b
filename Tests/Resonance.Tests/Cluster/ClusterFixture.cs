using Orleans.TestingHost;
using Resonance.Grains.Hosting;

namespace Resonance.Tests.Cluster;

/// <summary>A real two-silo Orleans cluster (in-process silos, real messaging between them), shared by a test class.</summary>
public abstract class ClusterFixtureBase : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    protected abstract short Silos { get; }

    protected abstract void Configure(TestClusterBuilder builder);

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(Silos);
        Configure(builder);
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>Two silos, participants stale after a minute (longer than any test here).</summary>
public sealed class ClusterFixture : ClusterFixtureBase
{
    protected override short Silos => 2;

    protected override void Configure(TestClusterBuilder builder) => builder.AddSiloBuilderConfigurator<Silo>();

    private sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.AddResonanceGrains(o => o.ParticipantStaleAfter = TimeSpan.FromMinutes(1)).AddResonanceMemoryStorage();
    }
}

/// <summary>Two silos with a short stale period, for the eviction tests.</summary>
public sealed class ShortStaleClusterFixture : ClusterFixtureBase
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(1.5);

    protected override short Silos => 2;

    protected override void Configure(TestClusterBuilder builder) => builder.AddSiloBuilderConfigurator<Silo>();

    private sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.AddResonanceGrains(o => o.ParticipantStaleAfter = StaleAfter).AddResonanceMemoryStorage();
    }
}
