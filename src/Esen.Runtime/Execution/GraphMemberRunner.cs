using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Runtime.Execution;

/// <summary>A member run by a graph executor: feeds the graph's input, returns its first output.</summary>
public sealed class GraphMemberRunner : IMemberRunner
{
    private readonly IExecutor _executor;
    private readonly string _input;
    private readonly string _output;

    /// <summary>Wraps an executor (owned: disposed with the runner).</summary>
    public GraphMemberRunner(IExecutor executor)
    {
        _executor = executor;
        _input = executor.Graph.Inputs[0].Name;
        _output = executor.Graph.Outputs[0].Name;
        InputShape = executor.Graph.Inputs[0].Shape;
    }

    /// <inheritdoc/>
    public TensorShape InputShape { get; }

    /// <inheritdoc/>
    public Tensor Run(Tensor batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _executor.Run(new Dictionary<string, Tensor> { [_input] = batch })[_output];
    }

    /// <inheritdoc/>
    public void Dispose() => _executor.Dispose();
}
