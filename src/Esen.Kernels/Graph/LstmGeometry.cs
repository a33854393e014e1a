namespace Esen.Kernels.Graph;

/// <summary>
/// The sizes of an ONNX LSTM node (layout 0: X is [sequence, batch, input]) and the cases Esen runs: the default
/// activations (sigmoid, tanh, tanh), no clip, no coupled input and forget gates, every sequence at full length.
/// </summary>
/// <param name="Sequence">Time steps.</param>
/// <param name="Batch">Sequences in the batch.</param>
/// <param name="Input">Features of each step's input.</param>
/// <param name="Hidden">Hidden units (hidden_size).</param>
/// <param name="Directions">1 (forward or reverse) or 2 (bidirectional: forward first).</param>
/// <param name="Reverse">The single direction runs from the last step to the first.</param>
public sealed record LstmGeometry(int Sequence, int Batch, int Input, int Hidden, int Directions, bool Reverse)
{
    /// <summary>Resolves and checks the node in <paramref name="c"/>.</summary>
    /// <exception cref="UnsupportedModelException">A case outside those above; the message names the node.</exception>
    /// <exception cref="GraphException">The weights, biases or states do not fit X and hidden_size.</exception>
    public static LstmGeometry Resolve(InferenceContext c)
    {
        Node node = c.Node;
        if (node.GetInt("layout", 0) != 0)
        {
            throw c.Unsupported("layout 1 (batch first) is not supported");
        }

        if (node.GetInt("input_forget", 0) != 0 || node.Has("clip"))
        {
            throw c.Unsupported($"{(node.Has("clip") ? "clip" : "input_forget")} is not supported");
        }

        if (node.Has("activations") || node.Has("activation_alpha") || node.Has("activation_beta"))
        {
            string[] given = node.Attributes.TryGetValue("activations", out AttributeValue? a) && a.Value is string[] names ? names : [];
            if (given.Length == 0 || node.Has("activation_alpha") || node.Has("activation_beta")
                || !given.Select((name, i) => string.Equals(name, (i % 3) == 0 ? "Sigmoid" : "Tanh", StringComparison.OrdinalIgnoreCase)).All(d => d))
            {
                throw c.Unsupported($"activations [{string.Join(", ", given)}] are not supported (only Sigmoid, Tanh, Tanh)");
            }
        }

        string direction = node.GetString("direction", "forward");
        int directions = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw c.Fail($"direction '{direction}' is not forward, reverse or bidirectional"),
        };
        TensorShape x = c.FloatShape(0), w = c.FloatShape(1), r = c.FloatShape(2);
        long hidden = node.GetInt("hidden_size", r.Rank == 3 ? r[2] : 0);
        if (x.Rank != 3 || w != new TensorShape(directions, 4 * hidden, x[2]) || r != new TensorShape(directions, 4 * hidden, hidden))
        {
            throw c.Fail($"X {x}, W {w} and R {r} do not fit hidden_size {hidden} and {directions} direction(s)");
        }

        var geometry = new LstmGeometry((int)x[0], (int)x[1], (int)x[2], (int)hidden, directions, direction == "reverse");
        Expect(c, 3, new TensorShape(directions, 8 * hidden), "B");
        Expect(c, 5, geometry.StateShape, "initial_h");
        Expect(c, 6, geometry.StateShape, "initial_c");
        Expect(c, 7, new TensorShape(directions, 3 * hidden), "P");
        if (c.Has(4) && c.Input(4) != new TensorInfo(DataType.Int32, new TensorShape(x[1])))
        {
            throw c.Fail($"sequence_lens is {c.Input(4)}, expected int32[{x[1]}]");
        }

        // Lengths known at run time only are checked by the kernel (FullLength).
        if (c.Constant(4) is not null && c.ConstantInts(4, "sequence_lens").Any(l => l != x[0]))
        {
            throw c.Unsupported($"sequence_lens '{node.Inputs[4]}' must give every sequence the full length {x[0]}");
        }

        return geometry;
    }

    /// <summary>Checks sequence_lens given at run time: every sequence at the full length.</summary>
    /// <exception cref="UnsupportedModelException">A shorter sequence; the message names the node.</exception>
    public void RequireFullLength(Node node, ReadOnlySpan<int> lengths)
    {
        foreach (int length in lengths)
        {
            if (length != Sequence)
            {
                throw new UnsupportedModelException($"{node.Describe()}: sequence_lens holds {length}; only the full length {Sequence} is supported");
            }
        }
    }

    /// <summary>The shape of Y: [sequence, directions, batch, hidden].</summary>
    public TensorShape OutputShape => new(Sequence, Directions, Batch, Hidden);

    /// <summary>The shape of Y_h and Y_c and of the initial states: [directions, batch, hidden].</summary>
    public TensorShape StateShape => new(Directions, Batch, Hidden);

    private static void Expect(InferenceContext c, int index, TensorShape shape, string what)
    {
        if (c.Has(index) && c.FloatShape(index) != shape)
        {
            throw c.Fail($"{what} is {c.Shape(index)}, expected {shape}");
        }
    }
}
