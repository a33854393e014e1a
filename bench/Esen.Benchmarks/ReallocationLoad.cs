using System.Diagnostics;
using System.Globalization;
using Esen.Kernels.Graph;
using Esen.Runtime;
using Esen.Runtime.Specs;

namespace Esen.Benchmarks;

/// <summary>
/// Online re-allocation under load: closed-loop clients call <see cref="EnsembleSession.InferAsync"/> while the
/// session adds and removes a member (moving every member to new partitions) every <c>--every-ms</c>. Every
/// answer must be the one of the two-member or the three-member ensemble for its input (computed beforehand by
/// sessions of their own); the pause of each move (no batch dispatched while the old partitions finish) is
/// reported. Two MobileNetV2 (seeds 1, 2), the third seed 3, averaged, on 3×32×32 images on the CPU, batches of up
/// to 8 after at most 2 ms.
/// Run: <c>dotnet run -c Release --project bench/Esen.Benchmarks -- reallocation [--requests 3000] [--clients 16] [--every-ms 500]</c>.
/// </summary>
internal static class ReallocationLoad
{
    private const int Inputs = 16;
    private const int ImageSize = 32;

    public static int Run(string[] args, TextWriter output) => RunAsync(args, output).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        int requests = int.Parse(BenchHost.Argument(args, "--requests") ?? "3000", CultureInfo.InvariantCulture);
        int clients = int.Parse(BenchHost.Argument(args, "--clients") ?? "16", CultureInfo.InvariantCulture);
        int everyMs = int.Parse(BenchHost.Argument(args, "--every-ms") ?? "500", CultureInfo.InvariantCulture);
        MemberSpec third = new("c", null, "mobilenetv2", 3);
        var spec = new EnsembleSpec(
            "reallocation-load", EnsembleKind.Ensemble, CombineRule.Mean, null, DeviceSpec.Cpu,
            [new MemberSpec("a", null, "mobilenetv2", 1), new MemberSpec("b", null, "mobilenetv2", 2)],
            new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, ImageSize, ImageSize)),
            new BatchingSpec(MaxBatch: 8, MaxDelayMs: 2), "search");
        Tensor[] inputs = [.. Enumerable.Range(0, Inputs).Select(i => Tensor.SeededRandom(new TensorShape(1, 3, ImageSize, ImageSize), i + 1, 1f))];
        Tensor[] two = await AnswersAsync(spec, inputs);
        Tensor[] three = await AnswersAsync(spec with { Members = [.. spec.Members, third] }, inputs);

        await using EnsembleSession session = await EnsembleSession.LoadAsync(spec);
        _ = await Task.WhenAll(inputs.Select(x => session.InferAsync(x)));
        await output.WriteLineAsync($"{spec.SourceName}: mobilenetv2 ×2 ⇄ ×3 (mean), input [1, 3, {ImageSize}, {ImageSize}], batch ≤ {spec.Batching.MaxBatch}, {requests} requests from {clients} closed-loop clients, a member added or removed every {everyMs} ms, {Environment.ProcessorCount} cores");

        int next = -1, wrong = 0, failed = 0;
        var answered = new int[requests];
        var latencies = new double[requests];
        long start = Stopwatch.GetTimestamp();
        Task load = Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < requests; i = Interlocked.Increment(ref next))
            {
                long sent = Stopwatch.GetTimestamp();
                try
                {
                    Tensor answer = await session.InferAsync(inputs[i % Inputs]);
                    Interlocked.Increment(ref answered[i]);
                    if (!ServingLoad.Close(two[i % Inputs], answer) && !ServingLoad.Close(three[i % Inputs], answer))
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
                catch (EsenException)
                {
                    Interlocked.Increment(ref failed);
                }

                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
        })));
        while (!load.IsCompleted)
        {
            await Task.WhenAny(load, Task.Delay(everyMs));
            if (!load.IsCompleted)
            {
                _ = session.Spec.Members.Count == 2 ? await session.AddMemberAsync(third) : await session.RemoveMemberAsync("c");
            }
        }

        await load;
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(latencies);
        IReadOnlyList<Reallocation> moves = session.Statistics.Reallocations;
        double[] pauses = [.. moves.Select(m => m.Pause.TotalMilliseconds).Order()];
        double[] builds = [.. moves.Select(m => m.Build.TotalMilliseconds).Order()];
        int lost = answered.Count(a => a == 0) - failed, duplicated = answered.Count(a => a > 1);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  {requests / wall:F0} requests/s  p50 {Quantile(latencies, 0.5):F1} ms  p99 {Quantile(latencies, 0.99):F1} ms  lost {lost}  duplicated {duplicated}  failed {failed}  wrong {wrong}"));
        if (moves.Count > 0)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {moves.Count} reallocations: pause min {pauses[0]:F1} / median {Quantile(pauses, 0.5):F1} / max {pauses[^1]:F1} ms, {moves.Sum(m => m.BatchesDrained)} batches drained in all; build (beside serving) median {Quantile(builds, 0.5):F0} ms"));
        }

        return lost + duplicated + failed + wrong == 0 ? 0 : 1;
    }

    private static async Task<Tensor[]> AnswersAsync(EnsembleSpec spec, Tensor[] inputs)
    {
        await using EnsembleSession session = await EnsembleSession.LoadAsync(spec);
        return await Task.WhenAll(inputs.Select(x => session.InferAsync(x)));
    }

    private static double Quantile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}
