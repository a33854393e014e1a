namespace Esen.Solver.Problems;

/// <summary>
/// The semantic checks of <c>esen-problem/1</c>, shared by the reader, the writer and
/// <see cref="Problem"/>'s constructor. Paths use the file's field names.
/// </summary>
public static class ProblemValidator
{
    /// <summary>Every error and warning of <paramref name="problem"/>, in file order.</summary>
    public static IReadOnlyList<ProblemIssue> Check(Problem problem)
    {
        var issues = new List<ProblemIssue>();
        if (!ProblemObjectives.AllowedFor(problem.Kind).Contains(problem.Objective))
        {
            issues.Add(new("$.objective", $"objective '{problem.Objective.ToJsonName()}' is not defined for kind '{problem.Kind.ToJsonName()}' (allowed: {string.Join(", ", ProblemObjectives.AllowedFor(problem.Kind).Select(o => o.ToJsonName()))})"));
        }

        if (problem.Devices.Count == 0)
        {
            issues.Add(new("$.devices", "at least one device is needed"));
        }

        var deviceNames = new HashSet<string>(StringComparer.Ordinal);
        for (int d = 0; d < problem.Devices.Count; d++)
        {
            ProblemDevice device = problem.Devices[d];
            string path = $"$.devices[{d}]";
            CheckName(device.Name, deviceNames, $"{path}.name", "device", issues);
            CheckMemory(device.MemoryMb, $"{path}.memory_mb", issues);
        }

        if (problem.Members.Count == 0)
        {
            issues.Add(new("$.members", "at least one member is needed"));
        }

        var memberNames = new HashSet<string>(StringComparer.Ordinal);
        for (int m = 0; m < problem.Members.Count; m++)
        {
            ProblemMember member = problem.Members[m];
            string path = $"$.members[{m}]";
            CheckName(member.Name, memberNames, $"{path}.name", "member", issues);
            CheckMemory(member.MemoryMb, $"{path}.memory_mb", issues);
            if (problem.Kind == ProblemKind.Serving)
            {
                CheckServing(member, path, issues);
            }
            else
            {
                CheckTable(member.LatencyMs, $"{path}.latency_ms", issues);
                if (member.Slo is not null || member.Batches is not null)
                {
                    issues.Add(new(member.Slo is not null ? $"{path}.slo" : $"{path}.batch_latency_ms", "slo and batch_latency_ms are only defined for kind 'serving'"));
                }
            }

            CheckReach(problem, m, $"{path}.reach", issues);
            CheckWeight(problem, m, $"{path}.weight", issues);
            CheckCopies(problem, member, path, issues);
        }

        if (problem.LinkGbps is double link && !(link > 0 && double.IsFinite(link)))
        {
            issues.Add(new("$.link_gbps", $"the link bandwidth must be a finite number > 0 GB/s, got {link}"));
        }

        if (problem.IsClustered && problem.Kind == ProblemKind.Multitenant)
        {
            issues.Add(new("$.kind", "nodes, replicas and transfers are defined for ensembles and cascades, not multitenant problems"));
        }

        if (problem.IsClustered && !problem.Objective.IsBottleneck())
        {
            issues.Add(new("$.objective", "nodes, replicas and transfers are defined for the makespan and period objectives only"));
        }

        if (problem.LinkGbps is null && problem.Devices.Select(d => d.Node).Distinct().Count() > 1
            && problem.Members.Any(m => m.InputBytes > 0 || m.OutputBytes > 0))
        {
            issues.Add(new("$.link_gbps", "members send bytes between nodes: the link bandwidth is needed"));
        }

        return issues;
    }

    private static void CheckCopies(Problem problem, ProblemMember member, string path, List<ProblemIssue> issues)
    {
        if (member.Replicas < 1)
        {
            issues.Add(new($"{path}.replicas", $"replicas must be at least 1, got {member.Replicas}"));
        }

        foreach ((string field, double bytes) in new[] { ("input_bytes", member.InputBytes), ("output_bytes", member.OutputBytes) })
        {
            if (!double.IsFinite(bytes) || bytes < 0)
            {
                issues.Add(new($"{path}.{field}", $"bytes must be a finite number >= 0, got {bytes}"));
            }
        }

        if (problem.Kind == ProblemKind.Serving && (member.Replicas != 1 || member.InputBytes != 0 || member.OutputBytes != 0))
        {
            issues.Add(new($"{path}.replicas", "replicas and bytes are chosen by the slo planner in a serving problem"));
        }
    }

