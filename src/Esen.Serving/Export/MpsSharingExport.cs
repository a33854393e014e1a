using System.Globalization;
using System.Text;

namespace Esen.Serving.Export;

/// <summary>
/// The NVIDIA Kubernetes device plugin's MPS sharing: a ConfigMap with one config per node (the plugin
/// picks a node's config from its <c>nvidia.com/device-plugin.config</c> label) that splits each GPU into
/// equal replicas of <c>nvidia.com/gpu</c>, and the commands that label the nodes.
/// </summary>
internal static class MpsSharingExport
{
    // The device plugin's MPS sharing gives each of R replicas 100/R % of the GPU's threads; it needs R ≥ 2.
    private const int MinimumReplicas = 2;

    public static void Write(PlannedDeployment deployment, ExportFolder folder)
    {
        var configs = new List<(string Key, string Config)>();
        var labels = new StringBuilder("#!/bin/sh\n# Points each node at its MPS sharing config (the device plugin's nvidia.com/device-plugin.config label).\nset -eu\n");
        foreach (NodeGroup group in deployment.Groups)
        {
            IGrouping<int, DeployedCopy>[] gpus = [.. group.Copies.Where(c => deployment.UsesCuda(c.Member)).GroupBy(c => c.LocalGpu)];
            if (gpus.Length == 0)
            {
                folder.AddLimit($"node {group.Node}: no member is on a CUDA device (the spec's device), so there is nothing to share");
                continue;
            }

            // One replica count per node: the device plugin applies the same sharing to every GPU of a node.
            // Enough replicas for the busiest GPU, and for the smallest share where that asks for more.
            int copies = gpus.Max(g => g.Count());
            int replicas = Math.Max(MinimumReplicas, Math.Max(copies, 100 / gpus.SelectMany(g => g).Min(c => c.Copy.Share)));
            int granted = 100 / replicas;
            string key = KubernetesNames.Label(group.Node);

            // Device plugin config file, version v1: sharing.mps.resources[].name and replicas
            // (NVIDIA k8s-device-plugin README, "Shared Access to GPUs").
            string config = Yaml.Write(Yaml.Map(
                ("version", "v1"),
                ("sharing", Yaml.Map(
                    ("mps", Yaml.Map(
                        ("resources", new object[] { Yaml.Map(("name", "nvidia.com/gpu"), ("replicas", replicas)) })))))));
            configs.Add((key, config));
            labels.Append(CultureInfo.InvariantCulture, $"kubectl label node {group.Node} nvidia.com/device-plugin.config={key} --overwrite\n");
            foreach (DeployedCopy copy in group.Copies.Where(c => deployment.UsesCuda(c.Member) && c.Copy.Share != granted))
            {
                folder.AddLimit($"node {group.Node}: member {deployment.Spec.Members[copy.Member].Name} (replica {copy.Copy.Replica}) is planned at {copy.Copy.Share} % of {copy.Copy.Device} but each of the {replicas} MPS replicas per GPU gets {granted} %: the device plugin grants equal shares, and a pod asks for one replica");
            }
        }

        folder.WriteText("device-plugin-config.yaml", Yaml.Write(Yaml.Map(
            ("apiVersion", "v1"),
            ("kind", "ConfigMap"),
            ("metadata", Yaml.Map(("name", "esen-mps-sharing"), ("namespace", "nvidia-device-plugin"))),
            ("data", Yaml.Map([.. configs.Select(c => (c.Key, (object?)c.Config))])))));
        folder.WriteText("label-nodes.sh", labels.ToString(), executable: true);
        folder.AddLimit("the Dynamic Resource Allocation driver (ComputeDomains, MPS through DRA claims) is not written; this is the device plugin's static per-node sharing");
    }
}
