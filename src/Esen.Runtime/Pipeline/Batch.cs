using Esen.Kernels.Graph;

namespace Esen.Runtime.Pipeline;

/// <summary>Rows of one or more requests run together; row i belongs to <c>Owners[i]</c>.</summary>
internal sealed class Batch
{
    private Batch(int index, Tensor input, (InferenceRequest Request, int Row)[] owners)
    {
        Index = index;
        Input = input;
        Owners = owners;
    }

    public int Index { get; }

    public Tensor Input { get; }

    public (InferenceRequest Request, int Row)[] Owners { get; }

    public int Rows => Owners.Length;

    /// <summary>Stacks the requests' rows (no copy for a single request).</summary>
    public static Batch Stack(int index, IReadOnlyList<InferenceRequest> requests)
    {
        (InferenceRequest, int)[] owners = [.. requests.SelectMany(r => Enumerable.Range(0, r.Rows).Select(row => (r, row)))];
        if (requests.Count == 1)
        {
            return new Batch(index, requests[0].Input, owners);
        }

        TensorShape sample = new(requests[0].Input.Shape.Dimensions[1..]);
        var data = new float[owners.Length * sample.ElementCount];
        int offset = 0;
        foreach (InferenceRequest request in requests)
        {
            float[] rows = request.Input.Floats;
            rows.CopyTo(data, offset);
            offset += rows.Length;
        }

        return new Batch(index, Tensor.FromFloats(new TensorShape([owners.Length, .. sample.Dimensions]), data), owners);
    }

    /// <summary>The sub-batch of the rows where <paramref name="keep"/> is true (a later cascade stage's input).</summary>
    public Batch Select(bool[] keep)
    {
        TensorShape shape = Input.Shape;
        int rowLength = checked((int)shape.Product(1, shape.Rank));
        int kept = keep.Count(k => k);
        var data = new float[kept * rowLength];
        var owners = new (InferenceRequest, int)[kept];
        float[] source = Input.Floats;
        int j = 0;
        for (int i = 0; i < keep.Length; i++)
        {
            if (keep[i])
            {
                source.AsSpan(i * rowLength, rowLength).CopyTo(data.AsSpan(j * rowLength));
                owners[j++] = Owners[i];
            }
        }

        return new Batch(Index, Tensor.FromFloats(new TensorShape([kept, .. shape.Dimensions[1..]]), data), owners);
    }

    /// <summary>Answers every request of an ensemble batch with its rows of <paramref name="output"/>.</summary>
    public void Scatter(Tensor output)
    {
        TensorShape shape = output.Shape;
        if (shape.Rank == 0 || shape[0] != Rows)
        {
            throw new InvalidOperationException($"a batch of {Rows} inputs produced output {shape}");
        }

        int rowLength = checked((int)shape.Product(1, shape.Rank));
        float[] data = output.Floats;
        int row = 0;
        while (row < Owners.Length)
        {
            InferenceRequest request = Owners[row].Request;
            float[] part = data.AsSpan(row * rowLength, request.Rows * rowLength).ToArray();
            request.Complete(Tensor.FromFloats(new TensorShape([request.Rows, .. shape.Dimensions[1..]]), part));
            row += request.Rows;
        }
    }

    /// <summary>Fails (or cancels) every request that is not answered yet.</summary>
    public void Fail(Exception error)
    {
        foreach (InferenceRequest request in Owners.Select(o => o.Request).Distinct())
        {
            request.Fail(error);
        }
    }
}
