namespace Esen.Kernels.Graph;

/// <summary>How a Split node cuts its input: the axis and the length of each output's piece along it, in order.</summary>
/// <param name="Axis">The normalised axis.</param>
/// <param name="Sizes">The length of each output along <paramref name="Axis"/>; they sum to the input's.</param>
public sealed record SplitGeometry(int Axis, long[] Sizes)
{
    /// <summary>Where output <paramref name="output"/>'s piece starts along the axis.</summary>
    public long Start(int output) => Sizes.Take(output).Sum();

    /// <summary>
    /// Resolves the split of the node in <paramref name="c"/>: the lengths from the <c>split</c> attribute before opset 13
    /// and from the optional constant second input since; without them, opset 18's <c>num_outputs</c> (or the number of
    /// outputs) pieces of ⌈length / count⌉, the last one shorter where the length does not divide (before opset 18 it must).
    /// </summary>
    /// <exception cref="GraphException">The lengths do not match the outputs or do not sum to the input's, or the split input is not a constant.</exception>
    public static SplitGeometry Resolve(InferenceContext c)
    {
        Node node = c.Node;
        TensorShape x = c.Shape(0);
        int axis = x.NormalizeAxis(node.GetInt("axis", 0), node.Describe());
        long length = x[axis];
        int outputs = node.Outputs.Count;
        long[]? sizes = c.Opset < 13 ? node.GetInts("split") : c.Has(1) ? c.ConstantInts(1, "split") : null;
        if (sizes is null)
        {
            long count = c.Opset >= 18 ? node.GetInt("num_outputs", outputs) : outputs;
            if (count != outputs)
            {
                throw c.Fail($"num_outputs is {count} but the node has {outputs} outputs");
            }

            if (c.Opset < 18 && length % count != 0)
            {
                throw c.Fail($"dimension {axis} of {x} does not split into {count} equal parts");
            }

            long chunk = (length + count - 1) / count;
            sizes = [.. Enumerable.Range(0, outputs).Select(i => Math.Clamp(length - (i * chunk), 0, chunk))];
        }
        else if (c.Opset >= 18 && node.Has("num_outputs"))
        {
            throw c.Fail("takes the split input or the num_outputs attribute, not both");
        }

        if (sizes.Length != outputs || sizes.Any(s => s < 0) || sizes.Sum() != length)
        {
            throw c.Fail($"split [{string.Join(',', sizes)}] does not cut dimension {axis} of {x} into {outputs} pieces");
        }

        return new SplitGeometry(axis, sizes);
    }

    /// <summary>The shape of output <paramref name="output"/>.</summary>
    public TensorShape OutputShape(TensorShape input, int output) =>
        new([.. input.Dimensions.ToArray().Select((d, i) => i == Axis ? Sizes[output] : d)]);
}
