using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Esen.Kernels.Cuda;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// Every <see cref="CudaKernelArgs"/> struct is the packed parameter buffer of its PTX entry
/// point: same number of fields as parameters, each at the offset the parameter gets when every
/// parameter is placed at its own alignment, with the same size and a matching kind.
/// </summary>
public sealed class KernelArgsLayoutTests
{
    public static TheoryData<string, int> KernelsAndArchitectures()
    {
        var data = new TheoryData<string, int>();
        foreach (PtxKernel kernel in PtxKernels.All)
        {
            foreach (int architecture in PtxModules.Architectures)
            {
                data.Add(kernel.EntryPoint, architecture);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KernelsAndArchitectures))]
    public void ArgsStruct_MatchesPtxParameterList(string entryPoint, int architecture)
    {
        PtxKernel kernel = PtxKernels.All.Single(k => k.EntryPoint == entryPoint);
        PtxParameter[] parameters = PtxText.Entries(PtxModules.GetText(kernel.Module, architecture))[entryPoint];
        FieldInfo[] fields = [.. kernel.ArgsType.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .OrderBy(f => Marshal.OffsetOf(kernel.ArgsType, f.Name))];

        Assert.Equal(parameters.Length, fields.Length);
        int offset = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            PtxParameter parameter = parameters[i];
            FieldInfo field = fields[i];
            offset = (offset + parameter.Alignment - 1) / parameter.Alignment * parameter.Alignment;
            string where = $"{entryPoint} parameter {i} ({parameter.Type}, {parameter.Size} bytes) vs {kernel.ArgsType.Name}.{field.Name}";
            Assert.True(offset == (int)Marshal.OffsetOf(kernel.ArgsType, field.Name), $"{where}: offset");
            Assert.True(parameter.Size == SizeOf(field.FieldType), $"{where}: size");
            Assert.True(KindMatches(parameter.Type, field.FieldType), $"{where}: kind");
            offset += parameter.Size;
        }
    }

    [Fact]
    public void ArgsStructs_AreBlittable_WithManagedSizeEqualToNativeSize()
    {
        MethodInfo sizeOf = typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!;
        foreach (Type type in PtxKernels.All.Select(k => k.ArgsType).Append(typeof(Dims6)).Append(typeof(Floats6)).Append(typeof(Window2D)).Append(typeof(Window3D)).Distinct())
        {
            Assert.Equal(Marshal.SizeOf(type), (int)sizeOf.MakeGenericMethod(type).Invoke(null, null)!);
        }

        Assert.Equal(24, Marshal.SizeOf<Dims6>());
        Assert.Equal(24, Marshal.SizeOf<Floats6>());
        Assert.Equal(32, Marshal.SizeOf<Window2D>());
        Assert.Equal(84, Marshal.SizeOf<Window3D>());
    }

    [Fact]
    public void EveryArgsStruct_IsUsedByAKernel()
    {
        Type[] declared = typeof(CudaKernelArgs).GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic);

        Assert.Equal(
            declared.Select(t => t.Name).Order(StringComparer.Ordinal),
            PtxKernels.All.Select(k => k.ArgsType.Name).Distinct().Order(StringComparer.Ordinal));
    }

    private static int SizeOf(Type type) => Marshal.SizeOf(type.IsEnum ? Enum.GetUnderlyingType(type) : type);

    // Pointers are 64-bit addresses, C int a 32-bit integer, float a 32-bit float; by-value structs
    // (.b8 arrays) are the shape, scale and window descriptors.
    private static bool KindMatches(string ptxType, Type field) => ptxType switch
    {
        "u64" or "b64" => field == typeof(ulong),
        "u32" or "s32" or "b32" => field == typeof(int) || (field.IsEnum && Enum.GetUnderlyingType(field) == typeof(int)),
        "f32" => field == typeof(float),
        "f64" => field == typeof(double),
        "b8" => field == typeof(Dims6) || field == typeof(Floats6) || field == typeof(Window2D) || field == typeof(Window3D),
        _ => false,
    };
}
