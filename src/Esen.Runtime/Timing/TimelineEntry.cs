namespace Esen.Runtime.Timing;

/// <summary>
/// One member (or cascade stage) running one batch. Seconds count from the runtime's start: wall time
/// on real devices, virtual time on simulated ones.
/// </summary>
/// <param name="Batch">Batch number, from 0 in the order batches were formed.</param>
/// <param name="Member">Member name.</param>
/// <param name="Rows">Inputs in the batch (for a later cascade stage: those that reached it).</param>
/// <param name="StartSeconds">When it started.</param>
/// <param name="FinishSeconds">When it finished.</param>
/// <param name="Virtual">True when the times come from a simulated device's virtual clock.</param>
public sealed record TimelineEntry(int Batch, string Member, int Rows, double StartSeconds, double FinishSeconds, bool Virtual);
