using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Execution;

/// <summary>
/// Runners on the CPU executor. A CPU member gets as many kernel threads as its grant has cores; a
/// member on a simulated GPU computes its numbers here too (its timing comes from the simulator).
/// CUDA members belong to <see cref="CudaRunnerFactory"/>, which sends its other members here.
/// </summary>
public sealed class CpuRunnerFactory : IMemberRunnerFactory
{
    private readonly Func<EnsembleSpec, int, LayerGraph> _graphs;

    /// <summary>Creates the factory; <paramref name="graphs"/> defaults to <see cref="MemberGraphs.Load"/>.</summary>
    public CpuRunnerFactory(Func<EnsembleSpec, int, LayerGraph>? graphs = null) => _graphs = graphs ?? MemberGraphs.Load;

    /// <inheritdoc/>
    public IMemberRunner Create(EnsembleSpec spec, int index, PartitionGrant grant)
    {
        int threads = grant.Device.Kind switch
        {
            DeviceKind.Cpu => grant.Units,
            DeviceKind.Simulated => Math.Max(1, Environment.ProcessorCount / spec.Members.Count),
            _ => throw new NotSupportedException(
                $"member {spec.Members[index].Name} is on {grant.Device}: CUDA members need the CUDA runner factory (CudaRunnerFactory, EnsembleModels.Runners)"),
        };
        return new GraphMemberRunner(new CpuExecutor(_graphs(spec, index), new CpuExecutorOptions { Threads = threads }));
    }
}
