using System.Diagnostics.CodeAnalysis;
using Esen.Native.Cuda;
using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Partitions;

/// <summary>The real driver behind <see cref="ISmPartitionDriver"/>.</summary>
[SuppressMessage("Reliability", "CA2000", Justification = "Contexts and streams are owned by the returned Resources and disposed when creation fails.")]
internal sealed class CudaPartitionDriver : ISmPartitionDriver
{
    internal static CudaPartitionDriver Instance { get; } = new();

    public int DriverVersion => CudaDriver.Version;

    public CudaDeviceProperties GetProperties(CudaDevice device) => CudaDriver.GetProperties(device);

    public IDisposable RetainDevice(CudaDevice device) => CudaContext.RetainPrimary(device);

    public SmGranularity? ReportedGreenGranularity(CudaDevice device)
    {
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuDeviceGetDevResource(
            device.Ordinal, out CUdevResource resource, CUdevResourceType.CU_DEV_RESOURCE_TYPE_SM));

        // CUDA 13.0 added these fields; a 12.x driver leaves them zero.
        return resource.minSmPartitionSize > 0 && resource.smCoscheduledAlignment > 0
            ? new SmGranularity((int)resource.minSmPartitionSize, (int)resource.smCoscheduledAlignment)
            : null;
    }

    public IGreenSplit SplitSms(CudaDevice device, int groupSms, int maxGroups)
    {
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuDeviceGetDevResource(
            device.Ordinal, out CUdevResource input, CUdevResourceType.CU_DEV_RESOURCE_TYPE_SM));
        var groups = new CUdevResource[Math.Max(1, maxGroups)];

        // One split: separate splits of the device resource may overlap (gpu-facts §1.4, pytorch#195378).
        CUresult status = Interop.Interop.Cuda.cuDevSmResourceSplitByCount(groups, out uint created, in input, out _, 0, (uint)groupSms);
        if (status != CUresult.CUDA_SUCCESS)
        {
            CudaException.Throw(status, $"cuDevSmResourceSplitByCount(minCount: {groupSms}, groups: {groups.Length})", null);
        }

        return new GreenSplit(groups[..(int)created]);
    }

    public IPartitionResources CreateGreenPartition(CudaDevice device, IGreenSplit split, int firstGroup, int groupCount)
    {
        var groups = ((GreenSplit)split).Groups.AsSpan(firstGroup, groupCount);
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuDevResourceGenerateDesc(out IntPtr descriptor, groups));
        CUresult status = Interop.Interop.Cuda.cuGreenCtxCreate(
            out SafeCudaGreenContextHandle green, descriptor, device.Ordinal, CudaFlags.CU_GREEN_CTX_DEFAULT_STREAM);
        CudaException.ThrowIfFailed(status, green, "cuGreenCtxCreate");
        try
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuGreenCtxGetDevResource(
                green, out CUdevResource granted, CUdevResourceType.CU_DEV_RESOURCE_TYPE_SM));
            CudaContext context = CudaContext.FromGreenContext(device, green);
            try
            {
                return new Resources(context, CreateGreenStream(context, green), (int)granted.smCount);
            }
            catch
            {
                context.Dispose();
                throw;
            }
        }
        finally
        {
            // The context view holds its own reference to the green context.
            green.Dispose();
        }
    }

    public IPartitionResources CreateAffinityPartition(CudaDevice device, int smCount)
    {
        CudaContext context = CudaContext.CreateWithSmCount(device, smCount);
        try
        {
            return new Resources(context, context.CreateStream(), context.ExecAffinitySmCount());
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public IPartitionResources CreatePlainPartition(CudaDevice device)
    {
        CudaContext context = CudaContext.RetainPrimary(device);
        try
        {
            int sms;
            using (context.Push())
            {
                // Under MPS with per-context partitioning this is the client's share (MPS doc).
                sms = CudaDriver.GetAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
            }

            return new Resources(context, context.CreateStream(), sms);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    // cuGreenCtxStreamCreate exists from 12.5; 12.4 makes the stream in the green context's CUcontext.
    private CudaStream CreateGreenStream(CudaContext context, SafeCudaGreenContextHandle green)
    {
        if (DriverVersion < CudaFlags.GreenContextStreamMinimumDriver)
        {
            return context.CreateStream();
        }

        CUresult status = Interop.Interop.Cuda.cuGreenCtxStreamCreate(out SafeCudaStreamHandle stream, green, CudaFlags.CU_STREAM_NON_BLOCKING, 0);
        CudaException.ThrowIfFailed(status, stream, "cuGreenCtxStreamCreate(CU_STREAM_NON_BLOCKING)");
        stream.SetContext(context.Handle);
        return new CudaStream(context, stream);
    }

    private sealed class GreenSplit(CUdevResource[] groups) : IGreenSplit
    {
        internal CUdevResource[] Groups { get; } = groups;

        public int GroupCount => Groups.Length;

        public int GroupSms(int index) => (int)Groups[index].smCount;
    }

    private sealed class Resources(CudaContext context, CudaStream stream, int grantedSms) : IPartitionResources
    {
        public CudaContext Context { get; } = context;

        public CudaStream Stream { get; } = stream;

        public int GrantedSms { get; } = grantedSms;

        public void Dispose()
        {
            Stream.Dispose();
            Context.Dispose();
        }
    }
}
