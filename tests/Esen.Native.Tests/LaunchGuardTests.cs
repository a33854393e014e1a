using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Esen.Native.Cublas;
using Esen.Native.Cuda;
using Esen.Native.Cudnn;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Tests;

/// <summary>
/// Work can only be issued on created streams: the legacy default stream (handle 0) cannot be wrapped,
/// and nothing that launches work can be built without a <see cref="CudaStream"/>.
/// </summary>
public class LaunchGuardTests
{
    [Fact]
    public void A_stream_cannot_wrap_the_legacy_default_stream()
    {
        using var legacy = new SafeCudaStreamHandle();

        ArgumentException ex = Assert.Throws<ArgumentException>(() => new CudaStream(null!, legacy));

        Assert.Contains("legacy default stream", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(CudaStream))]
    [InlineData(typeof(CublasHandle))]
    [InlineData(typeof(CudnnHandle))]
    [InlineData(typeof(CudaKernel))]
    public void Stream_users_have_no_public_constructor(Type type) =>
        Assert.Empty(type.GetConstructors(BindingFlags.Public | BindingFlags.Instance));

    [Fact]
    public void Library_handles_are_created_only_from_a_stream()
    {
        Assert.Equal([typeof(CudaStream)], typeof(CublasHandle).GetMethod(nameof(CublasHandle.Create))!.GetParameters().Select(p => p.ParameterType));
        Assert.Equal([typeof(CudaStream)], typeof(CudnnHandle).GetMethod(nameof(CudnnHandle.Create))!.GetParameters().Select(p => p.ParameterType));
    }

    [Fact]
    public void Every_launch_and_async_copy_takes_a_stream()
    {
        MethodInfo launch = typeof(CudaKernel).GetMethod(nameof(CudaKernel.Launch))!;
        Assert.Equal(typeof(CudaStream), launch.GetParameters()[0].ParameterType);

        IEnumerable<MethodInfo> asyncCopies = typeof(DeviceBuffer<float>).GetMethods().Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal));
        Assert.NotEmpty(asyncCopies);
        Assert.All(asyncCopies, m => Assert.Contains(m.GetParameters(), p => p.ParameterType == typeof(CudaStream)));
    }

    [Fact]
    public void Kernel_argument_offsets_match_the_managed_layout()
    {
        var args = new MixedArgs();

        int[] offsets = KernelArgumentLayout<MixedArgs>.Offsets;

        Assert.Equal(
            [
                Offset(ref args, ref Unsafe.As<DevicePtr, byte>(ref args.Input)),
                Offset(ref args, ref Unsafe.As<int, byte>(ref args.Count)),
                Offset(ref args, ref Unsafe.As<DevicePtr, byte>(ref args.Output)),
                Offset(ref args, ref Unsafe.As<float, byte>(ref args.Scale)),
                Offset(ref args, ref Unsafe.As<byte, byte>(ref args.Flag)),
            ],
            offsets);
        Assert.Equal([0, 8, 16, 24, 28], offsets);
    }

    [Fact]
    public void Kernel_arguments_with_bool_are_rejected()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => KernelArgumentLayout<BoolArgs>.Offsets);

        Assert.Contains("BoolArgs.Enabled", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Safe_handle_parameters_compile_under_disabled_runtime_marshalling()
    {
        // Compile-time part: these LibraryImports take and return SafeHandles in an assembly that disables
        // runtime marshalling; the generator's SafeHandleMarshaller handles them.
        Func<SafeCudaStreamHandle, CUresult> synchronize = Interop.Interop.Cuda.cuStreamSynchronize;
        Func<SafeCublasHandle, int, cublasStatus_t> target = Interop.Interop.Cublas.cublasSetSmCountTarget;

        Assert.NotNull(synchronize);
        Assert.NotNull(target);
        Assert.NotNull(typeof(CudaStream).Assembly.GetCustomAttribute<DisableRuntimeMarshallingAttribute>());
    }

    [Fact]
    public void Unbound_handles_are_invalid_and_never_released()
    {
        using var memory = new SafeDeviceMemoryHandle();
        using var context = new SafeCudaContextHandle();

        Assert.True(memory.IsInvalid);
        Assert.True(context.IsInvalid);
    }

    private static int Offset(ref MixedArgs args, ref byte field) =>
        (int)Unsafe.ByteOffset(ref Unsafe.As<MixedArgs, byte>(ref args), ref field);

    [StructLayout(LayoutKind.Sequential)]
    private struct MixedArgs
    {
        public DevicePtr Input;
        public int Count;
        public DevicePtr Output;
        public float Scale;
        public byte Flag;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct BoolArgs
    {
        public DevicePtr Data;
        public bool Enabled;
    }
}
