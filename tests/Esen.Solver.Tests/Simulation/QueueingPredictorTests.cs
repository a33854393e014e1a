using Esen.Solver.Problems;
using Esen.Solver.Simulation;

namespace Esen.Solver.Tests.Simulation;

/// <summary>
/// The queueing predictor against closed forms (Kleinrock, Queueing Systems Vol. 1, 1975: M/M/1 §3.2,
/// M/M/c and Erlang's C formula §3.5, the Pollaczek–Khinchine mean wait of M/G/1 §5.7).
/// </summary>
public class QueueingPredictorTests
{
    // Long runs so the sample statistics sit within a few percent of the stationary values at ρ ≤ 0.8.
    private static readonly QueueingPredictor s_long = new(new QueueingOptions { Requests = 400_000, WarmUp = 20_000, Seed = 11 });

    private static BatchServiceTime Exponential(double meanMs) => (_, random) => -meanMs * Math.Log(1 - random.NextDouble());

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void MM1_MeanAndP99_MatchTheExponentialResponseTime(double utilisation)
    {
        const double serviceMs = 2.0;
        double rateRps = utilisation * 1000 / serviceMs;
        // M/M/1 FIFO: the response time is exponential with rate μ − λ, so mean 1/(μ − λ) and p99 ln(100)/(μ − λ).
        double meanMs = 1000 / ((1000 / serviceMs) - rateRps);

        QueueingPrediction predicted = s_long.Predict(rateRps, replicas: 1, maxBatch: 1, Exponential(serviceMs));

        Assert.Equal(meanMs, predicted.MeanMs, meanMs * 0.05);
        Assert.Equal(Math.Log(100) * meanMs, predicted.P99Ms, Math.Log(100) * meanMs * 0.05);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.6)]
    [InlineData(0.8)]
    public void MD1_MeanWait_MatchesPollaczekKhinchine(double utilisation)
    {
        const double serviceMs = 4.0;
        double rateRps = utilisation * 1000 / serviceMs;
        // Pollaczek–Khinchine: W_q = λ E[S²] / (2 (1 − ρ)), and E[S²] = S² for a deterministic service.
        double waitMs = utilisation * serviceMs / (2 * (1 - utilisation));

        QueueingPrediction predicted = s_long.Predict(rateRps, 1, 1, (_, _) => serviceMs);

        Assert.Equal(waitMs, predicted.MeanWaitMs, (waitMs * 0.05) + 1e-3);
        Assert.Equal(waitMs + serviceMs, predicted.MeanMs, (waitMs * 0.05) + 1e-3);
    }

    [Theory]
    [InlineData(2, 0.5)]
    [InlineData(3, 0.7)]
    public void MMc_MeanWait_MatchesErlangC(int replicas, double utilisation)
    {
        const double serviceMs = 3.0;
        double mu = 1000 / serviceMs;
        double rateRps = utilisation * replicas * mu;
        double offered = rateRps / mu;
        double term = Math.Pow(offered, replicas) / Factorial(replicas) * replicas / (replicas - offered);
        double sum = Enumerable.Range(0, replicas).Sum(k => Math.Pow(offered, k) / Factorial(k));
        double erlangC = term / (sum + term);
        double waitMs = 1000 * erlangC / ((replicas * mu) - rateRps);

        QueueingPrediction predicted = s_long.Predict(rateRps, replicas, 1, Exponential(serviceMs));

        Assert.Equal(waitMs, predicted.MeanWaitMs, waitMs * 0.06);
    }

    [Fact]
    public void SameSeed_SameAnswer_OtherSeed_Close()
    {
        BatchServiceTime service = (n, _) => 1.0 + (0.5 * n);
        var first = new QueueingPredictor(new QueueingOptions { Seed = 5 });
        var again = new QueueingPredictor(new QueueingOptions { Seed = 5 });
        var other = new QueueingPredictor(new QueueingOptions { Seed = 6 });

        QueueingPrediction a = first.Predict(900, 2, 4, service);

        Assert.Equal(a, again.Predict(900, 2, 4, service));
        Assert.Equal(a, first.Predict(900, 2, 4, service));
        Assert.NotEqual(a, other.Predict(900, 2, 4, service));
        Assert.Equal(a.MeanMs, other.Predict(900, 2, 4, service).MeanMs, a.MeanMs * 0.1);
    }

    [Fact]
    public void Batching_ServesBeyondTheUnbatchedCapacity()
    {
        // One request takes 1 ms (1000 req/s at most); four take 2 ms (2000 req/s).
        var tables = new BatchLatencyTable([KeyValuePair.Create(1, new LatencyTable([100], [1.0])), KeyValuePair.Create(4, new LatencyTable([100], [2.0]))]);
        var predictor = new QueueingPredictor();

        QueueingPrediction unbatched = predictor.Predict(1500, 1, 1, (n, _) => tables.ServiceMs(n, 100));
        QueueingPrediction batched = predictor.Predict(1500, 1, 4, (n, _) => tables.ServiceMs(n, 100));

        Assert.True(unbatched.P99Ms > 1000, $"unbatched p99 {unbatched.P99Ms} ms: the queue should grow without bound");
        Assert.True(batched.P99Ms < 20, $"batched p99 {batched.P99Ms} ms");
    }

    [Fact]
    public void ServiceMs_RunsAPartialBatchAtTheNextListedBatchSize()
    {
        var tables = new BatchLatencyTable([
            KeyValuePair.Create(8, new LatencyTable([50, 100], [9.0, 5.0])),
            KeyValuePair.Create(1, new LatencyTable([50, 100], [2.0, 1.0])),
            KeyValuePair.Create(4, new LatencyTable([50, 100], [6.0, 3.0]))]);

        Assert.Equal([1, 4, 8], tables.Batches);
        Assert.Equal(2.0, tables.ServiceMs(1, 50));
        Assert.Equal(3.0, tables.ServiceMs(2, 100));
        Assert.Equal(3.0, tables.ServiceMs(4, 100));
        Assert.Equal(9.0, tables.ServiceMs(5, 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => tables.ServiceMs(9, 50));
    }

    private static double Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);
}
