using System.Globalization;
using Esen.Runtime.Specs;

namespace Esen.Serving.Export;

/// <summary>
/// KServe: per node group an InferenceService (serving.kserve.io/v1beta1) whose predictor is a custom
/// container running <c>esen serve</c> on that group's spec, pinned to the node, with the node's GPUs as
/// <c>nvidia.com/gpu</c>; and, when the members sit on several nodes, an InferenceGraph
/// (serving.kserve.io/v1alpha1) joining the groups. Inside a group Esen itself puts the members on SM
/// partitions of the plan's shares (fixed in the group's spec) and runs the combination rule or the cascade exit.
/// </summary>
internal static class KServeExport
{
    // KServe's custom predictors: the container serving the model must be named kserve-container
    // (KServe docs, "Deploy a custom predictor"); STORAGE_URI on it makes the storage initializer fetch
    // the files into /mnt/models before the container starts.
    private const string ContainerName = "kserve-container";
    private const string ModelMount = "/mnt/models";

    public static void Write(PlannedDeployment deployment, ExportOptions options, ExportFolder folder)
    {
        var services = new List<string>();
        foreach (NodeGroup group in deployment.Groups)
        {
            string service = KubernetesNames.Of(deployment.Name, deployment.Groups.Count > 1 ? group.Node : null);
            services.Add(service);
            string specFile = $"{group.Node}/{deployment.Name}.json";
            Exporter.WriteSpec(deployment, group.Copies, c => c.Copy.Share, folder, specFile);
            folder.WriteText($"{group.Node}/inferenceservice.yaml", Yaml.Write(InferenceService(deployment, group, service, options)));
            if (group.Copies.GroupBy(c => c.Member).Any(m => m.Count() > 1))
            {
                folder.AddLimit($"node {group.Node}: esen serve runs one copy of each member, at its first copy's share; the plan's other replicas there are not deployed (scale the InferenceService with minReplicas instead)");
            }
        }

        if (deployment.Groups.Count > 1)
        {
            folder.WriteText("inferencegraph.yaml", Yaml.Write(InferenceGraph(deployment, services)));
            folder.AddLimit(deployment.Spec.Kind == EnsembleKind.Ensemble
                ? $"the members sit on {deployment.Groups.Count} nodes: the InferenceGraph's Ensemble router returns each node group's combined answer keyed by step name; combining those answers ('{deployment.Spec.Combine.ToString().ToLowerInvariant()}' across nodes) is left to the client"
                : $"the cascade's stages sit on {deployment.Groups.Count} nodes: the InferenceGraph's Sequence router sends every input to every node group in stage order, so inputs that exit early on one node still run on the next; early exit applies only inside a node group");
        }
    }

    private static IReadOnlyList<KeyValuePair<string, object?>> InferenceService(PlannedDeployment deployment, NodeGroup group, string service, ExportOptions options)
    {
        int gpus = group.Copies.Any(c => deployment.UsesCuda(c.Member)) ? group.Devices.Count : 0;
        string port = options.HttpPort.ToString(CultureInfo.InvariantCulture);
        string uri = $"{options.StorageRoot.TrimEnd('/')}/{group.Node}";
        var resources = gpus > 0
            ? Yaml.Map(
                ("limits", Yaml.Map(("nvidia.com/gpu", gpus.ToString(CultureInfo.InvariantCulture)))),
                ("requests", Yaml.Map(("nvidia.com/gpu", gpus.ToString(CultureInfo.InvariantCulture)))))
            : null;
        return Yaml.Map(
            ("apiVersion", "serving.kserve.io/v1beta1"),
            ("kind", "InferenceService"),
            ("metadata", Yaml.Map(
                ("name", service),
                ("labels", Yaml.Map(("esen.io/ensemble", KubernetesNames.Of(deployment.Name, null)), ("esen.io/node-group", KubernetesNames.Label(group.Node)))))),
            ("spec", Yaml.Map(
                ("predictor", Yaml.Map(
                    // kubernetes.io/hostname is the well-known node label the kubelet sets (Kubernetes, "Well-Known Labels").
                    ("nodeSelector", Yaml.Map(("kubernetes.io/hostname", group.Node))),
                    ("containers", new object[]
                    {
                        Yaml.Map(
                            ("name", ContainerName),
                            ("image", options.Image),
                            ("command", new object[] { "esen" }),
                            ("args", new object[] { "serve", $"{ModelMount}/{deployment.Name}.json", "--host", "0.0.0.0", "--http", port }),
                            ("env", new object[] { Yaml.Map(("name", "STORAGE_URI"), ("value", uri)) }),
                            ("ports", new object[] { Yaml.Map(("containerPort", options.HttpPort), ("protocol", "TCP")) }),
                            ("resources", resources)),
                    }))))));
    }

    // InferenceGraph spec.nodes.root: routerType Ensemble (every step in parallel, answers keyed by step
    // name) or Sequence (steps in order; data "$request" sends each the original input) (KServe docs,
    // "Inference Graph": routerType Sequence | Switch | Ensemble | Splitter; steps[].serviceName, name, data).
    private static IReadOnlyList<KeyValuePair<string, object?>> InferenceGraph(PlannedDeployment deployment, List<string> services)
    {
        bool ensemble = deployment.Spec.Kind == EnsembleKind.Ensemble;
        object[] steps =
        [
            .. deployment.Groups.Select((g, i) => Yaml.Map(
                ("name", KubernetesNames.Label(g.Node)),
                ("serviceName", services[i]),
                ("data", ensemble ? null : "$request"))),
        ];
        return Yaml.Map(
            ("apiVersion", "serving.kserve.io/v1alpha1"),
            ("kind", "InferenceGraph"),
            ("metadata", Yaml.Map(("name", KubernetesNames.Of(deployment.Name, null)))),
            ("spec", Yaml.Map(
                ("nodes", Yaml.Map(
                    ("root", Yaml.Map(
                        ("routerType", ensemble ? "Ensemble" : "Sequence"),
                        ("steps", steps))))))));
    }
}

/// <summary>Kubernetes object names: RFC 1035 labels (lower-case letters, digits and '-', starting with a letter, at most 63 characters).</summary>
internal static class KubernetesNames
{
    /// <summary>A name from parts joined by '-', with other characters replaced.</summary>
    public static string Of(string first, string? second) => Label(second is null ? first : $"{first}-{second}");

    /// <summary>A label value or name: lower case, invalid characters as '-', a letter first, at most 63 characters.</summary>
    public static string Label(string text)
    {
        string cleaned = new([.. text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        cleaned = cleaned.Trim('-');
        if (cleaned.Length == 0 || !char.IsAsciiLetter(cleaned[0]))
        {
            cleaned = "e-" + cleaned;
        }

        return cleaned.Length <= 63 ? cleaned : cleaned[..63].TrimEnd('-');
    }
}
