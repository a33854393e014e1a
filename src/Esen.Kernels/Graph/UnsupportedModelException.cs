namespace Esen.Kernels.Graph;

/// <summary>
/// The model is well formed but uses something Esen does not implement (an operator, an element
/// type, an attribute value such as training mode). The ONNX test runner reports these as skipped.
/// </summary>
public class UnsupportedModelException : GraphException
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedModelException()
    {
    }

    /// <summary>Creates the exception with a message naming what is unsupported and where.</summary>
    public UnsupportedModelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public UnsupportedModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
