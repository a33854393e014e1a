using Esen.Runtime.Specs;

namespace Esen.Runtime.Planning;

/// <summary>Where one member runs and with which share of its device.</summary>
/// <param name="Member">Member name (as in the spec).</param>
/// <param name="SharePercent">Share of the device in percent (1..100).</param>
public sealed record MemberPlacement(string Member, int SharePercent);

/// <summary>
/// A plan the runtime is built from: a share for every member of the spec, on the member's device
/// (the spec says which device; the plan how much of it). Solvers produce it; <see cref="Equal"/> is
/// the naive split.
/// </summary>
public sealed class RuntimePlan
{
    /// <summary>Creates a plan; every member gets exactly one placement.</summary>
    /// <exception cref="ArgumentException">A member is missing or placed twice, or a share is outside 1..100.</exception>
    public RuntimePlan(EnsembleSpec spec, IEnumerable<MemberPlacement> placements, string solver)
    {
        MemberPlacement[] list = [.. placements];
        foreach (MemberPlacement placement in list)
        {
            if (placement.SharePercent is < 1 or > 100)
            {
                throw new ArgumentException($"member {placement.Member}: share {placement.SharePercent} % is outside 1..100", nameof(placements));
            }
        }

        Shares = new int[spec.Members.Count];
        for (int i = 0; i < spec.Members.Count; i++)
        {
            string name = spec.Members[i].Name;
            MemberPlacement[] matches = [.. list.Where(p => p.Member == name)];
            Shares[i] = matches.Length == 1
                ? matches[0].SharePercent
                : throw new ArgumentException($"member {name} has {matches.Length} placements in the plan (expected one)", nameof(placements));
        }

        string? unknown = list.Select(p => p.Member).FirstOrDefault(m => spec.Members.All(s => s.Name != m));
        if (unknown is not null)
        {
            throw new ArgumentException($"the plan places '{unknown}', which is not a member of the spec", nameof(placements));
        }

        Solver = solver;
    }

    /// <summary>The <see cref="Solver"/> of a plan the spec fixes (<see cref="MemberSpec.Share"/>) instead of a solver.</summary>
    public const string FixedBySpec = "fixed";

    /// <summary>Share (percent) per member, in spec order.</summary>
    public int[] Shares { get; }

    /// <summary>The solver (or rule) the plan came from; <see cref="FixedBySpec"/> when the spec fixes the shares.</summary>
    public string Solver { get; }

    /// <summary>Whether the spec fixed the shares, so nothing was solved.</summary>
    public bool IsFixed => Solver == FixedBySpec;

    /// <summary>The shares <paramref name="spec"/> fixes (<see cref="MemberSpec.Share"/>); null when it fixes none, so a solver plans them.</summary>
    /// <exception cref="EnsembleSpecException">The shares are not valid (<see cref="EnsembleSpec.FixedSharesProblem"/>); the message names the member's field.</exception>
    public static RuntimePlan? Fixed(EnsembleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.FixedSharesProblem() is (string path, string detail))
        {
            throw new EnsembleSpecException(spec.SourceName, path, detail);
        }

        return spec.FixesShares ? new RuntimePlan(spec, spec.Members.Select(m => new MemberPlacement(m.Name, m.Share!.Value)), FixedBySpec) : null;
    }

    /// <summary>One line: how the plan came about and each member's share, e.g. "fixed by the spec, not solved: a 40 %, b 60 %".</summary>
    public string Describe(EnsembleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string how = IsFixed ? "fixed by the spec, not solved" : $"solved by {Solver}";
        return $"{how}: {string.Join(", ", spec.Members.Select((m, i) => $"{m.Name} {Shares[i]} %"))}";
    }

    /// <summary>
    /// The naive split: the members sharing a device get equal shares of it (rounded down to whole
    /// percent).
    /// </summary>
    public static RuntimePlan Equal(EnsembleSpec spec)
    {
        var placements = new List<MemberPlacement>();
        for (int i = 0; i < spec.Members.Count; i++)
        {
            DeviceSpec device = spec.DeviceOf(i);
            int sharing = Enumerable.Range(0, spec.Members.Count).Count(j => spec.DeviceOf(j) == device);
            placements.Add(new MemberPlacement(spec.Members[i].Name, Math.Max(1, 100 / sharing)));
        }

        return new RuntimePlan(spec, placements, "equal");
    }
}
