using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>Host runs of ensemble.cu (mean, weighted mean, majority vote) and cascade.cu (exit gating, gather, scatter).</summary>
public sealed class MultiModelKernelTests
{
    [SkippableTheory]
    [InlineData(1, 1)]
    [InlineData(3, 10 * 7)]
    [InlineData(5, 1003)]
    public void EnsembleMean_AndWeightedMean_MatchOracle(int members, int count)
    {
        float[] scores = KernelOracle.RandomValues(members * count, members * count);
        float[] weights = KernelOracle.RandomValues(members, members, 0.1f, 2f);
        using HostBuffer stacked = HostBuffer.Of(scores), weightBuffer = HostBuffer.Of(weights);
        using HostBuffer mean = HostBuffer.Uninitialized(count), weighted = HostBuffer.Uninitialized(count);
        HostKernels.Launch(PtxKernels.EnsembleMean, grid: 2, block: 64, new CudaKernelArgs.EnsembleMean
        {
            Scores = stacked.Address, Y = mean.Address, Members = members, Count = count,
        });
        HostKernels.Launch(PtxKernels.EnsembleWeightedMean, grid: 2, block: 64, new CudaKernelArgs.EnsembleWeightedMean
        {
            Scores = stacked.Address, Weights = weightBuffer.Address, Y = weighted.Address, Members = members, Count = count,
        });

        double weightSum = weights.Sum(w => (double)w);
        double[] expectedMean = [.. Enumerable.Range(0, count).Select(i => Enumerable.Range(0, members).Average(m => (double)scores[(m * count) + i]))];
        double[] expectedWeighted = [.. Enumerable.Range(0, count).Select(i =>
            Enumerable.Range(0, members).Sum(m => (double)weights[m] * scores[(m * count) + i]) / weightSum)];
        KernelOracle.AssertClose(expectedMean, mean.ToFloats(), 2e-6, 1e-6, "ensemble mean");
        KernelOracle.AssertClose(expectedWeighted, weighted.ToFloats(), 2e-6, 1e-6, "ensemble weighted mean");
    }

    [SkippableTheory]
    [InlineData(1, 5, 3)]
    [InlineData(4, 97, 5)]
    [InlineData(7, 200, 10)]
    [InlineData(32, 33, 4)]
    public void EnsembleVote_IsTheMajorityOfArgmaxes_TiesToTheLowestClass(int members, int rows, int classes)
    {
        // Scores from {0, 1, 2}: many argmax ties inside a member and many vote ties across members.
        var random = new Random(members * rows);
        float[] scores = [.. Enumerable.Range(0, members * rows * classes).Select(_ => (float)random.Next(3))];
        using HostBuffer stacked = HostBuffer.Of(scores), ids = HostBuffer.Uninitialized(rows), oneHot = HostBuffer.Uninitialized(rows * classes);
        HostKernels.Launch(PtxKernels.EnsembleVote, grid: 2, block: 32, new CudaKernelArgs.EnsembleVote
        {
            Scores = stacked.Address, ClassIds = ids.Address, OneHot = oneHot.Address, Members = members, Rows = rows, Classes = classes,
        });

        int[] expected = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int[] votes = new int[classes];
            for (int m = 0; m < members; m++)
            {
                votes[KernelOracle.ArgMax(scores, ((m * rows) + r) * classes, classes)]++;
            }

            expected[r] = Array.IndexOf(votes, votes.Max()); // first (lowest) class with the most votes
        }

