using Microsoft.Win32.SafeHandles;

namespace Esen.Native.SafeHandles;

/// <summary>An owned <c>Cbc_Model*</c>; released with <c>Cbc_deleteModel</c>.</summary>
internal sealed class SafeCbcModelHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Used by the marshaller for <c>Cbc_newModel</c>'s return value.</summary>
    public SafeCbcModelHandle()
        : base(ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        Interop.Interop.Cbc.Cbc_deleteModel(handle);
        return true;
    }
}
