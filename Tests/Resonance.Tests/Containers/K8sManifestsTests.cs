using Resonance.Tests.Processes;

namespace Resonance.Tests.Containers;

/// <summary>The environment the container tests take from the Kubernetes manifests (no Docker needed).</summary>
public sealed class K8sManifestsTests
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Secrets =
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [ContainerCluster.ConnectionsSecret] = new Dictionary<string, string>
            {
                ["Resonance__Storage__Postgres"] = "Host=127.0.0.1;Port=1",
                ["Resonance__Cluster__Redis"] = "127.0.0.1:2",
            },
            [ContainerCluster.AuthSecret] = new Dictionary<string, string>
            {
                ["Resonance__Auth__SigningKey"] = "c2lnbmluZy1rZXktb2YtdGhpcy10ZXN0LTMyLWJ5dGVzIQ==",
                ["Resonance__Auth__PseudonymKey"] = "cHNldWRvbnltLWtleS1vZi10aGlzLXRlc3QtMzJieXRlcw==",
            },
            [ContainerCluster.PrivacySecret] = new Dictionary<string, string> { ["master-key-k1"] = "a2V5", ["log-signing-key"] = "bG9n" },
        };

    [Fact]
    public void The_repository_manifests_give_both_deployments_their_environment()
    {
        string dir = K8sManifests.Directory(SiloProcess.RepositoryRoot());
        var silo = K8sManifests.ContainerEnvironment(dir, ContainerCluster.SiloDeployment, ContainerCluster.SiloContainer, new("silo-0"), Secrets)
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        var gateway = K8sManifests.ContainerEnvironment(dir, ContainerCluster.GatewayDeployment, ContainerCluster.GatewayContainer, new("gateway-0"), Secrets)
            .ToDictionary(kv => kv.Key, kv => kv.Value);

        Assert.Equal("127.0.0.1", silo["Resonance__Silo__AdvertisedIp"]);
        Assert.Equal("Host=127.0.0.1;Port=1", silo["Resonance__Storage__Postgres"]);
        Assert.Equal("127.0.0.1:2", silo["Resonance__Cluster__Redis"]);
        Assert.Equal(("k1", "a2V5"), (silo["Resonance__Privacy__ActiveMasterKey"], silo["Resonance__Privacy__MasterKeys__k1"]));
        Assert.Equal("bG9n", silo["Resonance__Log__SigningKey"]);
        // The gateways sign nothing: the key stays with the silos.
        Assert.False(gateway.ContainsKey("Resonance__Log__SigningKey"));
        Assert.Equal("client", gateway["Resonance__Gateway__Mode"]);
        Assert.Equal("127.0.0.1:2", gateway["Resonance__Cluster__Redis"]);
    }

    [Fact]
    public void Field_refs_secret_refs_and_precedence_are_resolved_like_kubernetes()
    {
        string dir = Directory.CreateTempSubdirectory("resonance-k8s-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata: { name: extra }
                data: { FROM_MAP: "m", SHARED: "map" }
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: { name: other }
                spec: { template: { spec: { containers: [ { name: silo, env: [ { name: WRONG, value: "1" } ] } ] } } }
                """);
            File.WriteAllText(Path.Combine(dir, "b.yml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata: { name: resonance-silo, namespace: resonance }
                spec:
                  template:
                    spec:
                      containers:
                        - name: sidecar
                          env: [ { name: WRONG, value: "2" } ]
                        - name: silo
                          envFrom:
                            - secretRef: { name: resonance-connections }
                            - configMapRef: { name: extra }
                          env:
                            - { name: Resonance__Cluster__Redis, value: "overridden" }
                            - name: IP
                              valueFrom: { fieldRef: { fieldPath: status.podIP } }
                            - name: POD
                              valueFrom: { fieldRef: { fieldPath: metadata.name } }
                            - name: NS
                              valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
                            - name: PG
                              valueFrom: { secretKeyRef: { name: resonance-connections, key: Resonance__Storage__Postgres } }
                            - { name: URL, value: "http://$(IP):8080" }
                            - { name: SHARED, value: "env" }
                """);
            var env = K8sManifests.ContainerEnvironment(dir, "resonance-silo", "silo", new("pod-7"), Secrets);
            var map = env.ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.Equal("overridden", map["Resonance__Cluster__Redis"]);
            Assert.Equal("Host=127.0.0.1;Port=1", map["Resonance__Storage__Postgres"]);
            Assert.Equal(("127.0.0.1", "pod-7", "resonance"), (map["IP"], map["POD"], map["NS"]));
            Assert.Equal("Host=127.0.0.1;Port=1", map["PG"]);
            Assert.Equal("http://127.0.0.1:8080", map["URL"]);
            Assert.Equal(("m", "env"), (map["FROM_MAP"], map["SHARED"]));
            Assert.False(map.ContainsKey("WRONG"));
            Assert.Equal(env.Count, map.Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
