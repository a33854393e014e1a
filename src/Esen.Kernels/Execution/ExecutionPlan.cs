using Esen.Kernels.Graph;

namespace Esen.Kernels.Execution;

/// <summary>
/// What a plan for one binding of the input shapes looks like: how many nodes run, how much arena
/// memory the liveness-based planner needs, against the sum of all intermediate values without reuse.
/// </summary>
/// <param name="Shapes">Inferred shapes of the binding.</param>
/// <param name="Steps">Nodes executed per run (constant nodes are evaluated once at planning).</param>
/// <param name="ArenaBytes">Bytes of the float and int64 arenas.</param>
/// <param name="UnplannedBytes">Bytes all intermediate values would take without reuse or aliasing.</param>
/// <param name="InPlaceConcatInputs">
/// Concat inputs whose producer writes them straight into their slice of the Concat's output, so the
/// Concat copies nothing for them.
/// </param>
public sealed record ExecutionPlanInfo(InferredShapes Shapes, int Steps, long ArenaBytes, long UnplannedBytes, int InPlaceConcatInputs);
