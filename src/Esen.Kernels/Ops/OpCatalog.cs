using System.Collections.Frozen;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Ops;

/// <summary>What an operator does, as every layer that treats ops alike needs to know it.</summary>
public enum OpFamily
{
    /// <summary>Conv and ConvTranspose: a sliding window over the input times the weights, or its adjoint.</summary>
    Convolution,

    /// <summary>Gemm: Y = α·op(A)·op(B) + β·C.</summary>
    Gemm,

    /// <summary>MatMul: numpy-style batched matrix product.</summary>
    MatMul,

    /// <summary>Add, Sub, Mul, Div, Pow and (of any number of inputs) Max with multidirectional broadcasting.</summary>
    Arithmetic,

    /// <summary>One value in, one value out, element by element (Relu, Clip, Erf…).</summary>
    Activation,

    /// <summary>The output is the input's bytes under another shape (Reshape, Flatten, Identity…).</summary>
    View,

    /// <summary>MaxPool and AveragePool: a sliding window reduced to one value.</summary>
    Pooling,

    /// <summary>GlobalAveragePool: each channel's plane reduced to one value.</summary>
    GlobalPooling,

    /// <summary>BatchNormalization in inference mode: a per-channel affine map.</summary>
    BatchNormalization,

    /// <summary>LayerNormalization: each row normalised over the trailing axes.</summary>
    LayerNormalization,

    /// <summary>Softmax along one axis.</summary>
    Softmax,

    /// <summary>ReduceMean and ReduceMax: the input reduced over some of its axes.</summary>
    Reduction,

    /// <summary>Resize: each output element taken from, or interpolated between, the input elements its coordinates map to.</summary>
    Resize,

    /// <summary>Transpose, Slice, Concat, Split, Pad, Gather: elements moved, not computed.</summary>
    DataMovement,

    /// <summary>Cast between element types.</summary>
    Cast,

    /// <summary>
    /// Equal, Greater, GreaterOrEqual, Less, LessOrEqual (to bool), Not, And, Or (on bool) and Where (a bool choosing
    /// between two values), element by element with multidirectional broadcasting.
    /// </summary>
    Logic,

    /// <summary>LSTM: a GEMM-sized step per time step and direction, each reading the state the one before wrote.</summary>
    Recurrent,

    /// <summary>If: one of two subgraphs runs, chosen by a bool condition (at run time, unless it is a constant).</summary>
    ControlFlow,

    /// <summary>Constant, Shape and ConstantOfShape: values known before any input arrives, always folded at plan time.</summary>
    PlanTimeValue,
}

/// <summary>
/// The operators Esen supports (default ONNX domain) and the family of each: the one list shape inference,
/// both executors, the rewrites and the cost analyses read. An op absent here fails shape inference with one
/// line naming the node; adding an op means its entry here, its shape rule and its kernels.
/// </summary>
public static class OpCatalog
{
    private static readonly FrozenDictionary<string, OpFamily> s_families = new Dictionary<string, OpFamily>(StringComparer.Ordinal)
    {
        ["Conv"] = OpFamily.Convolution,
        ["ConvTranspose"] = OpFamily.Convolution,
        ["Gemm"] = OpFamily.Gemm,
        ["MatMul"] = OpFamily.MatMul,
        ["Add"] = OpFamily.Arithmetic,
        ["Sub"] = OpFamily.Arithmetic,
        ["Mul"] = OpFamily.Arithmetic,
        ["Div"] = OpFamily.Arithmetic,
        ["Pow"] = OpFamily.Arithmetic,
        ["Max"] = OpFamily.Arithmetic,
        ["Relu"] = OpFamily.Activation,
        ["LeakyRelu"] = OpFamily.Activation,
        ["Sigmoid"] = OpFamily.Activation,
        ["Tanh"] = OpFamily.Activation,
        ["HardSigmoid"] = OpFamily.Activation,
        ["Clip"] = OpFamily.Activation,
        ["Erf"] = OpFamily.Activation,
        ["Sqrt"] = OpFamily.Activation,
        ["Log"] = OpFamily.Activation,
        ["Neg"] = OpFamily.Activation,
        ["Identity"] = OpFamily.View,
        ["Dropout"] = OpFamily.View,
        ["Flatten"] = OpFamily.View,
        ["Reshape"] = OpFamily.View,
        ["Squeeze"] = OpFamily.View,
        ["Unsqueeze"] = OpFamily.View,
        ["MaxPool"] = OpFamily.Pooling,
        ["AveragePool"] = OpFamily.Pooling,
        ["GlobalAveragePool"] = OpFamily.GlobalPooling,
        ["BatchNormalization"] = OpFamily.BatchNormalization,
        ["LayerNormalization"] = OpFamily.LayerNormalization,
        ["Softmax"] = OpFamily.Softmax,
        ["ReduceMean"] = OpFamily.Reduction,
        ["ReduceMax"] = OpFamily.Reduction,
        ["Resize"] = OpFamily.Resize,
        ["Transpose"] = OpFamily.DataMovement,
        ["Slice"] = OpFamily.DataMovement,
        ["Concat"] = OpFamily.DataMovement,
        ["Split"] = OpFamily.DataMovement,
        ["Pad"] = OpFamily.DataMovement,
        ["Gather"] = OpFamily.DataMovement,
        ["Cast"] = OpFamily.Cast,
        ["Equal"] = OpFamily.Logic,
        ["Greater"] = OpFamily.Logic,
        ["GreaterOrEqual"] = OpFamily.Logic,
        ["Less"] = OpFamily.Logic,
        ["LessOrEqual"] = OpFamily.Logic,
        ["Not"] = OpFamily.Logic,
        ["And"] = OpFamily.Logic,
        ["Or"] = OpFamily.Logic,
        ["Where"] = OpFamily.Logic,
        ["If"] = OpFamily.ControlFlow,
        ["LSTM"] = OpFamily.Recurrent,
        ["Constant"] = OpFamily.PlanTimeValue,
        ["Shape"] = OpFamily.PlanTimeValue,
        ["ConstantOfShape"] = OpFamily.PlanTimeValue,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every supported operator name.</summary>
    public static IReadOnlyCollection<string> Operators => s_families.Keys;

    /// <summary>True when <paramref name="opType"/> is a supported operator.</summary>
    public static bool IsSupported(string opType) => s_families.ContainsKey(opType);

    /// <summary>The family of a supported operator.</summary>
    /// <exception cref="UnsupportedModelException">The operator is not supported; the message names the node.</exception>
    public static OpFamily FamilyOf(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return s_families.TryGetValue(node.OpType, out OpFamily family)
            ? family
            : throw new UnsupportedModelException($"{node.Describe()}: operator '{node.OpType}' is not supported");
    }

    /// <summary>
    /// True for an op whose output is its first input's bytes under another shape, so an executor aliases the
    /// two instead of copying (the views' other inputs — a Reshape's shape — are read at plan time).
    /// </summary>
    public static bool IsView(string opType) => s_families.TryGetValue(opType, out OpFamily family) && family == OpFamily.View;
}
