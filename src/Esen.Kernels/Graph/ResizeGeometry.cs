namespace Esen.Kernels.Graph;

/// <summary>How a Resize maps an output coordinate to the input (ONNX coordinate_transformation_mode); the values are
/// the kernel's (<c>EsenResizeCoordinates</c> in kernels/resize.cu).</summary>
public enum ResizeCoordinates
{
    /// <summary>(o + 0.5) / scale − 0.5.</summary>
    HalfPixel,

    /// <summary>As half_pixel, but 0 where the output has one element.</summary>
    PytorchHalfPixel,

    /// <summary>
    /// o · (in − 1) / (in·scale − 1), 0 where the output has one element: the unrounded output length, as ONNX's
    /// reference computes it (ONNX Runtime takes the rounded one; the two differ only for scales whose in·scale is not
    /// whole).
    /// </summary>
    AlignCorners,

    /// <summary>o / scale.</summary>
    Asymmetric,

    /// <summary>(o + 0.5) / scale (opset 11).</summary>
    TfHalfPixelForNn,

    /// <summary>half_pixel around the centre of the input (opset 19).</summary>
    HalfPixelSymmetric,
}

/// <summary>How a nearest-mode Resize rounds an input coordinate (ONNX nearest_mode); the values are the kernel's.</summary>
public enum ResizeRounding
{
    /// <summary>To nearest, halves down.</summary>
    RoundPreferFloor,

    /// <summary>To nearest, halves up.</summary>
    RoundPreferCeil,

    /// <summary>Down.</summary>
    Floor,

    /// <summary>Up.</summary>
    Ceil,

    /// <summary>Resize-10 (no nearest_mode yet), as ONNX Runtime: up when the axis shrinks, else down.</summary>
    Simple,
}

/// <summary>
/// What a Resize node computes: each output element from the input elements its coordinates map to, per axis, with
/// <see cref="ResizeCoordinates"/> in float32 arithmetic as ONNX Runtime computes them. Nearest mode rounds each axis'
/// coordinate (<see cref="ResizeRounding"/>) and clamps it into the input; linear mode clamps the coordinate into
/// [0, in − 1] and interpolates between its floor and the next element, over at most the last two axes. An axis whose
/// scale is 1 and whose size is kept maps each coordinate to itself, in either mode.
/// </summary>
/// <param name="InputDims">The input's dimensions.</param>
/// <param name="OutputDims">The output's dimensions.</param>
/// <param name="Scales">Each axis' scale: the given one, or output / input where sizes were given.</param>
/// <param name="Linear">Linear interpolation; else nearest.</param>
/// <param name="Coordinates">The coordinate transformation.</param>
/// <param name="Rounding">The rounding of nearest mode.</param>
public sealed record ResizeGeometry(int[] InputDims, int[] OutputDims, float[] Scales, bool Linear, ResizeCoordinates Coordinates, ResizeRounding Rounding)
{
    /// <summary>The output shape.</summary>
    public TensorShape OutputShape => new(OutputDims.Select(d => (long)d).ToArray());

    /// <summary>The axes whose coordinates are not mapped to themselves (at most the last two in linear mode).</summary>
    public int[] ResizedAxes => Enumerable.Range(0, InputDims.Length).Where(a => !IsIdentity(a)).ToArray();

    /// <summary>True when output coordinate o of <paramref name="axis"/> reads input coordinate o.</summary>
    public bool IsIdentity(int axis) => Scales[axis] == 1f && InputDims[axis] == OutputDims[axis];

