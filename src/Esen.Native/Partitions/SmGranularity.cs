namespace Esen.Native.Partitions;

/// <summary>
/// The SM counts a mechanism can hand out on an architecture: at least <paramref name="Minimum"/> and
/// a multiple of <paramref name="Multiple"/>.
/// </summary>
/// <param name="Minimum">Smallest partition, in SMs.</param>
/// <param name="Multiple">Partitions are multiples of this many SMs.</param>
public readonly record struct SmGranularity(int Minimum, int Multiple)
{
    /// <summary>
    /// The size of the groups one split produces: the minimum rounded up to the multiple. Partitions are
    /// whole numbers of such groups, because one <c>cuDevSmResourceSplitByCount</c> call makes equal groups.
    /// </summary>
    public int UnitSms => (Minimum + Multiple - 1) / Multiple * Multiple;

    /// <summary>
    /// The documented granularity of <paramref name="mechanism"/> on compute capability
    /// <paramref name="computeMajor"/>.
    /// Green contexts: the CUDA 12.4 cuda.h guideline for <c>minCount</c> (gpu-facts §1.4): 6.x 1/1,
    /// 7.x 2/2, 8.x 4/2, 9.0+ 8/8. MPS (both forms): one TPC = 2 SMs on Volta and newer (MPS doc:
    /// rounded to "hardware supported" counts; iGniter's 2.5 % unit on 80-SM V100; gpu-facts §1.2, §3).
    /// </summary>
    public static SmGranularity For(PartitionMechanism mechanism, int computeMajor) => mechanism switch
    {
        PartitionMechanism.GreenContext => computeMajor switch
        {
            < 7 => new SmGranularity(1, 1),
            7 => new SmGranularity(2, 2),
            8 => new SmGranularity(4, 2),
            _ => new SmGranularity(8, 8),
        },
        PartitionMechanism.MpsExecutionAffinity or PartitionMechanism.MpsThreadPercentage => new SmGranularity(2, 2),
        _ => new SmGranularity(1, 1),
    };
}