        Assert.Equal(expected, ids.ToInts());
        Assert.Equal([.. expected.SelectMany(c => Enumerable.Range(0, classes).Select(k => k == c ? 1f : 0f))], oneHot.ToFloats());
    }

    [SkippableFact]
    public void EnsembleVote_ExplicitTie_PicksTheLowestClass()
    {
        // Members vote 2, 1, 2, 1: a 2–2 tie between classes 1 and 2 goes to class 1.
        float[] scores = [0, 0, 9, 0, 9, 0, 0, 0, 9, 0, 9, 0];
        using HostBuffer stacked = HostBuffer.Of(scores), ids = HostBuffer.Uninitialized(1);
        HostKernels.Launch(PtxKernels.EnsembleVote, grid: 1, block: 32, new CudaKernelArgs.EnsembleVote
        {
            Scores = stacked.Address, ClassIds = ids.Address, OneHot = 0, Members = 4, Rows = 1, Classes = 3,
        });

        Assert.Equal([1], ids.ToInts());
    }

    [SkippableTheory]
    [InlineData(1, 4, 32, 0.5)]
    [InlineData(100, 10, 32, 0.3)]
    [InlineData(333, 7, 48, 0.6)]
    [InlineData(1000, 3, 64, 0.8)]
    public void CascadeGate_SplitsByMaxSoftmax_InAscendingRowOrder(int rows, int classes, int block, double exitFraction)
    {
        float[] logits = KernelOracle.RandomValues(rows + classes, rows * classes, -4f, 4f);
        double[] probabilities = KernelOracle.Softmax(logits, rows, classes);
        double[] confidence = [.. Enumerable.Range(0, rows).Select(r => probabilities.Skip(r * classes).Take(classes).Max())];
        float threshold = ThresholdWithMargin(confidence, exitFraction);

        (int[] goOn, int[] exit) = Gate(logits, rows, classes, block, threshold, probabilities: false);

        Assert.Equal(Enumerable.Range(0, rows).Where(r => confidence[r] < threshold), goOn);
        Assert.Equal(Enumerable.Range(0, rows).Where(r => confidence[r] >= threshold), exit);
    }

    [SkippableFact]
    public void CascadeGate_OnProbabilities_UsesTheRowMaximum()
    {
        float[] probabilities = [0.2f, 0.8f, 0.5f, 0.5f, 0.9f, 0.1f, 0.6f, 0.4f];
        (int[] goOn, int[] exit) = Gate(probabilities, rows: 4, classes: 2, block: 32, threshold: 0.6f, probabilities: true);

        Assert.Equal([1], goOn);
        Assert.Equal([0, 2, 3], exit);
    }

    [SkippableFact]
    public void GatherThenScatter_MovesTheContinuingRowsWithTheDeviceSideCount()
    {
        const int Rows = 50, RowSize = 6;
        float[] batch = KernelOracle.RandomValues(60, Rows * RowSize);
        int[] continuing = [.. Enumerable.Range(0, Rows).Where(r => r % 3 == 1)];
        using HostBuffer src = HostBuffer.Of(batch), rowList = HostBuffer.Of([.. continuing, -1, -1]);
        using HostBuffer count = HostBuffer.Of([continuing.Length]);
        using HostBuffer gathered = HostBuffer.Uninitialized(continuing.Length * RowSize);
        using HostBuffer merged = HostBuffer.Of(new float[Rows * RowSize]);

        HostKernels.Launch(PtxKernels.GatherRows, grid: 2, block: 32, new CudaKernelArgs.RowMove
        {
            Src = src.Address, Dst = gathered.Address, Rows = rowList.Address, Count = count.Address, RowSize = RowSize,
        });
        HostKernels.Launch(PtxKernels.ScatterRows, grid: 2, block: 32, new CudaKernelArgs.RowMove
        {
            Src = gathered.Address, Dst = merged.Address, Rows = rowList.Address, Count = count.Address, RowSize = RowSize,
        });

        Assert.Equal([.. continuing.SelectMany(r => batch.Skip(r * RowSize).Take(RowSize))], gathered.ToFloats());
        Assert.Equal(
            [.. Enumerable.Range(0, Rows).SelectMany(r => continuing.Contains(r) ? batch.Skip(r * RowSize).Take(RowSize) : new float[RowSize])],
            merged.ToFloats());
    }

    private static (int[] GoOn, int[] Exit) Gate(float[] scores, int rows, int classes, int block, float threshold, bool probabilities)
    {
        using HostBuffer input = HostBuffer.Of(scores), goOn = HostBuffer.Of(new int[rows]), exit = HostBuffer.Of(new int[rows]);
        using HostBuffer counts = HostBuffer.Uninitialized(2);
        // Two blocks: the second must return without touching anything.
        HostKernels.Launch(PtxKernels.CascadeGate, grid: 2, block, new CudaKernelArgs.CascadeGate
        {
            Scores = input.Address, ContinueRows = goOn.Address, ExitRows = exit.Address, Counts = counts.Address,
            Rows = rows, Classes = classes, Threshold = threshold, ScoresAreProbabilities = probabilities ? 1 : 0,
        });

        int[] n = counts.ToInts();
        Assert.Equal(rows, n[0] + n[1]);
        return (goOn.ToInts()[..n[0]], exit.ToInts()[..n[1]]);
    }

    // A threshold near the requested exit fraction with every confidence at least 1e-4 away from it,
    // so float-vs-double rounding cannot move a row across it.
    private static float ThresholdWithMargin(double[] confidence, double exitFraction)
    {
        double[] sorted = [.. confidence.Order()];
        int target = Math.Clamp((int)(sorted.Length * (1 - exitFraction)), 1, Math.Max(1, sorted.Length - 1));
        for (int spread = 0; spread < sorted.Length; spread++)
        {
            foreach (int i in new[] { target + spread, target - spread })
            {
                if (i >= 1 && i < sorted.Length && sorted[i] - sorted[i - 1] > 2e-4)
                {
                    return (float)((sorted[i] + sorted[i - 1]) / 2);
                }
            }
        }

        return (float)(sorted[^1] + 1e-3); // one row, or all equal: nobody exits
    }
}
