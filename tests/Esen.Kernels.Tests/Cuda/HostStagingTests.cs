using Esen.Kernels.Cuda;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>The layout of a plan's page-locked staging buffer.</summary>
public class HostStagingTests
{
    [Fact]
    public void Values_LieOneAfterAnother_OnCacheLines()
    {
        (long[] offsets, long total) = HostStaging.Lay([10, 64, 0, 65, 4]);

        Assert.Equal([0, 64, 128, 128, 256], offsets);
        Assert.Equal(320, total);
    }

    [Fact]
    public void ValuesPast2GiB_LayOutWithoutOverflow()
    {
        const long ThreeGiB = 3L << 30;
        (long[] offsets, long total) = HostStaging.Lay([ThreeGiB, ThreeGiB, 4]);

        Assert.Equal([0, ThreeGiB, 2 * ThreeGiB], offsets);
        Assert.Equal((2 * ThreeGiB) + 64, total);
    }

    [Fact]
    public void NoValues_NeedNoBytes() => Assert.Equal(0, HostStaging.Lay([]).TotalBytes);

    [Fact]
    public void ANegativeSize_IsRefused() => Assert.Throws<ArgumentOutOfRangeException>(() => HostStaging.Lay([4, -1]));
}
