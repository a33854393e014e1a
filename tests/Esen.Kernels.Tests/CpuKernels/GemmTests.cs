using Esen.Kernels.Cpu.Kernels;

namespace Esen.Kernels.Tests.Cpu;

public class GemmTests
{
    private const int SweepLimit = 70;

    /// <summary>Every instruction set this machine can run (the scalar tile always), so each micro-kernel is checked.</summary>
    public static TheoryData<string, bool, bool, char> SweepCases()
    {
        var data = new TheoryData<string, bool, bool, char>();
        foreach (GemmIsa isa in Enum.GetValues<GemmIsa>().Where(GemmMicroKernels.IsSupported))
        {
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    foreach (char dimension in "mnk")
                    {
                        data.Add(isa.ToString(), transA, transB, dimension);
                    }
                }
            }
        }

        return data;
    }

    /// <summary>
    /// Sweeps one dimension through 0..70 (across every SIMD width and register-tile edge) while the other
    /// two sit on awkward sizes, with row strides larger than the widths and several alpha/beta pairs.
    /// </summary>
    [Theory]
    [MemberData(nameof(SweepCases))]
    public void Matches_reference_for_every_size_up_to_70(string isaName, bool transA, bool transB, char dimension)
    {
        GemmIsa isa = Enum.Parse<GemmIsa>(isaName);
        var random = new Random(20261122 + (transA ? 1 : 0) + (transB ? 2 : 0) + dimension);
        (float Alpha, float Beta)[] scalings = [(1f, 0f), (0.5f, -1.5f), (-2f, 1f), (1f, 1f)];
        for (int size = 0; size <= SweepLimit; size++)
        {
            int m = dimension == 'm' ? size : 19;
            int n = dimension == 'n' ? size : 37;
            int k = dimension == 'k' ? size : 23;
            (float alpha, float beta) = scalings[size % scalings.Length];
            CheckAgainstReference(random, transA, transB, m, n, k, alpha, beta, stridePad: size % 4, threads: 1, isa);
        }
    }

    [Theory]
    [InlineData(false, false, 1)]
    [InlineData(false, true, 1)]
    [InlineData(true, false, 2)]
    [InlineData(true, true, 2)]
    [InlineData(false, false, 2)]
    public void Matches_reference_for_large_sizes(bool transA, bool transB, int threads)
    {
        var random = new Random(7);
        CheckAgainstReference(random, transA, transB, 257, 300, 513, 1f, 0f, stridePad: 5, threads);
        CheckAgainstReference(random, transA, transB, 129, 1030, 64, 0.75f, 0.25f, stridePad: 0, threads);
        CheckAgainstReference(random, transA, transB, 1, 1000, 600, 1f, 1f, stridePad: 1, threads);
        CheckAgainstReference(random, transA, transB, 700, 3, 40, 1f, 0f, stridePad: 2, threads);
    }

    /// <summary>
    /// Fully connected shapes at batch 1–9 with B transposed (on AVX-512 up to eight rows run as dot products):
    /// depths on and around the vector width, column counts around the tile of four and the 64-column task,
    /// strided rows, and every alpha/beta pair.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Few_rows_against_a_transposed_b_match_the_reference(int threads)
    {
        var random = new Random(20261206 + threads);
        (float Alpha, float Beta)[] scalings = [(1f, 0f), (0.5f, -1.5f), (-2f, 1f), (1f, 1f)];
        (int N, int K)[] shapes = [(1, 16), (3, 17), (4, 31), (5, 32), (63, 100), (65, 1280), (130, 47), (1000, 64)];
        int i = 0;
        for (int m = 1; m <= 9; m++)
        {
            foreach ((int n, int k) in shapes)
            {
                (float alpha, float beta) = scalings[i % scalings.Length];
                CheckAgainstReference(random, transA: false, transB: true, m, n, k, alpha, beta, stridePad: i % 3, threads);
                i++;
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(64)]
    public void Any_thread_count_gives_the_reference_result(int threads)
    {
        var random = new Random(11);
        foreach ((int m, int n, int k) in new[] { (5, 7, 3), (64, 64, 64), (97, 211, 150), (300, 17, 90) })
        {
            CheckAgainstReference(random, false, false, m, n, k, 1f, 0.5f, stridePad: 1, threads);
        }
    }

    /// <summary>
    /// The parts cover the output once, in whole tiles; a split that prefers columns takes them only when the
    /// largest part stays within 15% of an even share (SqueezeNet's 169 columns yes, ResNet's 196 no).
    /// </summary>
    [Theory]
    [InlineData(256, 169, false, false)]
    [InlineData(256, 169, true, true)]
    [InlineData(256, 196, true, false)]
    [InlineData(128, 729, false, true)]
    [InlineData(1000, 169, true, true)]
    [InlineData(70, 12, true, false)]
    public void Parts_cover_the_output_once_and_split_columns_only_when_balanced(int m, int n, bool preferColumns, bool byColumns)
    {
        var tiling = GemmTiling.For(GemmIsa.Avx512);
        var covered = new int[m * n];
        for (int part = 0; part < 2; part++)
        {
            (int i0, int i1, int j0, int j1) = tiling.Part(part, 2, m, n, preferColumns);
            Assert.Equal(byColumns, i0 == 0 && i1 == m);
            Assert.Equal(0, (byColumns ? j0 : i0) % (byColumns ? tiling.Nr : tiling.Mr));
            for (int i = i0; i < i1; i++)
            {
                for (int j = j0; j < j1; j++)
                {
                    covered[(i * n) + j]++;
                }
            }
        }

        Assert.All(covered, count => Assert.Equal(1, count));
    }

    /// <summary>Callers racing for the shared workers: one gets them, the others run serially; all are right.</summary>
    [Fact]
    public void Concurrent_callers_each_get_the_reference_result()
    {
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, caller =>
        {
            var random = new Random(100 + caller);
            for (int repeat = 0; repeat < 5; repeat++)
            {
                CheckAgainstReference(random, caller % 2 == 1, false, 150, 170, 90, 1f, 0f, stridePad: caller, threads: 2);
            }
        });
    }

    [Fact]
    public void Beta_zero_does_not_read_c_and_leaves_the_stride_padding_alone()
    {
        const int M = 13, N = 45, K = 17, Ldc = N + 3;
        var random = new Random(3);
        float[] a = ReferenceKernels.RandomArray(random, M * K);
        float[] b = ReferenceKernels.RandomArray(random, K * N);
        float[] c = new float[M * Ldc];
        Array.Fill(c, float.NaN);
        for (int i = 0; i < M; i++)
        {
            c.AsSpan((i * Ldc) + N, Ldc - N).Fill(42f);
        }

        CpuKernels.Gemm(false, false, M, N, K, 1f, a, K, b, N, 0f, c, Ldc);

        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < Ldc; j++)
            {
                float value = c[(i * Ldc) + j];
                Assert.True(j < N ? float.IsFinite(value) : value == 42f, $"c[{i},{j}] = {value}");
            }
        }
    }

    [Fact]
    public void Zero_k_scales_c_by_beta()
    {
        float[] c = [1f, 2f, 3f, 4f];

        CpuKernels.Gemm(false, false, 2, 2, 0, 1f, [], 0, [], 2, 0.5f, c, 2);

        Assert.Equal([0.5f, 1f, 1.5f, 2f], c);
    }

    [Fact]
    public void Short_spans_and_bad_strides_are_rejected_with_the_argument_named()
    {
        float[] c = new float[6];

        var shortA = Assert.Throws<ArgumentException>(() => CpuKernels.Gemm(false, false, 2, 3, 4, 1f, new float[7], 4, new float[12], 3, 0f, c, 3));
        var badStride = Assert.Throws<ArgumentException>(() => CpuKernels.Gemm(false, false, 2, 3, 4, 1f, new float[8], 4, new float[12], 2, 0f, c, 3));
        var shortC = Assert.Throws<ArgumentException>(() => CpuKernels.Gemm(false, false, 2, 3, 4, 1f, new float[8], 4, new float[12], 3, 0f, new float[5], 3));

        Assert.Equal("a", shortA.ParamName);
        Assert.Equal("b", badStride.ParamName);
        Assert.Equal("c", shortC.ParamName);
    }

    private static void CheckAgainstReference(
        Random random, bool transA, bool transB, int m, int n, int k, float alpha, float beta, int stridePad, int threads, GemmIsa? isa = null)
    {
        int lda = (transA ? m : k) + stridePad, ldb = (transB ? k : n) + stridePad, ldc = n + stridePad;
        float[] a = ReferenceKernels.RandomArray(random, (long)(transA ? k : m) * lda);
        float[] b = ReferenceKernels.RandomArray(random, (long)(transB ? n : k) * ldb);
        float[] c = ReferenceKernels.RandomArray(random, (long)m * ldc);
        (double[] expected, double[] absSum) = ReferenceKernels.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        if (isa is { } chosen)
        {
            CpuKernels.Gemm(chosen, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
        }
        else
        {
            CpuKernels.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
        }

        ReferenceKernels.AssertClose(expected, absSum, c, k, $"Gemm({isa}, transA={transA}, transB={transB}, m={m}, n={n}, k={k}, alpha={alpha}, beta={beta}, pad={stridePad}, threads={threads})");
    }
}
