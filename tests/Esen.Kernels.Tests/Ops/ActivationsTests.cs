using Esen.Kernels.Graph;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Tests.Ops;

/// <summary>The activation ops' one description, held to the ONNX operator specification's defaults.</summary>
public sealed class ActivationsTests
{
    private static readonly Func<string, Tensor?> s_noConstants = _ => null;

    [Theory]
    [InlineData("Relu", ActivationKind.Relu, 0f, 0f)]
    [InlineData("Sigmoid", ActivationKind.Sigmoid, 0f, 0f)]
    [InlineData("Tanh", ActivationKind.Tanh, 0f, 0f)]
    [InlineData("LeakyRelu", ActivationKind.LeakyRelu, 0.01f, 0f)]
    [InlineData("HardSigmoid", ActivationKind.HardSigmoid, 0.2f, 0.5f)]
    public void AnActivationWithoutAttributes_HasTheOnnxDefaults(string op, ActivationKind kind, float alpha, float beta) =>
        Assert.Equal(new FusedActivation(kind, alpha, beta), Activations.Of(new Node("a", op, ["x"], ["y"]), s_noConstants));

    [Fact]
    public void ClipWithoutBounds_IsUnbounded_AndWithAttributes_TakesThem()
    {
        Assert.Equal(new FusedActivation(ActivationKind.Clip, float.NegativeInfinity, float.PositiveInfinity),
            Activations.Of(new Node("c", "Clip", ["x"], ["y"]), s_noConstants));
        var opset6 = new Node("c", "Clip", ["x"], ["y"], new Dictionary<string, AttributeValue> { ["min"] = AttributeValue.Float(0f), ["max"] = AttributeValue.Float(6f) });
        Assert.Equal(new FusedActivation(ActivationKind.Clip, 0f, 6f), Activations.Of(opset6, s_noConstants));
    }

    [Fact]
    public void ClipWithBoundInputs_ReadsConstants_AndIsUnknownWhenOneIsComputed()
    {
        var node = new Node("c", "Clip", ["x", "lo", "hi"], ["y"]);
        var constants = new Dictionary<string, Tensor> { ["lo"] = Tensor.Scalar(-1f), ["hi"] = Tensor.Scalar(3f) };

        Assert.Equal(new FusedActivation(ActivationKind.Clip, -1f, 3f), Activations.Of(node, constants.GetValueOrDefault));
        Assert.Null(Activations.Of(node, name => name == "lo" ? Tensor.Scalar(-1f) : null));
        Assert.Equal(new FusedActivation(ActivationKind.Clip, float.NegativeInfinity, 3f),
            Activations.Of(new Node("c", "Clip", ["x", "", "hi"], ["y"]), constants.GetValueOrDefault));
    }

    [Fact]
    public void AFusedActivation_RoundTripsThroughTheConvsAttributes()
    {
        var activation = new FusedActivation(ActivationKind.HardSigmoid, 0.25f, 0.4f);
        var conv = new Node("conv", "Conv", ["x", "w"], ["y"], Activations.FusionAttributes("HardSigmoid", activation));

        Assert.Equal(activation, Activations.FusedInto(conv));
        Assert.Equal(FusedActivation.None, Activations.FusedInto(new Node("conv", "Conv", ["x", "w"], ["y"])));
    }

    [Fact]
    public void AnUnknownFusedActivation_NamesTheNode()
    {
        var conv = new Node("conv7", "Conv", ["x", "w"], ["y"], new Dictionary<string, AttributeValue> { [Activations.KindAttribute] = AttributeValue.String("Swish") });

        var ex = Assert.Throws<GraphException>(() => Activations.FusedInto(conv));

        Assert.Contains("conv7", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Swish", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANodeThatIsNotAnActivation_IsRefused()
    {
        Assert.Null(Activations.KindOf("Conv"));
        Assert.Throws<ArgumentException>(() => Activations.Of(new Node("conv", "Conv", ["x"], ["y"]), s_noConstants));
    }
}
