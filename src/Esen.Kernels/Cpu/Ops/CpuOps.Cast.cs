using System.Numerics;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu.Ops;

/// <summary>Copies a value into another of the same shape, converting each element (<see cref="CpuOps.Converter"/>).</summary>
internal delegate void SlotConversion(ValueSlot x, ValueSlot y);

/// <summary>
/// The one element-type conversion rule, ONNX Cast's (https://onnx.ai/onnx/operators/onnx__Cast.html): floating point to
/// floating point rounds to nearest (±∞ when out of range); floating point to integer truncates toward zero (out of
/// range is undefined in ONNX; .NET saturates); integer to integer keeps the low bits (two's complement wrap,
/// 200 → −56 for int8); integer to floating point rounds to nearest. .NET's CreateTruncating conversions are exactly
/// these. To bool: zero (±0.0) is false, anything else (NaN included) true; from bool: 1 and 0. The Cast op, the float32 computation of other types and constant conversion all go through here.
/// </summary>
internal static partial class CpuOps
{
    /// <summary>y = x converted element by element.</summary>
    public static void Cast<TFrom, TTo>(ReadOnlySpan<TFrom> x, Span<TTo> y)
        where TFrom : INumberBase<TFrom>
        where TTo : INumberBase<TTo>
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = TTo.CreateTruncating(x[i]);
        }
    }

    /// <summary>y = (x ≠ 0).</summary>
    public static void CastToBool<TFrom>(ReadOnlySpan<TFrom> x, Span<bool> y)
        where TFrom : INumberBase<TFrom>
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = !TFrom.IsZero(x[i]);
        }
    }

    /// <summary>y = x ? 1 : 0.</summary>
    public static void CastFromBool<TTo>(ReadOnlySpan<bool> x, Span<TTo> y)
        where TTo : INumberBase<TTo>
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] ? TTo.One : TTo.Zero;
        }
    }

    /// <summary>The conversion from values of type <paramref name="from"/> to values of type <paramref name="to"/>.</summary>
    public static SlotConversion Converter(DataType from, DataType to) => (from, to) switch
    {
        _ when from == to => static (x, y) => x.CopyTo(y),
        (DataType.Bool, _) => ElementTypes.VisitNumber<SlotConversion, FromBoolVisitor>(to, default),
        (_, DataType.Bool) => ElementTypes.VisitNumber<SlotConversion, ToBoolVisitor>(from, default),
        _ => ElementTypes.VisitNumber<SlotConversion, FromVisitor>(from, new FromVisitor(to)),
    };

    /// <summary>A new tensor holding <paramref name="x"/> converted to <paramref name="to"/>.</summary>
    public static Tensor Cast(Tensor x, DataType to)
    {
        var source = new ValueSlot(string.Empty, new TensorInfo(x.DataType, x.Shape));
        source.Bind(x);
        Tensor result = Tensor.Zeros(to, x.Shape);
        var destination = new ValueSlot(string.Empty, new TensorInfo(to, x.Shape));
        destination.Bind(result);
        Converter(x.DataType, to)(source, destination);
        return result;
    }

    private readonly struct FromVisitor(DataType to) : INumberVisitor<SlotConversion>
    {
        public SlotConversion Visit<TFrom>()
            where TFrom : unmanaged, INumber<TFrom>, IMinMaxValue<TFrom> => ElementTypes.VisitNumber<SlotConversion, ToVisitor<TFrom>>(to, default);
    }

    private readonly struct ToVisitor<TFrom> : INumberVisitor<SlotConversion>
        where TFrom : unmanaged, INumber<TFrom>
    {
        public SlotConversion Visit<TTo>()
            where TTo : unmanaged, INumber<TTo>, IMinMaxValue<TTo> => static (x, y) => Cast<TFrom, TTo>(x.Span<TFrom>(), y.Span<TTo>());
    }

    private readonly struct FromBoolVisitor : INumberVisitor<SlotConversion>
    {
        public SlotConversion Visit<TTo>()
            where TTo : unmanaged, INumber<TTo>, IMinMaxValue<TTo> => static (x, y) => CastFromBool<TTo>(x.Span<bool>(), y.Span<TTo>());
    }

    private readonly struct ToBoolVisitor : INumberVisitor<SlotConversion>
    {
        public SlotConversion Visit<TFrom>()
            where TFrom : unmanaged, INumber<TFrom>, IMinMaxValue<TFrom> => static (x, y) => CastToBool<TFrom>(x.Span<TFrom>(), y.Span<bool>());
    }
}
