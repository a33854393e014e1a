using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Esen.Native.Errors;

namespace Esen.Native.Interop;

/// <summary>
/// The one <see cref="DllImportResolver"/> for this assembly. Per logical library it tries, in order:
/// the environment override, the <see cref="ResolveLibrary"/> hook, then each versioned soname, and
/// records every attempt so a failure says exactly what was tried.
/// </summary>
public static class NativeLibraryResolver
{
    private static readonly ConcurrentDictionary<string, LibraryLoadResult> s_loaded = new();
    private static readonly Dictionary<string, NativeLibraryDescriptor> s_byLogicalName =
        NativeLibraries.All.ToDictionary(d => d.LogicalName);

    /// <summary>
    /// Raised before the soname probe, with the descriptor; return a loaded handle to use it, or
    /// <see cref="IntPtr.Zero"/> to go on probing. Subscribe before the first native call.
    /// </summary>
#pragma warning disable CA1003 // a hook returns a handle, which EventHandler<T> cannot
    public static event Func<NativeLibraryDescriptor, IntPtr>? ResolveLibrary;
#pragma warning restore CA1003

#pragma warning disable CA2255 // the assembly owns its imports, so it registers their one resolver itself
    [ModuleInitializer]
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
#pragma warning restore CA2255

    /// <summary>Loads (once per process) the library behind a descriptor and reports how.</summary>
    public static LibraryLoadResult Load(NativeLibraryDescriptor library) =>
        s_loaded.GetOrAdd(library.LogicalName, _ => TryLoad(library, Environment.GetEnvironmentVariable));

    /// <summary>
    /// Tries each way to load <paramref name="library"/> without caching the outcome. The environment
    /// is read through <paramref name="getEnvironmentVariable"/> so the order can be tested.
    /// </summary>
    public static LibraryLoadResult TryLoad(NativeLibraryDescriptor library, Func<string, string?> getEnvironmentVariable)
    {
        var attempts = new List<string>();

        string? overridePath = getEnvironmentVariable(library.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            if (TryLoadFile(overridePath, attempts, $"{library.EnvironmentVariable}={overridePath}", out IntPtr handle))
            {
                return LibraryLoadResult.Found(library, handle, overridePath, attempts);
            }
        }

        if (ResolveLibrary is { } hook)
        {
            foreach (Func<NativeLibraryDescriptor, IntPtr> handler in hook.GetInvocationList().Cast<Func<NativeLibraryDescriptor, IntPtr>>())
            {
                IntPtr handle = handler(library);
                attempts.Add(handle != IntPtr.Zero ? "ResolveLibrary hook: loaded" : "ResolveLibrary hook: declined");
                if (handle != IntPtr.Zero)
                {
                    return LibraryLoadResult.Found(library, handle, "(ResolveLibrary hook)", attempts);
                }
            }
        }

        foreach (string candidate in library.Candidates)
        {
            if (TryLoadFile(candidate, attempts, candidate, out IntPtr handle))
            {
                return LibraryLoadResult.Found(library, handle, candidate, attempts);
            }
        }

        return LibraryLoadResult.Missing(library, attempts);
    }

    private static bool TryLoadFile(string path, List<string> attempts, string label, out IntPtr handle)
    {
        try
        {
            handle = NativeLibrary.Load(path);
            attempts.Add($"{label}: loaded");
            return true;
        }
        catch (DllNotFoundException ex)
        {
            // The loader's own message (dlerror) says whether the file is absent or unloadable.
            attempts.Add($"{label}: {LoaderReason(ex.Message)}");
        }
        catch (BadImageFormatException ex)
        {
            attempts.Add($"{label}: wrong format ({LoaderReason(ex.Message)})");
        }

        handle = IntPtr.Zero;
        return false;
    }

    // The runtime's message is a generic preamble followed by dlerror's text; keep the specific part.
    private static string LoaderReason(string message)
    {
        string[] lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "not loadable" : lines[^1];
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!s_byLogicalName.TryGetValue(libraryName, out NativeLibraryDescriptor? library))
        {
            return IntPtr.Zero;
        }

        LibraryLoadResult result = Load(library);
        return result.IsLoaded ? result.Handle : throw new NativeLibraryNotFoundException(result);
    }
}

/// <summary>How loading one native library went: the handle and path, or every attempt that failed.</summary>
public sealed record LibraryLoadResult(
    NativeLibraryDescriptor Library,
    bool IsLoaded,
    IntPtr Handle,
    string? LoadedFrom,
    IReadOnlyList<string> Attempts)
{
    internal static LibraryLoadResult Found(NativeLibraryDescriptor library, IntPtr handle, string from, List<string> attempts) =>
        new(library, true, handle, from, attempts);

    internal static LibraryLoadResult Missing(NativeLibraryDescriptor library, List<string> attempts) =>
        new(library, false, IntPtr.Zero, null, attempts);

    /// <summary>The names tried, joined for one-line messages.</summary>
    public string TriedNames => string.Join("; ", Attempts);
}
