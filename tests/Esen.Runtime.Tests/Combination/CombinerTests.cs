using Esen.Kernels.Graph;
using Esen.Runtime.Combination;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Tests.Combination;

public sealed class CombinerTests
{
    private const int Rows = 37;
    private const int Classes = 10;

    [Theory]
    [InlineData(CombineRule.Mean)]
    [InlineData(CombineRule.Weighted)]
    [InlineData(CombineRule.Max)]
    [InlineData(CombineRule.Vote)]
    public void Combine_EqualsStraightforwardLoops(CombineRule rule)
    {
        var random = new Random(20261122);
        Tensor[] outputs = [.. Enumerable.Range(0, 4).Select(_ => RandomOutput(random))];
        double[] weights = [0.5, 2, 1, 3];

        float[] combined = Combiner.Combine(rule, outputs, weights).Floats;

        for (int r = 0; r < Rows; r++)
        {
            float[] expected = Oracle(rule, [.. outputs.Select(o => o.Floats.Skip(r * Classes).Take(Classes).ToArray())], weights);
            for (int c = 0; c < Classes; c++)
            {
                Assert.Equal(expected[c], combined[(r * Classes) + c], 1e-5f);
            }
        }
    }

    [Fact]
    public void Vote_TieGoesToTheLowestClass()
    {
        Tensor a = Tensor.FromFloats(new TensorShape(1, 3), [0f, 0f, 5f]);
        Tensor b = Tensor.FromFloats(new TensorShape(1, 3), [0f, 5f, 0f]);

        float[] voted = Combiner.Combine(CombineRule.Vote, [a, b], [1, 1]).Floats;

        Assert.Equal([0f, 1f, 0f], voted);
    }

    [Fact]
    public void Vote_WeightsBreakTheTie()
    {
        Tensor a = Tensor.FromFloats(new TensorShape(1, 3), [0f, 0f, 5f]);
        Tensor b = Tensor.FromFloats(new TensorShape(1, 3), [0f, 5f, 0f]);

        float[] voted = Combiner.Combine(CombineRule.Vote, [a, b], [2, 1]).Floats;

        Assert.Equal([0f, 0f, 1f], voted);
    }

    [Fact]
    public void Combine_ShapeMismatch_Throws()
    {
        Tensor a = Tensor.Zeros(DataType.Float32, new TensorShape(2, 3));
        Tensor b = Tensor.Zeros(DataType.Float32, new TensorShape(3, 2));

        Assert.Throws<ArgumentException>(() => Combiner.Combine(CombineRule.Mean, [a, b], [1, 1]));
    }

    [Fact]
    public void MaxSoftmax_EqualsTheDefinition()
    {
        float[] row = [1.5f, -2f, 0.25f, 3f];
        double expected = row.Select(v => Math.Exp(v)).Max() / row.Sum(v => Math.Exp(v));

        Assert.Equal(expected, CascadeExit.MaxSoftmax(row), 12);
    }

    [Fact]
    public void Exits_ComparesEachRowWithTheThreshold()
    {
        // Row 0 is confident (softmax max ≈ 0.9999), row 1 is uniform (1/3).
        Tensor output = Tensor.FromFloats(new TensorShape(2, 3), [10f, 0f, 0f, 1f, 1f, 1f]);

        Assert.Equal([true, false], CascadeExit.Exits(output, 0.9));
        Assert.Equal([true, true], CascadeExit.Exits(output, 1.0 / 3));
    }

    private static Tensor RandomOutput(Random random)
    {
        // Few distinct values so the vote sees ties inside rows and between members.
        float[] data = [.. Enumerable.Range(0, Rows * Classes).Select(_ => (float)random.Next(0, 4))];
        return Tensor.FromFloats(new TensorShape(Rows, Classes), data);
    }

    private static float[] Oracle(CombineRule rule, float[][] rows, double[] weights)
    {
        int members = rows.Length;
        var result = new float[Classes];
        switch (rule)
        {
            case CombineRule.Mean:
                for (int c = 0; c < Classes; c++)
                {
                    result[c] = (float)(rows.Sum(row => (double)row[c]) / members);
                }

                break;
            case CombineRule.Weighted:
                for (int c = 0; c < Classes; c++)
                {
                    result[c] = (float)(rows.Select((row, m) => weights[m] * row[c]).Sum() / weights.Sum());
                }

                break;
            case CombineRule.Max:
                for (int c = 0; c < Classes; c++)
                {
                    result[c] = rows.Max(row => row[c]);
                }

                break;
            case CombineRule.Vote:
                // Each member votes for the first index holding its maximum; the class with the most
                // weight wins, the first such class on a tie.
                var votes = new double[Classes];
                for (int m = 0; m < members; m++)
                {
                    votes[Array.IndexOf(rows[m], rows[m].Max())] += weights[m];
                }

                result[Array.IndexOf(votes, votes.Max())] = 1f;
                break;
        }

        return result;
    }
}
