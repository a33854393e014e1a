namespace Esen.Solver.Simulation;

/// <summary>How long a dispatched batch of <paramref name="requests"/> takes, in ms; may draw from <paramref name="random"/>.</summary>
public delegate double BatchServiceTime(int requests, Random random);

/// <summary>The size and seed of one queueing simulation.</summary>
public sealed record QueueingOptions
{
    /// <summary>Requests simulated, including the warm-up.</summary>
    public int Requests { get; init; } = 20_000;

    /// <summary>The first requests, left out of the statistics (the queue starts empty).</summary>
    public int WarmUp { get; init; } = 2_000;

    /// <summary>Seed of the arrivals (and of random service times); the same seed gives the same answer.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>Response-time statistics (queueing + service) of the requests after the warm-up, in ms.</summary>
/// <param name="MeanMs">Mean response time.</param>
/// <param name="P99Ms">99th percentile of the response time (nearest rank).</param>
/// <param name="MeanWaitMs">Mean time from arrival to dispatch.</param>
public sealed record QueueingPrediction(double MeanMs, double P99Ms, double MeanWaitMs);

/// <summary>
/// A seeded discrete-event simulation of one served model: Poisson arrivals into one FIFO queue,
/// identical replicas, and a batcher that dispatches as soon as a replica is free and a request waits,
/// taking up to the batch size of the waiting requests. Deterministic for a seed; the arrivals of
/// every call are the same unit-rate exponential gaps scaled by the rate (common random numbers, so a
/// bisection on the rate compares like with like).
/// </summary>
public sealed class QueueingPredictor
{
    private const double Percentile = 0.99;
    private readonly QueueingOptions _options;
    private readonly double[] _unitArrivals;

    /// <summary>Creates a predictor; <paramref name="options"/> defaults to <see cref="QueueingOptions"/>'s.</summary>
    /// <exception cref="ArgumentException">Fewer than one request left after the warm-up.</exception>
    public QueueingPredictor(QueueingOptions? options = null)
    {
        _options = options ?? new QueueingOptions();
        if (_options.WarmUp < 0 || _options.Requests - _options.WarmUp < 1)
        {
            throw new ArgumentException($"need warm-up >= 0 and more requests than warm-up, got {_options.Requests} and {_options.WarmUp}", nameof(options));
        }

        var random = new Random(_options.Seed);
        _unitArrivals = new double[_options.Requests];
        double time = 0;
        for (int i = 0; i < _unitArrivals.Length; i++)
        {
            time += -Math.Log(1 - random.NextDouble());
            _unitArrivals[i] = time;
        }
    }

    /// <summary>The options it simulates with.</summary>
    public QueueingOptions Options => _options;

    /// <summary>Simulates <paramref name="rateRps"/> requests per second on <paramref name="replicas"/> replicas with batches of at most <paramref name="maxBatch"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate, replica count or batch size that is not positive.</exception>
    public QueueingPrediction Predict(double rateRps, int replicas, int maxBatch, BatchServiceTime serviceMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rateRps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(replicas);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        ArgumentNullException.ThrowIfNull(serviceMs);
        double msPerUnit = 1000 / rateRps;
        var serviceRandom = new Random(_options.Seed + 1);
        double[] freeAt = new double[replicas];
        int n = _unitArrivals.Length;
        double[] response = new double[n - _options.WarmUp];
        double waitSum = 0;
        int head = 0;
        while (head < n)
        {
            // The replica free soonest takes the oldest waiting request and whatever else has arrived by then.
            int replica = 0;
            for (int r = 1; r < replicas; r++)
            {
                if (freeAt[r] < freeAt[replica])
                {
                    replica = r;
                }
            }

            double dispatch = Math.Max(freeAt[replica], _unitArrivals[head] * msPerUnit);
            int size = 1;
            while (size < maxBatch && head + size < n && _unitArrivals[head + size] * msPerUnit <= dispatch)
            {
                size++;
            }

            double done = dispatch + serviceMs(size, serviceRandom);
            freeAt[replica] = done;
            for (int j = head; j < head + size; j++)
            {
                if (j >= _options.WarmUp)
                {
                    double arrival = _unitArrivals[j] * msPerUnit;
                    response[j - _options.WarmUp] = done - arrival;
                    waitSum += dispatch - arrival;
                }
            }

            head += size;
        }

        double mean = response.Average();
        Array.Sort(response);
        double p99 = response[(int)Math.Ceiling(Percentile * response.Length) - 1];
        return new QueueingPrediction(mean, p99, waitSum / response.Length);
    }
}
