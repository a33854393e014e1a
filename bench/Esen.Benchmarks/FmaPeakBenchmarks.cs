using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace Esen.Benchmarks;

/// <summary>
/// This machine's single-precision FMA peak: 16 independent accumulator chains, enough to cover the FMA
/// latency (4 cycles) times the number of FMA ports (2) on current x86 cores, with no memory traffic.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class FmaPeakBenchmarks
{
    private const int Iterations = 1 << 20;
    private const int Chains = 16;

    public static IEnumerable<FmaWork> Widths()
    {
        if (Avx512F.IsSupported)
        {
            yield return new FmaWork(512);
        }

        if (Fma.IsSupported)
        {
            yield return new FmaWork(256);
        }
    }

    [ParamsSource(nameof(Widths))]
    public FmaWork Work { get; set; } = new(256);

    [Params(1, 2)]
    public int Threads { get; set; }

    [Benchmark]
    public float IndependentFmaChains()
    {
        if (Threads == 1)
        {
            return Run(Work.Bits);
        }

        var partials = new float[Threads];
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t => partials[t] = Run(Work.Bits));
        return partials.Sum();
    }

    private static float Run(int bits) => bits == 512 ? Chains512() : Chains256();

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512()
    {
        Vector512<float> a0 = Vector512.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        Vector512<float> a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        Vector512<float> x = Vector512.Create(0.999f), y = Vector512.Create(1e-4f);
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, x, y);
            a1 = Avx512F.FusedMultiplyAdd(a1, x, y);
            a2 = Avx512F.FusedMultiplyAdd(a2, x, y);
            a3 = Avx512F.FusedMultiplyAdd(a3, x, y);
            a4 = Avx512F.FusedMultiplyAdd(a4, x, y);
            a5 = Avx512F.FusedMultiplyAdd(a5, x, y);
            a6 = Avx512F.FusedMultiplyAdd(a6, x, y);
            a7 = Avx512F.FusedMultiplyAdd(a7, x, y);
            a8 = Avx512F.FusedMultiplyAdd(a8, x, y);
            a9 = Avx512F.FusedMultiplyAdd(a9, x, y);
            a10 = Avx512F.FusedMultiplyAdd(a10, x, y);
            a11 = Avx512F.FusedMultiplyAdd(a11, x, y);
            a12 = Avx512F.FusedMultiplyAdd(a12, x, y);
            a13 = Avx512F.FusedMultiplyAdd(a13, x, y);
            a14 = Avx512F.FusedMultiplyAdd(a14, x, y);
            a15 = Avx512F.FusedMultiplyAdd(a15, x, y);
        }

        Vector512<float> sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15;
        return Vector512.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256()
    {
        Vector256<float> a0 = Vector256.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        Vector256<float> a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        Vector256<float> x = Vector256.Create(0.999f), y = Vector256.Create(1e-4f);
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, x, y);
            a1 = Fma.MultiplyAdd(a1, x, y);
            a2 = Fma.MultiplyAdd(a2, x, y);
            a3 = Fma.MultiplyAdd(a3, x, y);
            a4 = Fma.MultiplyAdd(a4, x, y);
            a5 = Fma.MultiplyAdd(a5, x, y);
            a6 = Fma.MultiplyAdd(a6, x, y);
            a7 = Fma.MultiplyAdd(a7, x, y);
            a8 = Fma.MultiplyAdd(a8, x, y);
            a9 = Fma.MultiplyAdd(a9, x, y);
            a10 = Fma.MultiplyAdd(a10, x, y);
            a11 = Fma.MultiplyAdd(a11, x, y);
            a12 = Fma.MultiplyAdd(a12, x, y);
            a13 = Fma.MultiplyAdd(a13, x, y);
            a14 = Fma.MultiplyAdd(a14, x, y);
            a15 = Fma.MultiplyAdd(a15, x, y);
        }

        Vector256<float> sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15;
        return Vector256.Sum(sum);
    }

    /// <summary>One thread's FMA loop at a vector width.</summary>
    public sealed record FmaWork(int Bits) : IFlopCount
    {
        public double Flops => 2.0 * Iterations * Chains * (Bits / 32);

        public bool PerThread => true;

        public override string ToString() => $"{Bits}-bit";
    }
}
