using Esen.Kernels.Graph;

namespace Esen.Kernels.Zoo;

public static partial class ModelZoo
{
    /// <summary>
    /// DenseNet-121 (Huang et al. 2017, torchvision): growth 32, bottleneck width 4·32, blocks
    /// [6, 12, 24, 16] with pre-activation BN-ReLU-Conv layers and halving transitions; 2.834 GMAC,
    /// 7.98 M parameters.
    /// </summary>
    public static LayerGraph DenseNet121(int seed = 1)
    {
        const int Growth = 32;
        const int BottleneckWidth = 4 * Growth;
        int[] blocks = [6, 12, 24, 16];

        GraphBuilder b = ImageClassifier("densenet121", seed, out string x);
        x = b.MaxPool(ConvBn(b, x, 64, 7, 2, 3), 3, 2, pad: 1);
        int channels = 64;
        for (int block = 0; block < blocks.Length; block++)
        {
            List<string> features = [x];
            for (int layer = 0; layer < blocks[block]; layer++)
            {
                // A copy: the node keeps the list it is given, and this one keeps growing.
                string input = features.Count == 1 ? features[0] : b.Concat(1, [.. features]);
                string y = b.Conv(b.Relu(b.BatchNorm(input)), BottleneckWidth, 1, bias: false);
                y = b.Conv(b.Relu(b.BatchNorm(y)), Growth, 3, pad: 1, bias: false);
                features.Add(y);
                channels += Growth;
            }

            x = b.Concat(1, [.. features]);
            if (block < blocks.Length - 1)
            {
                channels /= 2;
                x = b.AveragePool(b.Conv(b.Relu(b.BatchNorm(x)), channels, 1, bias: false), 2, 2);
            }
        }

        x = b.Relu(b.BatchNorm(x));
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(x)), 1000));
        return b.Build();
    }
}
