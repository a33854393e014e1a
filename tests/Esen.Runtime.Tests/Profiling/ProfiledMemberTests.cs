using Esen.Runtime.Profiling;
using Esen.Solver.Devices;

namespace Esen.Runtime.Tests.Profiling;

public class ProfiledMemberTests
{
    [Theory]
    [InlineData("resnet50", 8, Precision.Fp32, "resnet50-b8-fp32")]
    [InlineData("resnet50", 8, Precision.Tf32, "resnet50-b8-tf32")]
    [InlineData("bert-base", 1, Precision.Fp16, "bert-base-b1-s128-fp16")]
    public void MemberName_RoundTrips(string model, int batch, Precision precision, string name)
    {
        var member = new ProfiledMember(model, batch, precision);

        Assert.Equal(name, member.MemberName);
        Assert.Equal(member, ProfiledMember.TryParseMemberName(name));
    }
}
