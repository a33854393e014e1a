using System.Reflection;
using System.Runtime.InteropServices;
using Esen.Native.Cublas;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Tests;

/// <summary>The graph, capture and cuBLAS-workspace bindings, checked without a GPU.</summary>
public class CudaGraphBindingTests
{
    [Fact]
    public void Capture_modes_have_their_cuda_h_values()
    {
        Assert.Equal(0, (int)CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_GLOBAL);
        Assert.Equal(1, (int)CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
        Assert.Equal(2, (int)CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED);
    }

    [Fact]
    public void Graph_handles_are_sealed_context_bound_and_invalid_until_filled()
    {
        using var graph = new SafeCudaGraphHandle();
        using var exec = new SafeCudaGraphExecHandle();

        Assert.True(graph.IsInvalid);
        Assert.True(exec.IsInvalid);
        foreach (Type type in new[] { typeof(SafeCudaGraphHandle), typeof(SafeCudaGraphExecHandle) })
        {
            Assert.True(type.IsSealed);
            Assert.True(type.IsSubclassOf(typeof(SafeCudaInteriorHandle)));
        }
    }

    [Fact]
    public void Graph_imports_use_the_versioned_exports_cuda_h_maps_to()
    {
        Assert.Equal("cuStreamBeginCapture_v2", EntryPoint(nameof(Interop.Interop.Cuda.cuStreamBeginCapture)));
        Assert.Equal("cuGraphInstantiateWithFlags", EntryPoint(nameof(Interop.Interop.Cuda.cuGraphInstantiateWithFlags)));
        Assert.Equal("cublasSetWorkspace_v2", EntryPoint(nameof(Interop.Interop.Cublas.cublasSetWorkspace), typeof(Interop.Interop.Cublas)));

        // Compile-time part: SafeHandle out-parameters and arguments under disabled runtime marshalling.
        Func<SafeCudaGraphExecHandle, SafeCudaStreamHandle, CUresult> launch = Interop.Interop.Cuda.cuGraphLaunch;
        Assert.NotNull(launch);
    }

    [Theory]
    [InlineData(7, 4L << 20)]
    [InlineData(8, 4L << 20)]
    [InlineData(9, 32L << 20)]
    [InlineData(10, 32L << 20)]
    public void Cublas_workspace_follows_the_cublas_recommendation(int computeMajor, long bytes) =>
        Assert.Equal(bytes, CublasHandle.RecommendedWorkspaceBytes(computeMajor));

    private static string EntryPoint(string method, Type? owner = null)
    {
        MethodInfo import = (owner ?? typeof(Interop.Interop.Cuda))
            .GetMethods(BindingFlags.NonPublic | BindingFlags.Static)
            .First(m => m.Name == method && m.GetCustomAttribute<LibraryImportAttribute>() is not null);
        LibraryImportAttribute attribute = import.GetCustomAttribute<LibraryImportAttribute>()!;
        return attribute.EntryPoint ?? import.Name;
    }
}
