namespace Esen.Kernels.Graph;

/// <summary>How Pad fills the elements outside its input.</summary>
public enum PadMode
{
    /// <summary>With the constant value (0 unless given).</summary>
    Constant,

    /// <summary>With the input mirrored about its first and last elements, which are not repeated.</summary>
    Reflect,

    /// <summary>With the nearest edge element.</summary>
    Edge,

    /// <summary>With the input repeated (opset 19).</summary>
    Wrap,
}

/// <summary>
/// What a Pad node adds on each side of each axis (negative amounts crop) and how it fills it: output element o along
/// an axis reads input element <see cref="Source"/>(o − begin), or the constant value where that returns −1.
/// </summary>
/// <param name="Mode">How the added elements are filled.</param>
/// <param name="Begins">Elements added before each axis's first one.</param>
/// <param name="OutputShape">The input's shape with each axis grown by its two amounts.</param>
public sealed record PadGeometry(PadMode Mode, long[] Begins, TensorShape OutputShape)
{
    /// <summary>
    /// Resolves the node in <paramref name="c"/>: the pads from the attribute before opset 11 and from the constant second
    /// input since, given for every axis (all the begins, then all the ends) or, from opset 18, for the axes of the
    /// constant fourth input.
    /// </summary>
    /// <exception cref="GraphException">The pads or axes are not constants or do not fit the input, the constant value is
    /// not one element of the input's type, an axis would shrink below zero, or a non-constant mode pads an empty axis.</exception>
    public static PadGeometry Resolve(InferenceContext c)
    {
        Node node = c.Node;
        TensorShape x = c.Shape(0);
        string modeName = node.GetString("mode", "constant");
        PadMode mode = modeName switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Edge,
            "wrap" when c.Opset >= 19 => PadMode.Wrap,
            _ => throw c.Fail($"mode '{modeName}' is not one of constant, reflect, edge{(c.Opset >= 19 ? ", wrap" : "")}"),
        };

        if (c.Opset >= 11 && c.Has(2) && (c.Input(2).DataType != c.Input(0).DataType || c.Shape(2).ElementCount != 1))
        {
            throw c.Fail($"constant_value is {c.Input(2)}, expected one {DataTypes.Name(c.Input(0).DataType)}");
        }

        long[] pads = c.Opset < 11
            ? node.GetInts("pads") ?? throw c.Fail("the pads attribute is missing")
            : c.ConstantInts(1, "pads");
        int[] axes = c.Opset >= 18 && c.Has(3)
            ? [.. c.ConstantInts(3, "axes").Select(a => x.NormalizeAxis(a, node.Describe()))]
            : [.. Enumerable.Range(0, x.Rank)];
        if (pads.Length != 2 * axes.Length || axes.Distinct().Count() != axes.Length)
        {
            throw c.Fail($"pads [{string.Join(',', pads)}] do not give a begin and an end for each of the {axes.Length} axes of {x}");
        }

        long[] begins = new long[x.Rank], dims = x.Dimensions.ToArray();
        for (int i = 0; i < axes.Length; i++)
        {
            int axis = axes[i];
            long begin = pads[i], end = pads[i + axes.Length], length = x[axis] + begin + end;
            if (length < 0)
            {
                throw c.Fail($"pads {begin} and {end} shrink dimension {axis} of {x} below zero");
            }

            if (mode != PadMode.Constant && x[axis] == 0 && length > 0)
            {
                throw c.Fail($"{modeName} mode cannot pad the empty dimension {axis} of {x}");
            }

            begins[axis] = begin;
            dims[axis] = length;
        }

        return new PadGeometry(mode, begins, new TensorShape(dims));
    }

    /// <summary>
    /// The input index that fills position <paramref name="index"/> of an axis of <paramref name="length"/> input
    /// elements (the output position minus the begin pad), or −1 where the constant value goes.
    /// </summary>
    public static long Source(PadMode mode, long index, long length)
    {
        if (index >= 0 && index < length)
        {
            return index;
        }

        switch (mode)
        {
            case PadMode.Edge:
                return Math.Clamp(index, 0, length - 1);
            case PadMode.Wrap:
                return ((index % length) + length) % length;
            case PadMode.Reflect:
                if (length == 1)
                {
                    return 0;
                }

                long period = 2 * (length - 1), folded = ((index % period) + period) % period;
                return folded < length ? folded : period - folded;
            default:
                return -1;
        }
    }
}
