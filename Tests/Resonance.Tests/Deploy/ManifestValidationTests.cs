using System.Diagnostics;
using Resonance.Tests.Processes;

namespace Resonance.Tests.Deploy;

/// <summary>
/// The Kubernetes manifests in deploy/k8s pass the official OpenAPI schemas (kubernetes-models, run by
/// deploy/k8s/validate/run.sh, which installs its pinned npm packages on first use) and the production-shape policy;
/// and the validator does fail on broken input, both on the schema and on the policy.
/// </summary>
public sealed class ManifestValidationTests
{
    private static string K8s => Path.Combine(SiloProcess.RepositoryRoot(), "deploy", "k8s");

    private static (int Code, string Output) Validate(params string[] args)
    {
        string script = Path.Combine(K8s, "validate", "run.sh");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(script)! };
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // The first run may install the npm packages (npm ci); later runs take well under a second.
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("deploy/k8s/validate/run.sh did not finish in 5 minutes: " + stderr.Result);
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>A copy of deploy/k8s (manifests and examples, not the validator) to break on purpose.</summary>
    private static string CopySuite()
    {
        string dir = Directory.CreateTempSubdirectory("resonance-k8s-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "examples"));
        foreach (var f in Directory.GetFiles(K8s, "*.yaml")) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        foreach (var f in Directory.GetFiles(Path.Combine(K8s, "examples"), "*.yaml")) File.Copy(f, Path.Combine(dir, "examples", Path.GetFileName(f)));
        return dir;
    }

    private static void Replace(string file, string from, string to)
    {
        string text = File.ReadAllText(file);
        Assert.True(text.Contains(from, StringComparison.Ordinal), $"{Path.GetFileName(file)} no longer contains the text this test breaks: {from}");
        File.WriteAllText(file, text.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_manifest_passes_the_kubernetes_schemas_and_the_deployment_policy()
    {
        var (code, output) = Validate();
        Assert.True(code == 0, "the validator failed:\n" + output);
        Assert.Contains("policy checked; 0 error(s)", output);
        // Every file was read, and the objects the issue asks for are there and valid.
        foreach (var f in Directory.GetFiles(K8s, "*.yaml").Concat(Directory.GetFiles(Path.Combine(K8s, "examples"), "*.yaml")))
            Assert.Contains(Path.GetRelativePath(K8s, f) + "#1 ", output);
        foreach (var expected in new[]
        {
            "v1 Namespace resonance",
            "apps/v1 Deployment resonance-silo", "apps/v1 Deployment resonance-gateway",
            "policy/v1 PodDisruptionBudget resonance-silo", "policy/v1 PodDisruptionBudget resonance-gateway",
            "autoscaling/v2 HorizontalPodAutoscaler resonance-gateway",
            "v1 Service resonance-gateway", "v1 Service resonance-postgres", "v1 Service resonance-redis",
            "networking.k8s.io/v1 Ingress resonance", "v1 Secret resonance-connections", "v1 Secret resonance-auth",
        })
            Assert.Contains("ok     ", output.Split('\n').FirstOrDefault(l => l.EndsWith(" " + expected, StringComparison.Ordinal)) ?? $"(no line for {expected})");
    }

    [Fact]
    public void The_validator_reports_schema_errors_unknown_kinds_and_bad_yaml()
    {
        string dir = Directory.CreateTempSubdirectory("resonance-k8s-bad-").FullName;
        try
        {
            string file = Path.Combine(dir, "broken.yaml");
            File.WriteAllText(file, """
                apiVersion: apps/v1
                kind: Deployment
                metadata: { name: broken, namespace: resonance }
                spec:
                  replicas: "three"
                  selector: { matchLabels: { app: broken } }
                  template:
                    metadata: { labels: { app: broken } }
                    spec:
                      containers:
                        - name: silo
                          image: resonance/silo:0.1.0
                          ports: [{ name: http, containerPort: "8080" }]
                ---
                apiVersion: example.com/v1
                kind: Widget
                metadata: { name: gadget }
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: { name: twice }
                data: { key: "1", key: "2" }
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: { name: fine, namespace: resonance }
                data: { key: "1" }
                """);
            var (code, output) = Validate(file);
            Assert.True(code == 1, "expected exit code 1, got " + code + ":\n" + output);
            Assert.Contains("apps/v1 Deployment broken: /spec/replicas must be integer", output);
            Assert.Contains("apps/v1 Deployment broken: /spec/template/spec/containers/0/ports/0/containerPort must be integer", output);
            Assert.Contains("example.com/v1 Widget gadget: unknown kind", output);
            Assert.Contains("broken.yaml#3: YAML: Map keys must be unique", output);
            Assert.Contains($"ok     {file}#4 v1 ConfigMap fine", output);
            Assert.DoesNotContain($"ok     {file}#1", output);
            Assert.Contains("1 valid document(s) in 1 file(s); 4 error(s)", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_policy_rejects_a_rollout_that_may_drop_a_silo_a_gateway_without_drain_and_a_readiness_probe_that_calls_nothing()
    {
        string dir = CopySuite();
        try
        {
            // The untouched copy passes: what fails below is what this test changed.
            var (intact, intactOutput) = Validate("--policy", dir);
            Assert.True(intact == 0, "the copied suite failed:\n" + intactOutput);

            Replace(Path.Combine(dir, "20-silo.yaml"), "maxUnavailable: 0", "maxUnavailable: 1");
            Replace(Path.Combine(dir, "20-silo.yaml"), "readinessProbe:\n            httpGet: { path: /healthz", "readinessProbe:\n            httpGet: { path: /livez");
            Replace(Path.Combine(dir, "30-gateway.yaml"), """
                          lifecycle:
                            preStop:
                              exec:
                                command: ["/bin/sleep", "5"]

                """, "");
            var (code, output) = Validate("--policy", dir);
            Assert.True(code == 1, "expected exit code 1, got " + code + ":\n" + output);
            // The schema still passes: these are policy violations only, each reported once.
            Assert.Contains("policy checked; 3 error(s)", output);
            Assert.Contains("policy Deployment resonance-silo: spec.strategy.rollingUpdate.maxUnavailable must be 0 (is 1)", output);
            Assert.Contains("policy Deployment resonance-silo container silo: readinessProbe must GET /healthz (is /livez)", output);
            Assert.Contains("policy Deployment resonance-gateway container gateway: lifecycle.preStop is required", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
