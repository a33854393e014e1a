using Esen.Solver.Problems;

namespace Esen.Solver.Planning;

/// <summary>
/// Checks a plan against the format's rules, written straight from docs/problem-format.md and
/// sharing no code with the solvers: every copy of a member (one, or its <c>replicas</c>) on one existing
/// device at a share from its table, per device Σ share ≤ 100 and Σ memory ≤ the device's memory.
/// </summary>
public static class PlanChecker
{
    // Memory sums are compared with a relative tolerance so 0.1 + 0.2 MB does not exceed 0.3 MB.
    private const double MemoryTolerance = 1e-9;

    /// <summary>Every rule the plan breaks; empty when it is feasible.</summary>
    public static IReadOnlyList<string> Violations(Problem problem, Plan plan)
    {
        var violations = new List<string>();
        int copies = problem.Members.Sum(m => m.Replicas);
        if (plan.DeviceOf.Length != copies || plan.ShareOf.Length != copies || (plan.MemberOf is null && copies != problem.Members.Count))
        {
            violations.Add($"the plan places {plan.DeviceOf.Length} copies with {plan.ShareOf.Length} shares; the problem has {copies}");
            return violations;
        }

        for (int m = 0; m < problem.Members.Count; m++)
        {
            int placed = Enumerable.Range(0, copies).Count(i => plan.MemberAt(i) == m);
            if (placed != problem.Members[m].Replicas)
            {
                violations.Add($"{problem.Members[m].Name}: {placed} copies placed, {problem.Members[m].Replicas} needed");
            }
        }

        int[] shareUsed = new int[problem.Devices.Count];
        double[] memoryUsed = new double[problem.Devices.Count];
        for (int i = 0; i < copies; i++)
        {
            ProblemMember member = problem.Members[plan.MemberAt(i)];
            int d = plan.DeviceOf[i];
            if (d < 0 || d >= problem.Devices.Count)
            {
                violations.Add($"{member.Name}: device index {d} does not exist");
                continue;
            }

            if (!member.LatencyMs.Contains(plan.ShareOf[i]))
            {
                violations.Add($"{member.Name}: share {plan.ShareOf[i]} is not in its latency table");
            }

            shareUsed[d] += plan.ShareOf[i];
            memoryUsed[d] += member.MemoryMb;
        }

        for (int d = 0; d < problem.Devices.Count; d++)
        {
            ProblemDevice device = problem.Devices[d];
            if (shareUsed[d] > Problem.DeviceShareCapacity)
            {
                violations.Add($"{device.Name}: shares sum to {shareUsed[d]} % > 100 %");
            }

            if (memoryUsed[d] > device.MemoryMb * (1 + MemoryTolerance))
            {
                violations.Add($"{device.Name}: memory {memoryUsed[d]} MB > {device.MemoryMb} MB");
            }
        }

        return violations;
    }

    /// <summary>
    /// The objective of copies across nodes: the request enters at the node (<paramref name="problem"/>'s device
    /// nodes) that gives the smallest objective, which is the slowest copy's time plus, for a copy on another
    /// node, its member's transfer time (<see cref="TransferMsAt"/>).
    /// </summary>
    /// <param name="problem">The problem.</param>
    /// <param name="deviceOf">Each copy's device index.</param>
    /// <param name="memberOf">Each copy's member index.</param>
    /// <param name="copyMs">Each copy's time in ms without transfers (a table latency, or a simulated finish).</param>
    public static (string? Home, double ObjectiveMs) AcrossNodes(Problem problem, IReadOnlyList<int> deviceOf, Func<int, int> memberOf, Func<int, double> copyMs)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(deviceOf);
        ArgumentNullException.ThrowIfNull(memberOf);
        ArgumentNullException.ThrowIfNull(copyMs);
        return problem.Devices.Select(d => d.Node).Distinct()
            .Select(home => (Home: home, ObjectiveMs: Enumerable.Range(0, deviceOf.Count).Max(i => copyMs(i) + TransferMsAt(problem, deviceOf[i], memberOf(i), home))))
            .MinBy(h => h.ObjectiveMs);
    }

    /// <summary>The transfer time (ms) of <paramref name="member"/>'s copy on <paramref name="device"/> for a request entering at node <paramref name="home"/>: 0 on that node, else <see cref="Problem.TransferMs"/>.</summary>
    public static double TransferMsAt(Problem problem, int device, int member, string? home)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Devices[device].Node == home ? 0 : problem.TransferMs(member);
    }

    /// <summary>
    /// The objective of a feasible plan, computed from the definitions. Across nodes the request enters
    /// at the node that gives the smallest objective, and a copy on another node adds its member's
    /// transfer time (<see cref="Problem.TransferMs"/>).
    /// </summary>
    public static double ObjectiveOf(Problem problem, Plan plan)
    {
        if (problem.IsClustered)
        {
            return AcrossNodes(problem, plan.DeviceOf, plan.MemberAt, i => problem.Members[plan.MemberAt(i)].LatencyMs.LatencyAt(plan.ShareOf[i])).ObjectiveMs;
        }

        double max = 0;
        double sum = 0;
        for (int i = 0; i < problem.Members.Count; i++)
        {
            double t = problem.Members[i].Weight * problem.Members[i].LatencyMs.LatencyAt(plan.ShareOf[i]);
            max = Math.Max(max, t);
            sum += t;
        }

        return problem.Objective == Objective.Latency ? sum : max;
    }
}
