using System.Runtime.InteropServices;
using System.Text;

namespace Esen.Benchmarks.Models;

/// <summary>
/// ONNX Runtime's C API through <c>OrtGetApiBase</c> and function pointers read from the OrtApi table by slot
/// (the table is append-only, so slots are stable across versions). Bench only: the side-by-side comparison
/// loads bench/.ort's libonnxruntime.so.1 (installed by bench/setup-ort.sh); Esen never depends on it.
/// </summary>
internal sealed unsafe class OrtRuntime : IDisposable
{
    private const uint ApiVersion = 30;
    private const int GetErrorMessageSlot = 2, CreateEnvSlot = 3, CreateSessionFromArraySlot = 8, RunSlot = 9;
    private const int CreateSessionOptionsSlot = 10, SetGraphOptimizationLevelSlot = 23, SetIntraOpNumThreadsSlot = 24;
    private const int CreateTensorWithDataSlot = 49, CreateCpuMemoryInfoSlot = 69;
    private const int ReleaseEnvSlot = 92, ReleaseStatusSlot = 93, ReleaseMemoryInfoSlot = 94, ReleaseSessionSlot = 95;
    private const int ReleaseValueSlot = 96, ReleaseSessionOptionsSlot = 100;
    private const int LoggingLevelError = 3, OptimizationLevelAll = 99, ElementTypeFloat = 1;
    private const int DeviceAllocator = 0, MemTypeDefault = 0;

    private readonly nint _library;
    private readonly nint* _api;
    private readonly nint _env;
    private readonly nint _cpuMemory;

    private OrtRuntime(nint library, nint* api, string version)
    {
        _library = library;
        _api = api;
        Version = version;
        nint env, memory;
        byte[] logId = Utf8("esen-bench");
        fixed (byte* id = logId)
        {
            Check(((delegate* unmanaged<int, byte*, nint*, nint>)_api[CreateEnvSlot])(LoggingLevelError, id, &env));
        }

        _env = env;
        Check(((delegate* unmanaged<int, int, nint*, nint>)_api[CreateCpuMemoryInfoSlot])(DeviceAllocator, MemTypeDefault, &memory));
        _cpuMemory = memory;
    }

    /// <summary>The library's version string, e.g. 1.30.0.</summary>
    public string Version { get; }

    public static OrtRuntime Load(string libraryPath)
    {
        nint library = NativeLibrary.Load(libraryPath);
        var getApiBase = (delegate* unmanaged<nint*>)NativeLibrary.GetExport(library, "OrtGetApiBase");
        nint* apiBase = getApiBase();
        var getApi = (delegate* unmanaged<uint, nint*>)apiBase[0];
        var getVersion = (delegate* unmanaged<byte*>)apiBase[1];
        nint* api = getApi(ApiVersion);
        if (api == null)
        {
            throw new InvalidOperationException($"{libraryPath} does not provide ORT API version {ApiVersion}");
        }

        return new OrtRuntime(library, api, Marshal.PtrToStringUTF8((nint)getVersion()) ?? "?");
    }

    /// <summary>A session over an in-memory model with full graph optimisation and the given intra-op thread count.</summary>
    public OrtSession CreateSession(byte[] model, int threads)
    {
        nint options, session;
        Check(((delegate* unmanaged<nint*, nint>)_api[CreateSessionOptionsSlot])(&options));
        try
        {
            Check(((delegate* unmanaged<nint, int, nint>)_api[SetGraphOptimizationLevelSlot])(options, OptimizationLevelAll));
            Check(((delegate* unmanaged<nint, int, nint>)_api[SetIntraOpNumThreadsSlot])(options, threads));
            fixed (byte* data = model)
            {
                Check(((delegate* unmanaged<nint, byte*, nuint, nint, nint*, nint>)_api[CreateSessionFromArraySlot])(
                    _env, data, (nuint)model.Length, options, &session));
            }
        }
        finally
        {
            ((delegate* unmanaged<nint, void>)_api[ReleaseSessionOptionsSlot])(options);
        }

        return new OrtSession(this, session);
    }

    public void Dispose()
    {
        ((delegate* unmanaged<nint, void>)_api[ReleaseMemoryInfoSlot])(_cpuMemory);
        ((delegate* unmanaged<nint, void>)_api[ReleaseEnvSlot])(_env);
        NativeLibrary.Free(_library);
    }

    internal nint CreateTensor(float* data, int length, long[] shape)
    {
        nint value;
        fixed (long* dims = shape)
        {
            Check(((delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)_api[CreateTensorWithDataSlot])(
                _cpuMemory, data, (nuint)(length * sizeof(float)), dims, (nuint)shape.Length, ElementTypeFloat, &value));
        }

        return value;
    }

    internal void Run(nint session, byte* inputName, nint input, byte* outputName)
    {
        nint output = 0;
        Check(((delegate* unmanaged<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)_api[RunSlot])(
            session, 0, &inputName, &input, 1, &outputName, 1, &output));
        ReleaseValue(output);
    }

    internal void ReleaseValue(nint value) => ((delegate* unmanaged<nint, void>)_api[ReleaseValueSlot])(value);

    internal void ReleaseSession(nint session) => ((delegate* unmanaged<nint, void>)_api[ReleaseSessionSlot])(session);

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");

    private void Check(nint status)
    {
        if (status == 0)
        {
            return;
        }

        string message = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)_api[GetErrorMessageSlot])(status)) ?? "unknown error";
        ((delegate* unmanaged<nint, void>)_api[ReleaseStatusSlot])(status);
        throw new InvalidOperationException($"ONNX Runtime: {message}");
    }
}

/// <summary>One ORT session with one float input bound to a pinned buffer.</summary>
internal sealed unsafe class OrtSession : IDisposable
{
    private readonly OrtRuntime _runtime;
    private readonly nint _session;

    internal OrtSession(OrtRuntime runtime, nint session)
    {
        _runtime = runtime;
        _session = session;
    }

    /// <summary>Runs the model once on <paramref name="input"/> (shape <paramref name="shape"/>), discarding the output.</summary>
    public Action Bind(string inputName, float[] input, long[] shape, string outputName)
    {
        GCHandle pin = GCHandle.Alloc(input, GCHandleType.Pinned);
        nint value = _runtime.CreateTensor((float*)pin.AddrOfPinnedObject(), input.Length, shape);
        byte[] inName = OrtRuntime.Utf8(inputName), outName = OrtRuntime.Utf8(outputName);
        _bindings.Add((pin, value));
        return () =>
        {
            fixed (byte* i = inName, o = outName)
            {
                _runtime.Run(_session, i, value, o);
            }
        };
    }

    private readonly List<(GCHandle Pin, nint Value)> _bindings = [];

    public void Dispose()
    {
        foreach ((GCHandle pin, nint value) in _bindings)
        {
            _runtime.ReleaseValue(value);
            pin.Free();
        }

        _runtime.ReleaseSession(_session);
    }
}
