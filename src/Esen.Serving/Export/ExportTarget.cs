using Esen.Solver.Devices;

namespace Esen.Serving.Export;

/// <summary>The serving engines <c>esen export</c> writes for.</summary>
public enum ExportTarget
{
    /// <summary>KServe: an InferenceService per node group running <c>esen serve</c>, an InferenceGraph joining them.</summary>
    KServe,

    /// <summary>NVIDIA Triton Inference Server: model repositories, one server per SM share, launch scripts.</summary>
    Triton,

    /// <summary>Ray Serve: a config file with a deployment per member and share.</summary>
    Ray,

    /// <summary>The NVIDIA Kubernetes device plugin's MPS sharing config.</summary>
    KubernetesMps,
}

/// <summary>The command-line names of the targets.</summary>
public static class ExportTargets
{
    /// <summary>Every target's name, in the order the help lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["kserve", "triton", "ray", "k8s-mps"];

    /// <summary>The target called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static ExportTarget Parse(string name) => name switch
    {
        "kserve" => ExportTarget.KServe,
        "triton" => ExportTarget.Triton,
        "ray" => ExportTarget.Ray,
        "k8s-mps" => ExportTarget.KubernetesMps,
        _ => throw new ArgumentException($"--to: unknown target '{name}' (known: {string.Join(", ", Names)})"),
    };
}

/// <summary>What an export needs beyond the spec and the plan.</summary>
public sealed record ExportOptions
{
    /// <summary>The container image whose entry point is the <c>esen</c> command (KServe).</summary>
    public string Image { get; init; } = "esen:latest";

    /// <summary>Where KServe's storage initializer fetches each node group's folder from (its name is appended).</summary>
    public string StorageRoot { get; init; } = "pvc://esen-models";

    /// <summary>Where the plan's GPU models (its assignments' <c>gpu</c>) are looked up, for their memory.</summary>
    public DeviceCatalog Devices { get; init; } = DeviceCatalog.BuiltIn;

    /// <summary>The port <c>esen serve</c> listens on inside a container.</summary>
    public int HttpPort { get; init; } = 8080;
}

/// <summary>What an export wrote.</summary>
/// <param name="Directory">The folder.</param>
/// <param name="Files">Every file written, relative to <paramref name="Directory"/>, sorted.</param>
/// <param name="Limits">The lines of LIMITS.txt: what the engine cannot express of the plan.</param>
public sealed record ExportResult(string Directory, IReadOnlyList<string> Files, IReadOnlyList<string> Limits);
