namespace Esen.Solver.Devices;

/// <summary>The arithmetic a member runs in; selects the device peak and the bytes per element.</summary>
public enum Precision
{
    /// <summary>32-bit float on the SIMT cores (no tensor cores, no TF32).</summary>
    Fp32,

    /// <summary>16-bit float on the tensor cores.</summary>
    Fp16,

    /// <summary>8-bit integer on the tensor cores.</summary>
    Int8,

    /// <summary>32-bit float data on the TF32 tensor cores (compute capability 8.0 and later).</summary>
    Tf32,
}

/// <summary>Parsing and sizes for <see cref="Precision"/>.</summary>
public static class PrecisionInfo
{
    /// <summary>Bytes per tensor element.</summary>
    public static int BytesPerElement(this Precision precision) => precision switch
    {
        Precision.Fp32 or Precision.Tf32 => 4,
        Precision.Fp16 => 2,
        Precision.Int8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };

    /// <summary>The lower-case name used on the command line and in JSON ("fp32", "fp16", "int8", "tf32").</summary>
    public static string ToName(this Precision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>Parses "fp32", "fp16", "int8" or "tf32" (case-insensitive).</summary>
    public static bool TryParse(string text, out Precision precision)
    {
        foreach (Precision candidate in Enum.GetValues<Precision>())
        {
            if (string.Equals(text, candidate.ToName(), StringComparison.OrdinalIgnoreCase))
            {
                precision = candidate;
                return true;
            }
        }

        precision = default;
        return false;
    }

    /// <summary>
    /// The dense TF32 tensor-core peak of a GPU in TFLOPS, or null where it has none. TF32 arrived with
    /// Ampere (compute capability 8.0); an unknown compute capability (0) counts as none. NVIDIA's
    /// datasheets give dense TF32 as half the dense FP16 tensor peak: A100 156 vs 312 TFLOPS, H100 SXM
    /// 494.7 vs 989.4.
    /// </summary>
    public static double? Tf32TensorTflops(int computeMajor, double fp16TensorTflops) =>
        computeMajor >= 8 ? fp16TensorTflops / 2 : null;
}
