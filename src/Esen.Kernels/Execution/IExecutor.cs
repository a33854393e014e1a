using Esen.Kernels.Graph;

namespace Esen.Kernels.Execution;

/// <summary>Runs a <see cref="LayerGraph"/> on one device (CPU here; CUDA later).</summary>
public interface IExecutor : IDisposable
{
    /// <summary>The graph being executed.</summary>
    LayerGraph Graph { get; }

    /// <summary>
    /// Runs the graph on the given inputs (by graph input name) and returns the outputs by name.
    /// The shapes of the inputs bind the dynamic dimensions; a new binding is planned once and reused.
    /// </summary>
    /// <exception cref="GraphException">An input is missing or has the wrong type or shape, or a node fails (e.g. an index out of range).</exception>
    IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs);
}