    /// <summary>The input coordinate output coordinate <paramref name="o"/> of <paramref name="axis"/> maps to, before rounding or clamping.</summary>
    public float SourceCoordinate(int axis, int o)
    {
        float scale = Scales[axis], input = InputDims[axis], output = OutputDims[axis];
        return Coordinates switch
        {
            ResizeCoordinates.HalfPixel => ((o + 0.5f) / scale) - 0.5f,
            ResizeCoordinates.PytorchHalfPixel => output > 1 ? ((o + 0.5f) / scale) - 0.5f : 0f,
            ResizeCoordinates.AlignCorners => output > 1 ? o * (input - 1) / ((scale * input) - 1) : 0f,
            ResizeCoordinates.Asymmetric => o / scale,
            ResizeCoordinates.TfHalfPixelForNn => (o + 0.5f) / scale,
            _ => (input / 2 * (1 - (output / (scale * input)))) + ((o + 0.5f) / scale) - 0.5f,
        };
    }

    /// <summary>The input coordinate nearest mode reads for output coordinate <paramref name="o"/> of <paramref name="axis"/>.</summary>
    public int Nearest(int axis, int o)
    {
        if (IsIdentity(axis))
        {
            return o;
        }

        float x = SourceCoordinate(axis, o);
        float rounded = Rounding switch
        {
            ResizeRounding.RoundPreferFloor => x == MathF.Truncate(x) + 0.5f ? MathF.Floor(x) : MathF.Round(x, MidpointRounding.AwayFromZero),
            ResizeRounding.RoundPreferCeil => MathF.Round(x, MidpointRounding.AwayFromZero),
            ResizeRounding.Floor => MathF.Floor(x),
            ResizeRounding.Ceil => MathF.Ceiling(x),
            _ => Scales[axis] < 1f ? MathF.Ceiling(x) : MathF.Truncate(x),
        };
        return (int)Math.Clamp(rounded, 0f, InputDims[axis] - 1);
    }

    /// <summary>
    /// The two input coordinates linear mode interpolates between for output coordinate <paramref name="o"/> of
    /// <paramref name="axis"/>, and the weight of the second: <c>y = x[Low]·(1 − Weight) + x[High]·Weight</c>.
    /// </summary>
    public (int Low, int High, float Weight) Interpolation(int axis, int o)
    {
        if (IsIdentity(axis))
        {
            return (o, o, 0f);
        }

        float x = Math.Clamp(SourceCoordinate(axis, o), 0f, InputDims[axis] - 1);
        int low = (int)x;
        return (low, Math.Min(low + 1, InputDims[axis] - 1), x - low);
    }

