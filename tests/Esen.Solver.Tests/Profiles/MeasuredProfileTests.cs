using Esen.Solver.Profiles;

namespace Esen.Solver.Tests.Profiles;

public class MeasuredProfileTests
{
    [Fact]
    public void Key_RefusesBlankTextAndNonPositiveCounts()
    {
        Assert.Throws<ArgumentException>(() => ProfileStoreTests.Key(gpu: " "));
        Assert.Throws<ArgumentException>(() => ProfileStoreTests.Key(mechanism: ""));
        Assert.Throws<ArgumentException>(() => ProfileStoreTests.Key(driver: 0));
        Assert.Throws<ArgumentException>(() => ProfileStoreTests.Key(batch: -1));
    }

    [Fact]
    public void Point_RefusesSpreadThatDoesNotEncloseTheMedian()
    {
        Assert.Throws<ArgumentException>(() => new MeasuredPoint(8, 4.0, 20, 4.1, 4.5));
        Assert.Throws<ArgumentException>(() => new MeasuredPoint(8, 4.0, 20, 3.9, double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => new MeasuredPoint(8, 4.0, 0, 3.9, 4.1));
    }

    [Fact]
    public void Profile_RefusesNoPointsRepeatedSmsAndSmsBeyondTheDevice()
    {
        MeasuredProfileKey key = ProfileStoreTests.Key(sms: 100);
        var point = new MeasuredPoint(50, 4.0, 20, 3.9, 4.1);

        Assert.Throws<ArgumentException>(() => new MeasuredProfile(key, [], 0, DateTimeOffset.UnixEpoch));
        Assert.Throws<ArgumentException>(() => new MeasuredProfile(key, [point, point], 0, DateTimeOffset.UnixEpoch));
        Assert.Throws<ArgumentException>(() => new MeasuredProfile(key, [new MeasuredPoint(132, 4.0, 20, 3.9, 4.1)], 0, DateTimeOffset.UnixEpoch));
        Assert.Throws<ArgumentException>(() => new MeasuredProfile(key, [point], -1, DateTimeOffset.UnixEpoch));
    }
}
