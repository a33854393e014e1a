namespace Esen.Native.Interop;

/// <summary>
/// A native library Esen binds to: the logical name used in <c>[LibraryImport]</c>, the environment
/// variable that overrides its path, and the versioned sonames probed in order.
/// </summary>
/// <param name="LogicalName">The name written in <c>[LibraryImport]</c>; never a real file name.</param>
/// <param name="DisplayName">What users call it (e.g. "CUDA driver").</param>
/// <param name="EnvironmentVariable">Holds a full path or file name that is tried first.</param>
/// <param name="Candidates">File names tried in order after the override and the hook.</param>
public sealed record NativeLibraryDescriptor(
    string LogicalName,
    string DisplayName,
    string EnvironmentVariable,
    IReadOnlyList<string> Candidates);
