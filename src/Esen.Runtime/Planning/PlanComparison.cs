using Esen.Runtime.Specs;
using Esen.Solver.Devices;
using Esen.Solver.Planning;

namespace Esen.Runtime.Planning;

/// <summary>One plan of a <see cref="PlanComparison"/>.</summary>
/// <param name="Name">The solver, "equal split" or "default".</param>
/// <param name="Status">The solver's status, "naive" (equal split), "no limits" (default) or "unavailable".</param>
/// <param name="Shares">Each member's share in spec order; null when the solver found no plan.</param>
/// <param name="SolveMs">The solver's wall time; null for the baselines.</param>
/// <param name="TableMs">The solver's objective on the cost-model tables; null for the baselines.</param>
/// <param name="Prediction">Simulated (GPU) or cost-model (CPU) batch time and SM use; null without a plan.</param>
/// <param name="Note">Why there is no plan.</param>
public sealed record ComparedPlan(string Name, string Status, IReadOnlyList<int>? Shares, double? SolveMs, double? TableMs, Prediction? Prediction, string? Note = null);

/// <summary>
/// A spec's members on one device under each solver, the equal split and the default concurrency (every
/// member on the whole device at once, ESEN's baseline), all predicted the same way so they compare.
/// </summary>
/// <param name="Device">The device planned for.</param>
/// <param name="Default">The default concurrency's prediction, the baseline of <see cref="Speedup"/>.</param>
/// <param name="Plans">The solvers' plans, then the equal split, then the default.</param>
public sealed record PlanComparison(Device Device, Prediction Default, IReadOnlyList<ComparedPlan> Plans)
{
    /// <summary>The solvers <see cref="Compare"/> runs by default.</summary>
    public static readonly IReadOnlyList<string> DefaultSolvers = ["search", "milp"];

    /// <summary>The first solver's plan, when it found one.</summary>
    public RuntimePlan? FirstSolverPlan { get; init; }

    /// <summary>How many times faster than the default concurrency <paramref name="plan"/> is predicted to be.</summary>
    public double? Speedup(ComparedPlan plan) => plan.Prediction is { } p ? Default.JctMs / p.JctMs : null;

    /// <summary>Plans every member of <paramref name="models"/> on <paramref name="device"/> with each solver and predicts every plan.</summary>
    /// <param name="models">The spec's members; its device is replaced by <paramref name="device"/> for the prediction.</param>
    /// <param name="device">A simulated GPU or the CPU.</param>
    /// <param name="solvers">Solver names; <see cref="DefaultSolvers"/> when null.</param>
    public static PlanComparison Compare(EnsembleModels models, DeviceSpec device, IEnumerable<string>? solvers = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        EnsembleSpec spec = models.Spec;
        int[] all = [.. Enumerable.Range(0, spec.Members.Count)];
        Device resolved = EnsemblePlanner.Resolve(device);
        Prediction baseline = models.PredictDefault(device, all);
        var plans = new List<ComparedPlan>();
        RuntimePlan? first = null;
        foreach (string solver in solvers ?? DefaultSolvers)
        {
            try
            {
                (RuntimePlan plan, IReadOnlyList<DevicePlan> devices) = models.Plan(solver);
                PlanResult result = devices[0].Result;
                first ??= plan;
                plans.Add(new ComparedPlan(solver, PlanResultJson.StatusName(result.Status), plan.Shares, result.SolveTime.TotalMilliseconds, result.ObjectiveMs, models.Predict(device, all, plan.Shares)));
            }
            catch (EsenException ex)
            {
                plans.Add(new ComparedPlan(solver, "unavailable", null, null, null, null, ex.Message));
            }
        }

        RuntimePlan equal = RuntimePlan.Equal(spec);
        plans.Add(new ComparedPlan("equal split", "naive", equal.Shares, null, null, models.Predict(device, all, equal.Shares)));
        plans.Add(new ComparedPlan("default", "no limits", [.. spec.Members.Select(_ => 100)], null, null, baseline));
        return new PlanComparison(resolved, baseline, plans) { FirstSolverPlan = first };
    }
}