    private static void CheckName(string name, HashSet<string> seen, string path, string what, List<ProblemIssue> issues)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            issues.Add(new(path, $"{what} name must not be empty"));
        }
        else if (!seen.Add(name))
        {
            issues.Add(new(path, $"duplicate {what} name '{name}'"));
        }
    }

    private static void CheckMemory(double memoryMb, string path, List<ProblemIssue> issues)
    {
        if (!double.IsFinite(memoryMb) || memoryMb < 0)
        {
            issues.Add(new(path, $"memory must be a finite number >= 0, got {memoryMb}"));
        }
    }

    private static void CheckTable(LatencyTable table, string path, List<ProblemIssue> issues)
    {
        if (table.Count == 0)
        {
            issues.Add(new(path, "the latency table is empty"));
            return;
        }

        for (int i = 0; i < table.Count; i++)
        {
            int share = table.Shares[i];
            double latency = table.LatenciesMs[i];
            if (share is < 1 or > Problem.DeviceShareCapacity)
            {
                issues.Add(new($"{path}.{share}", $"share {share} is outside 1..100"));
            }

            if (!double.IsFinite(latency) || latency <= 0)
            {
                issues.Add(new($"{path}.{share}", $"latency must be a finite number > 0, got {latency}"));
            }
        }

        if (table.FirstInversion() is (int smaller, int larger))
        {
            issues.Add(new(path, $"not monotone: share {larger} is slower than share {smaller}", IsError: false));
        }
    }

    private static void CheckServing(ProblemMember member, string path, List<ProblemIssue> issues)
    {
        if (member.Slo is not { } slo)
        {
            issues.Add(new($"{path}.slo", "a serving member needs an slo (rate_rps, p99_ms)"));
        }
        else
        {
            if (!double.IsFinite(slo.RateRps) || slo.RateRps <= 0)
            {
                issues.Add(new($"{path}.slo.rate_rps", $"rate must be a finite number > 0, got {slo.RateRps}"));
            }

            if (!double.IsFinite(slo.P99Ms) || slo.P99Ms <= 0)
            {
                issues.Add(new($"{path}.slo.p99_ms", $"p99 must be a finite number > 0, got {slo.P99Ms}"));
            }
        }

        if (member.Batches is not { Batches.Count: > 0 } batches)
        {
            issues.Add(new($"{path}.batch_latency_ms", "a serving member needs a latency table for at least one batch size"));
            return;
        }

        for (int b = 0; b < batches.Batches.Count; b++)
        {
            int batch = batches.Batches[b];
            string batchPath = $"{path}.batch_latency_ms.{batch}";
            if (batch < 1)
            {
                issues.Add(new(batchPath, $"batch {batch} is not >= 1"));
            }

            CheckTable(batches.Tables[b], batchPath, issues);
            if (!batches.Tables[b].Shares.SequenceEqual(batches.Tables[0].Shares))
            {
                // A partial batch runs at the next batch size's latency at the same share (BatchLatencyTable.ServiceMs).
                issues.Add(new(batchPath, $"the shares differ from those of batch {batches.Batches[0]}; every batch needs the same shares"));
            }
        }
    }

    private static void CheckWeight(Problem problem, int m, string path, List<ProblemIssue> issues)
    {
        double weight = problem.Members[m].Weight;
        if (problem.Kind != ProblemKind.Multitenant)
        {
            if (weight != 1.0)
            {
                issues.Add(new(path, "weight is only defined for multitenant problems"));
            }
        }
        else if (!double.IsFinite(weight) || weight <= 0)
        {
            issues.Add(new(path, $"weight must be a positive number, got {weight}"));
        }
    }

    private static void CheckReach(Problem problem, int m, string path, List<ProblemIssue> issues)
    {
        double reach = problem.Members[m].Reach;
        if (problem.Kind != ProblemKind.Cascade)
        {
            if (reach != 1.0)
            {
                issues.Add(new(path, "reach is only defined for cascades"));
            }

            return;
        }

        if (!double.IsFinite(reach) || reach <= 0 || reach > 1)
        {
            issues.Add(new(path, $"reach must be in (0, 1], got {reach}"));
        }
        else if (m == 0 && reach != 1.0)
        {
            issues.Add(new(path, $"the first stage sees every input, so its reach must be 1, got {reach}"));
        }
        else if (m > 0 && reach > problem.Members[m - 1].Reach)
        {
            issues.Add(new(path, $"reach {reach} exceeds the previous stage's {problem.Members[m - 1].Reach}: inputs only leave a cascade"));
        }
    }
}
