namespace Esen.Kernels.Graph;

/// <summary>
/// A graph, model file or tensor is malformed or unsupported. The message names the node, tensor or
/// file concerned, so that a caller (the CLI) can print it as-is.
/// </summary>
public class GraphException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GraphException()
    {
    }

    /// <summary>Creates the exception with a message naming the node or tensor.</summary>
    public GraphException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public GraphException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
