using Esen.Kernels.Graph;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Tests.Pipeline;

/// <summary>A spec whose members fix their shares (<c>members[].share</c>): the session runs them instead of solving.</summary>
public sealed class FixedSharesTests
{
    private static readonly MemberSpec s_a = new("a", null, "mobilenetv2", 1, Share: 30);
    private static readonly MemberSpec s_b = new("b", null, "mobilenetv2", 2, Share: 45);

    [Fact]
    public async Task Load_SpecFixingShares_RunsExactlyThoseShares_AndSaysTheyWereFixed()
    {
        await using EnsembleSession session = await EnsembleSession.LoadAsync(Spec(DeviceSpec.Cpu, s_a, s_b));

        Assert.Equal([30, 45], session.Plan.Shares);
        Assert.True(session.Plan.IsFixed);
        Assert.Empty(session.DevicePlans);
        Assert.Equal([30, 45], session.Grants.Select(g => g.SharePercent));
        Assert.Equal("fixed by the spec, not solved: a 30 %, b 45 %", session.Plan.Describe(session.Spec));
    }

    [Fact]
    public async Task Replan_ForARate_KeepsFixedShares_AnotherSpecChangesThem()
    {
        await using EnsembleSession session = await EnsembleSession.LoadAsync(Spec(DeviceSpec.Cpu, s_a, s_b));

        Replan rate = await session.ReplanAsync(new ReplanRequest { RequestRate = 500 });
        Replan other = await session.ReplanAsync(new ReplanRequest { Spec = Spec(DeviceSpec.Cpu, s_a with { Share = 60 }, s_b with { Share = 40 }) });
        Replan solved = await session.ReplanAsync(new ReplanRequest { Spec = Spec(DeviceSpec.Cpu, s_a with { Share = null }, s_b with { Share = null }) });

        Assert.Equal([30, 45], rate.After.Shares);
        Assert.Null(rate.Reallocation);
        Assert.Equal([60, 40], other.After.Shares);
        Assert.True(other.After.IsFixed);
        Assert.NotNull(other.Reallocation);
        Assert.False(solved.After.IsFixed);
        Assert.Equal("search", solved.After.Solver);
    }

    [Fact]
    public async Task AddMember_WithoutAShare_ToASpecFixingThem_IsBadInput_AndTheSessionKeepsItsPlan()
    {
        await using EnsembleSession session = await EnsembleSession.LoadAsync(Spec(DeviceSpec.Cpu, s_a, s_b));

        EsenException error = await Assert.ThrowsAsync<EsenException>(() => session.AddMemberAsync(new MemberSpec("c", null, "mobilenetv2", 3)));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.Equal("fixed.json: $.members[2].share: member 'c' has no share while 'a' fixes its own; fix every member's share or none", error.Message);
        Assert.Equal([30, 45], session.Plan.Shares);
    }

    [Fact]
    public async Task Load_SharesOverfillingADevice_IsBadInputNamingTheField()
    {
        EsenException error = await Assert.ThrowsAsync<EsenException>(() =>
            EnsembleSession.LoadAsync(Spec(new DeviceSpec(DeviceKind.Simulated, 0, "h100"), s_a with { Share = 70 }, s_b)));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.Equal("fixed.json: $.members[1].share: the members on sim:h100 (a, b) are given 115 % (at most 100)", error.Message);
    }

    [Fact]
    public async Task Load_SharesOnTwoDevices_AreCheckedPerDevice()
    {
        var h100 = new DeviceSpec(DeviceKind.Simulated, 0, "h100");
        await using EnsembleSession session = await EnsembleSession.LoadAsync(Spec(DeviceSpec.Cpu, s_a with { Share = 70 }, s_b with { Share = 80, Device = h100 }));

        Assert.Equal([70, 80], session.Plan.Shares);
    }

    [Fact]
    public async Task Load_FixedSharesWithASolverOption_IsBadInput()
    {
        EsenException error = await Assert.ThrowsAsync<EsenException>(() =>
            EnsembleSession.LoadAsync(Spec(DeviceSpec.Cpu, s_a, s_b), new SessionOptions { Solver = "milp" }));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.Equal("fixed.json: the members' shares fix the plan (members[].share), so solver 'milp' has nothing to plan; remove the shares or the solver", error.Message);
    }

    private static EnsembleSpec Spec(DeviceSpec device, params MemberSpec[] members) => new(
        "fixed.json", EnsembleKind.Ensemble, CombineRule.Mean, null, device, members,
        new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 32, 32)), new BatchingSpec(4, 1), "search");
}
