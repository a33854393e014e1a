using Esen.Solver.Problems;

namespace Esen.Runtime.Tenants;

/// <summary>
/// GACER's temporal regulation of independent tenants (arXiv 2304.11745) as a plan: the run is cut into rounds;
/// tenant i's operators are cut into <see cref="SlicesPerTenant"/>[i] slices of about equal work, which run in its
/// first that many rounds; round r runs the r-th slices together, each tenant on its share of the device for that
/// round. One round is spatial sharing only.
/// </summary>
public sealed record TenantSchedule
{
    /// <summary>Creates and checks a schedule.</summary>
    /// <param name="rounds">Rounds (≥ 1).</param>
    /// <param name="slicesPerTenant">Each tenant's slices, 1 to <paramref name="rounds"/>, in tenant order.</param>
    /// <param name="roundShares">Per round, each tenant's share in percent: positive while the tenant has a slice in that round, 0 after; Σ ≤ 100.</param>
    /// <exception cref="ArgumentException">The schedule breaks one of those rules (the message names the round and tenant).</exception>
    public TenantSchedule(int rounds, IReadOnlyList<int> slicesPerTenant, IReadOnlyList<IReadOnlyList<int>> roundShares)
    {
        ArgumentNullException.ThrowIfNull(slicesPerTenant);
        ArgumentNullException.ThrowIfNull(roundShares);
        if (rounds < 1 || roundShares.Count != rounds)
        {
            throw new ArgumentException($"a schedule of {rounds} rounds needs at least one round and one share list per round, got {roundShares.Count}", nameof(roundShares));
        }

        for (int t = 0; t < slicesPerTenant.Count; t++)
        {
            if (slicesPerTenant[t] < 1 || slicesPerTenant[t] > rounds)
            {
                throw new ArgumentException($"tenant {t} has {slicesPerTenant[t]} slices; a tenant has 1 to {rounds} (the rounds)", nameof(slicesPerTenant));
            }
        }

        for (int r = 0; r < rounds; r++)
        {
            IReadOnlyList<int> shares = roundShares[r];
            if (shares.Count != slicesPerTenant.Count)
            {
                throw new ArgumentException($"round {r} gives {shares.Count} shares for {slicesPerTenant.Count} tenants", nameof(roundShares));
            }

            for (int t = 0; t < shares.Count; t++)
            {
                bool active = r < slicesPerTenant[t];
                if (active ? shares[t] is < 1 or > Problem.DeviceShareCapacity : shares[t] != 0)
                {
                    throw new ArgumentException(
                        $"round {r} gives tenant {t} a share of {shares[t]} %; it must be 1 to 100 while the tenant has slices left and 0 after", nameof(roundShares));
                }
            }

            if (shares.Sum() > Problem.DeviceShareCapacity)
            {
                throw new ArgumentException($"round {r}'s shares add up to {shares.Sum()} %, over the device's 100 %", nameof(roundShares));
            }
        }

        Rounds = rounds;
        SlicesPerTenant = [.. slicesPerTenant];
        RoundShares = [.. roundShares.Select(s => (IReadOnlyList<int>)[.. s])];
    }

    /// <summary>Spatial sharing only: one round, every tenant on its share throughout.</summary>
    public static TenantSchedule SpatialOnly(IReadOnlyList<int> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        return new(1, [.. shares.Select(_ => 1)], [shares]);
    }

    /// <summary>The rounds.</summary>
    public int Rounds { get; }

    /// <summary>Each tenant's slices (it runs in the first that many rounds).</summary>
    public IReadOnlyList<int> SlicesPerTenant { get; }

    /// <summary>Per round, each tenant's share in percent (0 once it is done).</summary>
    public IReadOnlyList<IReadOnlyList<int>> RoundShares { get; }
}
