using System.Globalization;
using System.Text;
using Esen.Kernels.Graph;
using Esen.Runtime.Specs;

namespace Esen.Serving.Export;

/// <summary>
/// Triton Inference Server: since one Triton process has one SM limit (CUDA_MPS_ACTIVE_THREAD_PERCENTAGE
/// is read when a process creates its CUDA context), one server per (node, GPU, share) with its own
/// model repository, started by a launch script per node. Each member gets a config.pbtxt (ModelConfig
/// in protobuf text format, field names from Triton's model_config.proto); the ensemble is an
/// <c>ensemble_scheduling</c> model.
/// </summary>
internal static class TritonExport
{
    // Ports of the first server on a node; each further server adds 10 (HTTP, gRPC and metrics apart).
    private const int FirstHttpPort = 8000;

    public static void Write(PlannedDeployment deployment, ExportFolder folder)
    {
        bool ensembleServed = false;
        foreach (NodeGroup group in deployment.Groups)
        {
            var script = new StringBuilder();
            script.Append("#!/bin/sh\n");
            script.Append($"# Triton servers of node {group.Node}: one per GPU and SM share (CUDA_MPS_ACTIVE_THREAD_PERCENTAGE applies to a whole process).\n");
            script.Append("# Run from the export folder on that node, with the MPS control daemon started (nvidia-cuda-mps-control -d) where a share is below 100.\n");
            script.Append("set -eu\ncd \"$(dirname \"$0\")\"\n");
            var servers = group.Copies.GroupBy(c => (c.LocalGpu, c.Copy.Share)).OrderBy(s => s.Key.LocalGpu).ThenByDescending(s => s.Key.Share).ToList();
            for (int s = 0; s < servers.Count; s++)
            {
                (int gpu, int share) = servers[s].Key;
                bool cuda = servers[s].Any(c => deployment.UsesCuda(c.Member));
                string repository = $"triton/{group.Node}/gpu{gpu}-share{share}";
                foreach (IGrouping<int, DeployedCopy> member in servers[s].GroupBy(c => c.Member))
                {
                    WriteMember(deployment, member.Key, member.Count(), cuda, $"{repository}/{deployment.Spec.Members[member.Key].Name}", folder);
                }

                int[] members = [.. servers[s].Select(c => c.Member).Distinct()];
                if (members.Length == deployment.Spec.Members.Count && deployment.Spec.Members.Count > 1)
                {
                    WriteEnsemble(deployment, $"{repository}/{deployment.Name}", folder);
                    ensembleServed = true;
                }

                int port = FirstHttpPort + (10 * s);
                string environment = cuda ? $"CUDA_VISIBLE_DEVICES={gpu} CUDA_MPS_ACTIVE_THREAD_PERCENTAGE={share} " : "";
                script.Append(CultureInfo.InvariantCulture,
                    $"{environment}tritonserver --model-repository=\"$PWD/{repository}\" --http-port={port} --grpc-port={port + 1} --metrics-port={port + 2} &\n");
            }

            script.Append("wait\n");
            folder.WriteText($"launch-{group.Node}.sh", script.ToString(), executable: true);
        }

        if (deployment.Spec.Members.Count > 1)
        {
            if (!ensembleServed)
            {
                WriteEnsemble(deployment, $"triton/ensemble/{deployment.Name}", folder);
                folder.AddLimit("an ensemble_scheduling model can only name models of its own server, and the plan puts the members in several servers (different GPUs or shares): "
                    + $"triton/ensemble/{deployment.Name} is written for a server that loads every member, and the launch scripts do not start it");
            }

            folder.AddLimit(deployment.Spec.Kind == EnsembleKind.Ensemble
                ? $"ensemble_scheduling only routes tensors: the ensemble outputs each member's output (MEMBER_OUTPUT); the combination '{deployment.Spec.Combine.ToString().ToLowerInvariant()}' needs a model of its own (a Python backend step)"
                : "ensemble_scheduling steps all run: the cascade's early exit (max softmax ≥ threshold) needs Business Logic Scripting; every stage sees every input");
        }

        foreach (int member in Enumerable.Range(0, deployment.Spec.Members.Count).Where(m => deployment.Spec.Members[m].ModelPath is null))
        {
            folder.AddLimit($"member {deployment.Spec.Members[member].Name} is the built-in architecture {deployment.Spec.Members[member].Architecture}: Triton's onnxruntime backend needs its ONNX file at MEMBER/1/model.onnx, which Esen does not write");
        }
    }

