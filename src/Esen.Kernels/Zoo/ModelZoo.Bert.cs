using Esen.Kernels.Graph;

namespace Esen.Kernels.Zoo;

public static partial class ModelZoo
{
    private const int BertHidden = 768;
    private const int BertLayers = 12;
    private const int BertHeads = 12;
    private const int BertIntermediate = 3072;
    private const int BertVocabulary = 30522;
    private const int BertMaxPositions = 512;

    /// <summary>
    /// The BERT-base encoder (Devlin et al. 2019): token, position and segment embeddings, then 12
    /// post-LayerNorm transformer layers (hidden 768, 12 heads, FFN 3072, GELU). Inputs
    /// <c>input_ids</c> and <c>token_type_ids</c> (int64, [batch, sequence]); output the last hidden
    /// state. 11.17 GMAC at sequence 128, 35.3 at 384; 108.9 M parameters (no pooler).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The sequence length is outside 1..512.</exception>
    public static LayerGraph BertBase(int sequenceLength = DefaultSequenceLength, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequenceLength, BertMaxPositions);
        const int HeadSize = BertHidden / BertHeads;
        float embeddingScale = 0.02f;

        var b = new GraphBuilder($"bert-base-s{sequenceLength}", seed);
        string ids = b.Input("input_ids", DataType.Int64, new TensorShape(TensorShape.Dynamic, sequenceLength));
        string segments = b.Input("token_type_ids", DataType.Int64, new TensorShape(TensorShape.Dynamic, sequenceLength));
        string words = b.Gather(b.Weight("embeddings.word", new TensorShape(BertVocabulary, BertHidden), embeddingScale), ids);
        string positionIds = b.Ints("embeddings.position_ids", [.. Enumerable.Range(0, sequenceLength).Select(i => (long)i)]);
        string positions = b.Gather(b.Weight("embeddings.position", new TensorShape(BertMaxPositions, BertHidden), embeddingScale), positionIds);
        string types = b.Gather(b.Weight("embeddings.token_type", new TensorShape(2, BertHidden), embeddingScale), segments);
        string x = b.LayerNorm(b.Add(b.Add(words, positions), types), epsilon: 1e-12f);

        string scale = b.Initializer("attention.scale", Tensor.Scalar(MathF.Sqrt(HeadSize)));
        for (int layer = 0; layer < BertLayers; layer++)
        {
            string Heads(string v) => b.Transpose(b.Reshape(v, [0, sequenceLength, BertHeads, HeadSize]), [0, 2, 1, 3]);
            string q = Heads(b.Linear(x, BertHidden, name: $"layer{layer}.query"));
            string k = b.Transpose(b.Reshape(b.Linear(x, BertHidden, name: $"layer{layer}.key"), [0, sequenceLength, BertHeads, HeadSize]), [0, 2, 3, 1]);
            string v = Heads(b.Linear(x, BertHidden, name: $"layer{layer}.value"));
            string probabilities = b.Softmax(b.Div(b.MatMul(q, k), scale));
            string context = b.Reshape(b.Transpose(b.MatMul(probabilities, v), [0, 2, 1, 3]), [0, sequenceLength, BertHidden]);
            string attention = b.Linear(context, BertHidden, name: $"layer{layer}.attention_output");
            x = b.LayerNorm(b.Add(attention, x), epsilon: 1e-12f);
            string intermediate = b.Gelu(b.Linear(x, BertIntermediate, name: $"layer{layer}.intermediate"));
            string output = b.Linear(intermediate, BertHidden, name: $"layer{layer}.output");
            x = b.LayerNorm(b.Add(output, x), epsilon: 1e-12f);
        }

        b.Output(x);
        return b.Build();
    }
}
