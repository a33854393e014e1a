using Esen.Kernels.Graph;
using Esen.Runtime.Execution;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Tests.Pipeline;

/// <summary>
/// A member that is a seeded dense layer (logits = x·W), row by row, so a row's output does not depend
/// on its batch companions. <see cref="Gate"/> lets a test hold a batch inside the member.
/// </summary>
internal sealed class LinearRunner : IMemberRunner
{
    private readonly float[] _weights;
    private int _active;

    public LinearRunner(int features, int classes, int seed, float scale = 1f)
    {
        Features = features;
        Classes = classes;
        var random = new Random(seed);
        _weights = [.. Enumerable.Range(0, features * classes).Select(_ => ((random.NextSingle() * 2) - 1) * scale)];
    }

    public int Features { get; }

    public int Classes { get; }

    public TensorShape InputShape => new(TensorShape.Dynamic, Features);

    public SemaphoreSlim? Gate { get; init; }

    public int Batches { get; private set; }

    public int MaxBatchRows { get; private set; }

    /// <summary>Rows run so far, over every batch.</summary>
    public int RowsRun { get; private set; }

    public int ActiveRuns => Volatile.Read(ref _active);

    public bool Disposed { get; private set; }

    public Tensor Run(Tensor batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _active);
        try
        {
            Gate?.Wait(cancellationToken);
            Batches++;
            int rows = checked((int)batch.Shape[0]);
            MaxBatchRows = Math.Max(MaxBatchRows, rows);
            RowsRun += rows;
            return Tensor.FromFloats(new TensorShape(rows, Classes), Logits(batch.Floats, rows));
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>The oracle: the same layer applied to rows one at a time.</summary>
    public float[] Logits(float[] input, int rows)
    {
        var output = new float[rows * Classes];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < Classes; c++)
            {
                float sum = 0;
                for (int f = 0; f < Features; f++)
                {
                    sum += input[(r * Features) + f] * _weights[(f * Classes) + c];
                }

                output[(r * Classes) + c] = sum;
            }
        }

        return output;
    }

    public void Dispose() => Disposed = true;
}

/// <summary>Hands out pre-made runners by member index.</summary>
internal sealed class FixedRunners(params LinearRunner[] runners) : IMemberRunnerFactory
{
    public List<PartitionGrant> Grants { get; } = [];

    public IMemberRunner Create(EnsembleSpec spec, int index, PartitionGrant grant)
    {
        Grants.Add(grant);
        return runners[index];
    }
}

/// <summary>Makes a new <see cref="LinearRunner"/> per member from its seed, for every deployment, and keeps them all.</summary>
internal sealed class SeededLinearRunners(int features, int classes) : IMemberRunnerFactory
{
    private readonly Lock _gate = new();

    public List<(string Member, LinearRunner Runner, PartitionGrant Grant)> Created { get; } = [];

    public IMemberRunner Create(EnsembleSpec spec, int index, PartitionGrant grant)
    {
        var runner = new LinearRunner(features, classes, spec.Members[index].Seed);
        lock (_gate)
        {
            Created.Add((spec.Members[index].Name, runner, grant));
        }

        return runner;
    }

    /// <summary>Rows every runner of <paramref name="member"/> ran, over every deployment.</summary>
    public int RowsOf(string member)
    {
        lock (_gate)
        {
            return Created.Where(c => c.Member == member).Sum(c => c.Runner.RowsRun);
        }
    }

    /// <summary>Runners made for <paramref name="member"/>.</summary>
    public int CountOf(string member)
    {
        lock (_gate)
        {
            return Created.Count(c => c.Member == member);
        }
    }
}
