using System.Reflection;
using System.Runtime.InteropServices;
using Esen.Native.Errors;

namespace Esen.Native.Cuda;

/// <summary>
/// A kernel of a loaded module. Arguments are passed as one unmanaged struct per kernel whose fields
/// are the kernel parameters in order; launches are asynchronous on the given stream (no boxing, no
/// implicit synchronisation).
/// </summary>
public sealed class CudaKernel
{
    private readonly IntPtr _function;

    internal CudaKernel(CudaModule module, IntPtr function, string name)
    {
        Module = module;
        _function = function;
        Name = name;
    }

    /// <summary>The module the kernel belongs to.</summary>
    public CudaModule Module { get; }

    /// <summary>The kernel's symbol name.</summary>
    public string Name { get; }

    /// <summary>
    /// Queues the kernel on <paramref name="stream"/>. <typeparamref name="TArgs"/> is a sequential
    /// struct whose fields match the kernel's parameters (use <see cref="DevicePtr"/> for pointers).
    /// The stream must belong to the module's context.
    /// </summary>
    public unsafe void Launch<TArgs>(CudaStream stream, Dim3 grid, Dim3 block, uint sharedBytes, in TArgs args)
        where TArgs : unmanaged
    {
        ArgumentNullException.ThrowIfNull(stream);
        ObjectDisposedException.ThrowIf(Module.Handle.IsClosed, Module);
        if (stream.Context.Handle.DangerousGetHandle() != Module.Context.Handle.DangerousGetHandle())
        {
            throw new ArgumentException($"Kernel {Name} belongs to another context than the stream it is launched on.", nameof(stream));
        }

        ReadOnlySpan<int> offsets = KernelArgumentLayout<TArgs>.Offsets;
        void** pointers = stackalloc void*[Math.Max(1, offsets.Length)];
        fixed (TArgs* arguments = &args)
        {
            // cuLaunchKernel copies the parameter values before it returns, so pinning for the call suffices.
            for (int i = 0; i < offsets.Length; i++)
            {
                pointers[i] = (byte*)arguments + offsets[i];
            }

            using (Module.Context.Push())
            {
                CudaException.ThrowIfFailed(
                    Interop.Interop.Cuda.cuLaunchKernel(
                        _function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, sharedBytes, stream.Handle, pointers, null),
                    $"cuLaunchKernel({Name}, grid {grid.X}x{grid.Y}x{grid.Z}, block {block.X}x{block.Y}x{block.Z})");
            }
        }
    }
}

/// <summary>
/// Byte offsets of a launch-argument struct's fields in declaration order, computed once per type.
/// Rejects layouts whose managed and native forms could differ.
/// </summary>
/// <typeparam name="TArgs">The argument struct.</typeparam>
internal static class KernelArgumentLayout<TArgs>
    where TArgs : unmanaged
{
    private static int[]? s_offsets;

    // Computed on first use (not in a type initializer) so a bad struct reports a plain ArgumentException.
    internal static int[] Offsets => s_offsets ??= Compute();

    private static int[] Compute()
    {
        Type type = typeof(TArgs);
        if (type.IsAutoLayout)
        {
            throw new ArgumentException($"Kernel argument struct {type.Name} must have sequential or explicit layout.");
        }

        RejectNonBlittable(type);

        // With bool and char excluded every field is blittable, so the marshalled offsets equal the
        // managed layout that the launch reads from.
#pragma warning disable CA1421
        return [.. Fields(type).Select(f => (int)Marshal.OffsetOf(type, f.Name)).Order()];
#pragma warning restore CA1421
    }

    private static FieldInfo[] Fields(Type type) =>
        type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    private static void RejectNonBlittable(Type type)
    {
        foreach (FieldInfo field in Fields(type))
        {
            if (field.FieldType == typeof(bool) || field.FieldType == typeof(char))
            {
                throw new ArgumentException(
                    $"Kernel argument {type.Name}.{field.Name} is {field.FieldType.Name}, whose native size is ambiguous; use byte or ushort.");
            }

            if (!field.FieldType.IsPrimitive && !field.FieldType.IsEnum && !field.FieldType.IsPointer)
            {
                RejectNonBlittable(field.FieldType);
            }
        }
    }
}