    /// <summary>
    /// Resolves the Resize of the node in <paramref name="c"/> (opsets 10 to 19): scales (opset 10: input 1; later:
    /// input 2) or sizes (input 3), both constant, over every axis or those of the axes attribute (opset 18).
    /// </summary>
    /// <exception cref="UnsupportedModelException">A mode or option Esen does not implement: cubic, tf_crop_and_resize,
    /// antialias, exclude_outside, a keep_aspect_ratio_policy other than stretch, or linear mode over an axis before
    /// the last two, or scales or sizes computed at run time.</exception>
    /// <exception cref="GraphException">scales and sizes are both or neither given, or do not fit the input.</exception>
    public static ResizeGeometry Resolve(InferenceContext c)
    {
        Node node = c.Node;
        int[] input = c.FloatShape(0, orByteInteger: true).ToIntArray();
        int rank = input.Length;
        if (rank == 0)
        {
            throw c.Fail("a scalar has nothing to resize");
        }

        string mode = node.GetString("mode", "nearest");
        string transformation = node.GetString("coordinate_transformation_mode", "half_pixel");
        if (mode is not ("nearest" or "linear"))
        {
            throw c.Unsupported($"mode '{mode}' is not supported (nearest and linear are)");
        }

        if (node.GetInt("antialias", 0) != 0 || node.GetInt("exclude_outside", 0) != 0
            || node.GetString("keep_aspect_ratio_policy", "stretch") != "stretch")
        {
            throw c.Unsupported("antialias, exclude_outside and keep_aspect_ratio_policy other than stretch are not supported");
        }

        ResizeCoordinates coordinates = c.Opset < 11 ? ResizeCoordinates.Asymmetric : transformation switch
        {
            "half_pixel" => ResizeCoordinates.HalfPixel,
            "pytorch_half_pixel" => ResizeCoordinates.PytorchHalfPixel,
            "align_corners" => ResizeCoordinates.AlignCorners,
            "asymmetric" => ResizeCoordinates.Asymmetric,
            "tf_half_pixel_for_nn" => ResizeCoordinates.TfHalfPixelForNn,
            "half_pixel_symmetric" => ResizeCoordinates.HalfPixelSymmetric,
            _ => throw c.Unsupported($"coordinate_transformation_mode '{transformation}' is not supported"),
        };
        string nearest = node.GetString("nearest_mode", "round_prefer_floor");
        ResizeRounding rounding = c.Opset < 11 ? ResizeRounding.Simple : nearest switch
        {
            "round_prefer_floor" => ResizeRounding.RoundPreferFloor,
            "round_prefer_ceil" => ResizeRounding.RoundPreferCeil,
            "floor" => ResizeRounding.Floor,
            "ceil" => ResizeRounding.Ceil,
            _ => throw c.Fail($"unknown nearest_mode '{nearest}'"),
        };

        int[] axes = (node.GetInts("axes") ?? Enumerable.Range(0, rank).Select(a => (long)a).ToArray())
            .Select(a => a >= -rank && a < rank ? (int)(a < 0 ? a + rank : a) : throw c.Fail($"axis {a} is out of range for rank {rank}")).ToArray();
        if (axes.Distinct().Count() != axes.Length)
        {
            throw c.Fail("the axes attribute repeats an axis");
        }

        int scalesInput = c.Opset < 11 ? 1 : 2;
        int sizesInput = c.Opset < 11 ? -1 : 3;
        foreach (int i in new[] { scalesInput, sizesInput }.Where(i => i >= 0 && c.Has(i) && c.Constant(i) is null))
        {
            throw c.Unsupported($"the {(i == scalesInput ? "scales" : "sizes")} input '{node.Inputs[i]}' is computed at run time; Esen plans shapes before the run, so it must be a constant (computed from initializers and shapes)");
        }

        float[]? scales = c.Has(scalesInput) ? ConstantFloats(c, scalesInput) : null;
        long[]? sizes = sizesInput >= 0 && c.Has(sizesInput) ? c.ConstantInts(sizesInput, "sizes") : null;
        if (scales is { Length: 0 })
        {
            scales = null;
        }

        if ((scales is null) == (sizes is null) || (scales?.Length ?? sizes!.Length) != axes.Length)
        {
            throw c.Fail($"exactly one of scales and sizes must be given, with {axes.Length} values");
        }

        int[] output = (int[])input.Clone();
        float[] axisScales = Enumerable.Repeat(1f, rank).ToArray();
        for (int i = 0; i < axes.Length; i++)
        {
            int a = axes[i];
            if (scales is not null)
            {
                axisScales[a] = scales[i] > 0 ? scales[i] : throw c.Fail($"scale {scales[i]} must be positive");
                output[a] = checked((int)(scales[i] * input[a]));
            }
            else
            {
                output[a] = sizes![i] > 0 ? checked((int)sizes[i]) : throw c.Fail($"size {sizes[i]} must be positive");
                axisScales[a] = (float)output[a] / input[a];
            }

            if (output[a] <= 0)
            {
                throw c.Fail($"the output is empty along axis {a}");
            }
        }

        var geometry = new ResizeGeometry(input, output, axisScales, mode == "linear", coordinates, rounding);
        if (geometry.Linear && geometry.ResizedAxes.Any(a => a < rank - 2))
        {
            throw c.Unsupported($"linear mode resizes axis {geometry.ResizedAxes[0]}; only the last two axes interpolate");
        }

        return geometry;
    }

    private static float[] ConstantFloats(InferenceContext c, int index) =>
        c.Constant(index) is { DataType: DataType.Float32 } tensor
            ? tensor.Floats.ToArray()
            : throw c.Fail($"the scales input '{c.Node.Inputs[index]}' must be float32");
}
