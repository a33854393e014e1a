using Esen.Kernels.Graph;

namespace Esen.Runtime.Pipeline;

/// <summary>
/// One caller's request: its input rows and the task its answer completes. A cascade answers rows at
/// different stages, so the answer is assembled row by row.
/// </summary>
internal sealed class InferenceRequest
{
    private readonly TaskCompletionSource<Tensor> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _registration;
    private readonly Lock _rowsGate = new();
    private float[]? _rows;
    private TensorShape? _rowShape;
    private int _rowsLeft;

    public InferenceRequest(Tensor input, CancellationToken cancellationToken)
    {
        Input = input;
        Rows = checked((int)input.Shape[0]);
        _rowsLeft = Rows;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.Register(() => _completion.TrySetCanceled(cancellationToken));
        }
    }

    public Tensor Input { get; }

    public int Rows { get; }

    public Task<Tensor> Task => _completion.Task;

    /// <summary>Answered, failed or cancelled: nothing more to do for it.</summary>
    public bool IsFinished => _completion.Task.IsCompleted;

    public void Complete(Tensor output)
    {
        _completion.TrySetResult(output);
        _registration.Dispose();
    }

    public void Fail(Exception error)
    {
        _completion.TrySetException(error);
        _registration.Dispose();
    }

    /// <summary>Stores one answered row; completes the request when it was the last.</summary>
    public void SetRow(int row, ReadOnlySpan<float> values, TensorShape outputShape)
    {
        TensorShape rowShape = new(outputShape.Dimensions[1..]);
        bool done;
        lock (_rowsGate)
        {
            _rowShape ??= rowShape;
            if (_rowShape != rowShape)
            {
                Fail(new InvalidOperationException($"cascade stages disagree on the output shape: {_rowShape} and {rowShape} per input"));
                return;
            }

            _rows ??= new float[Rows * values.Length];
            values.CopyTo(_rows.AsSpan(row * values.Length));
            done = --_rowsLeft == 0;
        }

        if (done)
        {
            Complete(Tensor.FromFloats(new TensorShape([Rows, .. rowShape.Dimensions]), _rows!));
        }
    }
}
