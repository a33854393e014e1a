using Esen.Kernels.Graph;

namespace Esen.Kernels.Zoo;

public static partial class ModelZoo
{
    private const int PoolMarker = 0;

    /// <summary>
    /// AlexNet as in torchvision (single-tower variant of Krizhevsky et al. 2012): five convs, three
    /// max pools, three fully connected layers. 0.714 GMAC, 61.1 M parameters at 224×224.
    /// </summary>
    public static LayerGraph AlexNet(int seed = 1)
    {
        GraphBuilder b = ImageClassifier("alexnet", seed, out string x);
        x = b.MaxPool(b.Relu(b.Conv(x, 64, 11, stride: 4, pad: 2)), 3, 2);
        x = b.MaxPool(b.Relu(b.Conv(x, 192, 5, pad: 2)), 3, 2);
        x = b.Relu(b.Conv(x, 384, 3, pad: 1));
        x = b.Relu(b.Conv(x, 256, 3, pad: 1));
        x = b.MaxPool(b.Relu(b.Conv(x, 256, 3, pad: 1)), 3, 2);
        return Classifier(b, x, 4096);
    }

    /// <summary>VGG-16 (configuration D of Simonyan and Zisserman 2015): 15.47 GMAC, 138.4 M parameters.</summary>
    public static LayerGraph Vgg16(int seed = 1) =>
        Vgg("vgg16", seed, [64, 64, PoolMarker, 128, 128, PoolMarker, 256, 256, 256, PoolMarker, 512, 512, 512, PoolMarker, 512, 512, 512, PoolMarker]);

    /// <summary>VGG-19 (configuration E): 19.63 GMAC, 143.7 M parameters.</summary>
    public static LayerGraph Vgg19(int seed = 1) =>
        Vgg("vgg19", seed, [64, 64, PoolMarker, 128, 128, PoolMarker, 256, 256, 256, 256, PoolMarker, 512, 512, 512, 512, PoolMarker, 512, 512, 512, 512, PoolMarker]);

    private static LayerGraph Vgg(string name, int seed, int[] configuration)
    {
        GraphBuilder b = ImageClassifier(name, seed, out string x);
        foreach (int channels in configuration)
        {
            x = channels == PoolMarker ? b.MaxPool(x, 2, 2) : b.Relu(b.Conv(x, channels, 3, pad: 1));
        }

        return Classifier(b, x, 4096);
    }

    /// <summary>Flatten → FC → ReLU → Dropout → FC → ReLU → Dropout → FC(1000) (AlexNet/VGG heads).</summary>
    private static LayerGraph Classifier(GraphBuilder b, string x, int hidden)
    {
        x = b.Flatten(x);
        x = b.Dropout(b.Relu(b.Gemm(x, hidden)));
        x = b.Dropout(b.Relu(b.Gemm(x, hidden)));
        b.Output(b.Gemm(x, 1000));
        return b.Build();
    }
}
