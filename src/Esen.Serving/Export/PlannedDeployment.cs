using System.Globalization;
using Esen.Kernels.Graph;
using Esen.Runtime;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Solver.Devices;
using Esen.Solver.Planning;

namespace Esen.Serving.Export;

/// <summary>One placed copy of a member in a deployment: its member index in the spec and its device on the node.</summary>
/// <param name="Member">The member's index in the spec.</param>
/// <param name="Copy">The plan's copy.</param>
/// <param name="LocalGpu">The device's index among its node's devices (the container's <c>cuda:N</c>).</param>
public sealed record DeployedCopy(int Member, PlannedCopy Copy, int LocalGpu);

/// <summary>The members a plan puts on one node, with the node's devices in plan order.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Devices">The plan's devices on the node; a device's index here is its local GPU index.</param>
/// <param name="Copies">Every copy placed on the node.</param>
public sealed record NodeGroup(string Node, IReadOnlyList<string> Devices, IReadOnlyList<DeployedCopy> Copies)
{
    /// <summary>The spec indices of the members on the node, in spec order.</summary>
    public IReadOnlyList<int> Members => [.. Copies.Select(c => c.Member).Distinct().Order()];
}

/// <summary>
/// A spec joined with its plan: the members' graphs (for tensor names, shapes and memory) and the node
/// groups. Construction checks that the plan matches the spec and that every member fits a device of
/// its node group.
/// </summary>
public sealed class PlannedDeployment
{
    private PlannedDeployment(EnsembleSpec spec, string name, IReadOnlyList<LayerGraph> graphs, IReadOnlyList<NodeGroup> groups)
    {
        Spec = spec;
        Name = name;
        Graphs = graphs;
        Groups = groups;
    }

    /// <summary>The spec.</summary>
    public EnsembleSpec Spec { get; }

    /// <summary>The deployment's name: the spec's file name without the extension, as <c>esen serve</c> names the model.</summary>
    public string Name { get; }

    /// <summary>Each member's graph, in spec order.</summary>
    public IReadOnlyList<LayerGraph> Graphs { get; }

    /// <summary>The node groups, in order of the plan's first device on each node.</summary>
    public IReadOnlyList<NodeGroup> Groups { get; }

    /// <summary>The input every member reads: the spec's, or the first member's graph input.</summary>
    public InputSpec Input => Spec.Input ?? new InputSpec(Graphs[0].Inputs[0].Name, Graphs[0].Inputs[0].Shape);

    /// <summary>Loads the spec's members and joins them with the plan.</summary>
    /// <param name="specPath">An <c>esen-ensemble/1</c> file.</param>
    /// <param name="planPath">A plan from <c>esen plan --json</c> whose members are the spec's.</param>
    /// <param name="catalog">Where the plan's GPU models are looked up; the built-in catalogue by default.</param>
    /// <exception cref="EsenException">A bad spec or plan, a plan that does not match the spec, or a member larger than every device of its node (<see cref="EsenErrorKind.BadInput"/>).</exception>
    public static PlannedDeployment Load(string specPath, string planPath, DeviceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(specPath);
        ArgumentNullException.ThrowIfNull(planPath);
        catalog ??= DeviceCatalog.BuiltIn;
        try
        {
            EnsembleSpec spec = EnsembleSpecReader.ReadFile(specPath);
            IReadOnlyList<PlannedCopy> copies = PlanFile.Read(planPath);
            PlanFile.CheckAgainst(copies, [.. spec.Members.Select(m => m.Name)], planPath);
            EnsembleModels models = EnsembleModels.Load(spec);
            var groups = new List<NodeGroup>();
            foreach (IGrouping<string, PlannedCopy> node in copies.GroupBy(c => c.Node ?? PlanFile.DefaultNode))
            {
                string[] devices = [.. node.Select(c => c.Device).Distinct()];
                DeployedCopy[] placed = [.. node.Select(c => new DeployedCopy(IndexOf(spec, c.Member), c, Array.IndexOf(devices, c.Device)))];
                groups.Add(new NodeGroup(node.Key, devices, placed));
            }

            foreach (NodeGroup group in groups)
            {
                CheckMemory(spec, models, group, catalog, planPath);
            }

            return new PlannedDeployment(spec, Path.GetFileNameWithoutExtension(specPath), models.Graphs, groups);
        }
        catch (Exception ex) when (ex is not EsenException && EsenException.From(ex) is { } esen)
        {
            throw esen;
        }
    }

    /// <summary>Whether the spec puts the members on real CUDA devices (what a cluster runs); otherwise the export keeps the spec's CPU or simulated devices.</summary>
    public bool UsesCuda(int member) => Spec.DeviceOf(member).Kind == DeviceKind.Cuda;

    /// <summary>The member's memory in MiB at the spec's largest batch (weights, peak activations, workspace; the cost model's count).</summary>
    public static double MemoryMb(EnsembleModels models, int member) =>
        models.Work(member, models.Spec.Batching.MaxBatch).MemoryBytes / (1024.0 * 1024.0);

    private static int IndexOf(EnsembleSpec spec, string member)
    {
        for (int i = 0; i < spec.Members.Count; i++)
        {
            if (spec.Members[i].Name == member)
            {
                return i;
            }
        }

        throw new KeyNotFoundException($"'{member}' is not a member of {spec.SourceName}");
    }

    // "A member too large for every device of a node group" (the device's GPU model from the plan, else the
    // spec's device where the catalogue knows it; a real cuda:N has no catalogue memory and is not checked).
    private static void CheckMemory(EnsembleSpec spec, EnsembleModels models, NodeGroup group, DeviceCatalog catalog, string planPath)
    {
        double?[] memory = [.. group.Devices.Select(d => DeviceMemoryMb(spec, group, d, catalog, planPath))];
        if (memory.Any(m => m is null))
        {
            return;
        }

        double largest = memory.Max(m => m!.Value);
        foreach (int member in group.Members)
        {
            double need = MemoryMb(models, member);
            if (need > largest)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{planPath}: member '{spec.Members[member].Name}' needs {need:F0} MiB at batch {spec.Batching.MaxBatch}, more than every device of node '{group.Node}' has (largest {largest:F0} MiB)"));
            }
        }
    }

    private static double? DeviceMemoryMb(EnsembleSpec spec, NodeGroup group, string device, DeviceCatalog catalog, string planPath)
    {
        DeployedCopy first = group.Copies.First(c => c.Copy.Device == device);
        if (first.Copy.Gpu is string gpu)
        {
            return catalog.TryFind(gpu, out Device model)
                ? model.MemoryMb
                : throw new ArgumentException($"{planPath}: device '{device}': unknown GPU model '{gpu}' (known: {string.Join(", ", catalog.Names)})");
        }

        DeviceSpec specDevice = spec.DeviceOf(first.Member);
        return specDevice.Kind == DeviceKind.Cuda ? null : EnsemblePlanner.Resolve(specDevice, catalog).MemoryMb;
    }
}
