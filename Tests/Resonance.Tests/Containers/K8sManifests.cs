using YamlDotNet.RepresentationModel;

namespace Resonance.Tests.Containers;

/// <summary>
/// The environment a container of a Deployment in <c>deploy/k8s/*.yaml</c> would get in Kubernetes, resolved for this
/// host: the container's <c>env</c> list in order (plain values; <c>valueFrom.fieldRef</c> from the pod's fields;
/// <c>valueFrom.secretKeyRef</c> and <c>envFrom.secretRef</c> from the given secrets), so the containers the tests run
/// are configured by the manifests rather than by a second copy of their settings.
/// </summary>
public static class K8sManifests
{
    /// <summary>The pod fields a <c>fieldRef</c> may name; on one host with host networking the pod IP is loopback.</summary>
    public sealed record PodFields(string Name, string Namespace = "resonance", string PodIp = "127.0.0.1")
    {
        public string Resolve(string fieldPath) => fieldPath switch
        {
            "status.podIP" or "status.hostIP" => PodIp,
            "status.podIPs" => PodIp,
            "metadata.name" => Name,
            "metadata.namespace" => Namespace,
            "spec.nodeName" => "localhost",
            _ => throw new NotSupportedException($"fieldRef {fieldPath} is not resolved on a single host"),
        };
    }

    public static string Directory(string repositoryRoot) => Path.Combine(repositoryRoot, "deploy", "k8s");

    /// <summary>Every YAML document of every <c>*.yaml</c>/<c>*.yml</c> file in the directory.</summary>
    public static IEnumerable<YamlMappingNode> Documents(string directory)
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(directory).Where(f => f.EndsWith(".yaml") || f.EndsWith(".yml")).Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            using (var reader = File.OpenText(file)) stream.Load(reader);
            foreach (var document in stream.Documents)
                if (document.RootNode is YamlMappingNode root) yield return root;
        }
    }

    /// <summary>
    /// The resolved environment of <paramref name="container"/> in the Deployment <paramref name="deployment"/>:
    /// <c>envFrom</c> first, then <c>env</c> (which wins, as in Kubernetes).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ContainerEnvironment(string directory, string deployment, string container,
        PodFields pod, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> secrets)
    {
        var docs = Documents(directory).ToList();
        var found = docs.Where(d => Scalar(d, "kind") == "Deployment" && Scalar(Map(d, "metadata"), "name") == deployment).ToList();
        if (found.Count != 1) throw new InvalidOperationException($"{found.Count} Deployments named {deployment} in {directory}");
        var containers = Seq(Map(Map(Map(found[0], "spec"), "template"), "spec"), "containers");
        var spec = containers.OfType<YamlMappingNode>().SingleOrDefault(c => Scalar(c, "name") == container)
            ?? throw new InvalidOperationException($"Deployment {deployment} has no container {container}");

        var env = new List<KeyValuePair<string, string>>();
        void Set(string name, string value)
        {
            env.RemoveAll(kv => kv.Key == name);
            env.Add(new(name, value));
        }
        IReadOnlyDictionary<string, string> Secret(string name) =>
            secrets.TryGetValue(name, out var s) ? s : throw new InvalidOperationException($"Secret {name} (referenced by {deployment}/{container}) is not provided");

        foreach (var source in Seq(spec, "envFrom").OfType<YamlMappingNode>())
        {
            string prefix = Scalar(source, "prefix") ?? "";
            if (Map(source, "secretRef") is { } secretRef)
                foreach (var (k, v) in Secret(Scalar(secretRef, "name")!)) Set(prefix + k, v);
            else if (Map(source, "configMapRef") is { } configMapRef)
                foreach (var (k, v) in ConfigMap(docs, Scalar(configMapRef, "name")!)) Set(prefix + k, v);
        }
        foreach (var item in Seq(spec, "env").OfType<YamlMappingNode>())
        {
            string name = Scalar(item, "name") ?? throw new InvalidOperationException($"an env entry of {deployment}/{container} has no name");
            if (Scalar(item, "value") is { } value)
                Set(name, Expand(value, env));
            else if (Map(item, "valueFrom") is { } from)
            {
                if (Map(from, "fieldRef") is { } field) Set(name, pod.Resolve(Scalar(field, "fieldPath")!));
                else if (Map(from, "secretKeyRef") is { } key) Set(name, Secret(Scalar(key, "name")!)[Scalar(key, "key")!]);
                else if (Map(from, "configMapKeyRef") is { } cm) Set(name, ConfigMap(docs, Scalar(cm, "name")!)[Scalar(cm, "key")!]);
                else throw new NotSupportedException($"{deployment}/{container} env {name}: unsupported valueFrom");
            }
            else Set(name, "");
        }
        return env;
    }

    private static Dictionary<string, string> ConfigMap(List<YamlMappingNode> docs, string name)
    {
        var map = docs.SingleOrDefault(d => Scalar(d, "kind") == "ConfigMap" && Scalar(Map(d, "metadata"), "name") == name)
            ?? throw new InvalidOperationException($"ConfigMap {name} not found");
        return (Map(map, "data")?.Children.AsEnumerable() ?? []).ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value ?? "");
    }

    /// <summary>Kubernetes' <c>$(VAR)</c> references to variables defined earlier in the list (<c>$$</c> escapes).</summary>
    private static string Expand(string value, List<KeyValuePair<string, string>> defined) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)", m =>
            m.Value == "$$" ? "$" : defined.LastOrDefault(kv => kv.Key == m.Groups[1].Value) is { Key: not null } kv ? kv.Value : m.Value);

    private static YamlMappingNode? Map(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v as YamlMappingNode : null;

    private static IEnumerable<YamlNode> Seq(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlSequenceNode s ? s.Children : [];

    private static string? Scalar(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? (v as YamlScalarNode)?.Value : null;
}