    private static void WriteMember(PlannedDeployment deployment, int member, int copies, bool cuda, string folderPath, ExportFolder folder)
    {
        EnsembleSpec spec = deployment.Spec;
        LayerGraph graph = deployment.Graphs[member];
        var config = new PbText();
        config.Field("name", spec.Members[member].Name);
        config.Field("backend", "onnxruntime");
        config.Field("max_batch_size", spec.Batching.MaxBatch);
        config.Tensors("input", [graph.Inputs[0]]);
        config.Tensors("output", graph.Outputs);

        // instance_group: count copies of the model, KIND_GPU on the server's only visible GPU (index 0 under CUDA_VISIBLE_DEVICES).
        config.Open("instance_group [");
        config.Open("{");
        config.Field("count", copies);
        config.Enum("kind", cuda ? "KIND_GPU" : "KIND_CPU");
        if (cuda)
        {
            config.List("gpus", [0]);
        }

        config.Close("}");
        config.Close("]");

        // dynamic_batching: batches of the spec's largest size are preferred; the spec's delay in microseconds.
        config.Open("dynamic_batching {");
        config.List("preferred_batch_size", [spec.Batching.MaxBatch]);
        config.Field("max_queue_delay_microseconds", (long)Math.Round(spec.Batching.MaxDelayMs * 1000));
        config.Close("}");
        folder.WriteText($"{folderPath}/config.pbtxt", config.ToString());
        if (spec.Members[member].ModelPath is string model)
        {
            folder.CopyFile($"{folderPath}/1/model.onnx", model);
        }
        else
        {
            folder.CreateDirectory($"{folderPath}/1");
        }
    }

    private static void WriteEnsemble(PlannedDeployment deployment, string folderPath, ExportFolder folder)
    {
        EnsembleSpec spec = deployment.Spec;
        ValueInfo input = deployment.Graphs[0].Inputs[0];
        var config = new PbText();
        config.Field("name", deployment.Name);
        config.Field("platform", "ensemble");
        config.Field("max_batch_size", spec.Batching.MaxBatch);
        config.Tensors("input", [input with { Name = deployment.Input.Name }]);
        config.Tensors("output", [.. spec.Members.SelectMany((m, i) => deployment.Graphs[i].Outputs.Select(o => o with { Name = $"{m.Name}_{o.Name}" }))]);
        config.Open("ensemble_scheduling {");
        config.Open("step [");
        for (int i = 0; i < spec.Members.Count; i++)
        {
            config.Open("{");
            config.Field("model_name", spec.Members[i].Name);
            config.Field("model_version", -1);
            config.Open("input_map {");
            config.Field("key", deployment.Graphs[i].Inputs[0].Name);
            config.Field("value", deployment.Input.Name);
            config.Close("}");
            foreach (ValueInfo output in deployment.Graphs[i].Outputs)
            {
                config.Open("output_map {");
                config.Field("key", output.Name);
                config.Field("value", $"{spec.Members[i].Name}_{output.Name}");
                config.Close("}");
            }

            config.Close(i < spec.Members.Count - 1 ? "}," : "}");
        }

        config.Close("]");
        config.Close("}");
        folder.WriteText($"{folderPath}/config.pbtxt", config.ToString());
        folder.CreateDirectory($"{folderPath}/1");
    }

    /// <summary>Protobuf text format, as Triton's config.pbtxt files are written (one field per line, nested messages in braces).</summary>
    private sealed class PbText
    {
        private readonly StringBuilder _text = new();
        private int _indent;

        public void Field(string name, string value) => Line($"{name}: \"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");

        public void Field(string name, long value) => Line(string.Create(CultureInfo.InvariantCulture, $"{name}: {value}"));

        public void Enum(string name, string value) => Line($"{name}: {value}");

        public void List(string name, IEnumerable<long> values) => Line($"{name}: [ {string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)))} ]");

        public void Open(string line)
        {
            Line(line);
            _indent++;
        }

        public void Close(string line)
        {
            _indent--;
            Line(line);
        }

        // ModelInput / ModelOutput: name, data_type (DataType enum), dims without the batch dimension
        // (max_batch_size > 0 makes Triton add it); -1 marks a variable dimension.
        public void Tensors(string field, IReadOnlyList<ValueInfo> tensors)
        {
            Open($"{field} [");
            for (int i = 0; i < tensors.Count; i++)
            {
                Open("{");
                Field("name", tensors[i].Name);
                Enum("data_type", TritonType(tensors[i].DataType, tensors[i].Name));
                List("dims", tensors[i].Shape.ToArray()[1..]);
                Close(i < tensors.Count - 1 ? "}," : "}");
            }

            Close("]");
        }

        public override string ToString() => _text.ToString();

        private void Line(string line) => _text.Append(' ', 2 * _indent).Append(line).Append('\n');

        // Triton's DataType enum (model_config.proto) for the element types Esen's graphs carry.
        private static string TritonType(DataType type, string tensor) => type switch
        {
            DataType.Float32 => "TYPE_FP32",
            DataType.UInt8 => "TYPE_UINT8",
            DataType.Int8 => "TYPE_INT8",
            DataType.Int32 => "TYPE_INT32",
            DataType.Int64 => "TYPE_INT64",
            DataType.Bool => "TYPE_BOOL",
            DataType.Float16 => "TYPE_FP16",
            _ => throw new NotSupportedException($"tensor '{tensor}': no Triton data type for {type}"),
        };
    }
}
