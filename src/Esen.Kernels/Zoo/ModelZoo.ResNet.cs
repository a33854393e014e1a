using Esen.Kernels.Graph;

namespace Esen.Kernels.Zoo;

public static partial class ModelZoo
{
    /// <summary>ResNet-18 (He et al. 2016, torchvision): basic blocks [2, 2, 2, 2]; 1.814 GMAC, 11.69 M parameters.</summary>
    public static LayerGraph ResNet18(int seed = 1) => ResNet("resnet18", seed, [2, 2, 2, 2], bottleneck: false);

    /// <summary>
    /// ResNet-50 v1.5 (torchvision: the stride sits on the 3×3 conv of each bottleneck): [3, 4, 6, 3];
    /// 4.089 GMAC, 25.56 M parameters.
    /// </summary>
    public static LayerGraph ResNet50(int seed = 1) => ResNet("resnet50", seed, [3, 4, 6, 3], bottleneck: true);

    private static LayerGraph ResNet(string name, int seed, int[] blocks, bool bottleneck)
    {
        GraphBuilder b = ImageClassifier(name, seed, out string x);
        x = b.MaxPool(ConvBn(b, x, 64, 7, 2, 3), 3, 2, pad: 1);
        int expansion = bottleneck ? 4 : 1;
        int inChannels = 64;
        for (int stage = 0; stage < blocks.Length; stage++)
        {
            int width = 64 << stage;
            for (int block = 0; block < blocks[stage]; block++)
            {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                string shortcut = stride != 1 || inChannels != width * expansion
                    ? ConvBn(b, x, width * expansion, 1, stride, 0, relu: false)
                    : x;
                string y = bottleneck
                    ? ConvBn(b, ConvBn(b, ConvBn(b, x, width, 1, 1, 0), width, 3, stride, 1), width * 4, 1, 1, 0, relu: false)
                    : ConvBn(b, ConvBn(b, x, width, 3, stride, 1), width, 3, 1, 1, relu: false);
                x = b.Relu(b.Add(y, shortcut));
                inChannels = width * expansion;
            }
        }

        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(x)), 1000));
        return b.Build();
    }
}
