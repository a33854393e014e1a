using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Esen.Native.Cuda;

namespace Esen.Kernels.Cuda;

/// <summary>
/// The embedded PTX modules of one context, each JIT-compiled on first use for the context's device
/// (<see cref="PtxModules.SelectArchitecture"/>) and kept for the context's lifetime, so executors
/// sharing a context share the modules. Functions are cached by <see cref="CudaModule.GetKernel"/>.
/// A load failure carries the driver's JIT error log (<see cref="CudaModule.LoadPtx"/>).
/// A device's primary context is one context however many <see cref="CudaContext"/> wrappers retain it (each
/// executor made without a stream retains its own), so its cache is kept per device: it holds a retain of its own
/// for the process's lifetime, as the CUDA runtime does, and the JIT cost is paid once per process, not per executor.
/// </summary>
internal sealed class PtxModuleCache
{
    private static readonly ConditionalWeakTable<CudaContext, PtxModuleCache> s_perContext = [];
    private static readonly ConcurrentDictionary<int, Lazy<PtxModuleCache>> s_perPrimaryContext = new();

    private readonly CudaContext _context;
    private readonly int _architecture;
    private readonly ConcurrentDictionary<string, Lazy<CudaModule>> _modules = new(StringComparer.Ordinal);

    private PtxModuleCache(CudaContext context)
    {
        _context = context;
        CudaDeviceProperties properties = CudaDriver.GetProperties(context.Device);
        _architecture = PtxModules.SelectArchitecture(properties.ComputeMajor, properties.ComputeMinor);
    }

    /// <summary>The cache of <paramref name="context"/>.</summary>
    public static PtxModuleCache For(CudaContext context) => context.IsPrimary
        ? s_perPrimaryContext.GetOrAdd(
            context.Device.Ordinal, ordinal => new Lazy<PtxModuleCache>(() => new PtxModuleCache(CudaContext.RetainPrimary(new CudaDevice(ordinal))))).Value
        : s_perContext.GetValue(context, c => new PtxModuleCache(c));

    /// <summary>The loaded function of <paramref name="kernel"/>.</summary>
    public CudaKernel Get(PtxKernel kernel) =>
        _modules.GetOrAdd(kernel.Module, name => new Lazy<CudaModule>(
            () => CudaModule.LoadPtx(_context, PtxModules.GetText(name, _architecture), $"{name}.sm_{_architecture}")))
        .Value.GetKernel(kernel.EntryPoint);
}
