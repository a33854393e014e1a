using Esen.Kernels.Graph;

namespace Esen.Kernels.Zoo;

public static partial class ModelZoo
{
    /// <summary>
    /// MobileNetV2 (Sandler et al. 2018, torchvision, width 1.0): inverted residual blocks with
    /// depthwise 3×3 convs and ReLU6; 0.301 GMAC, 3.50 M parameters.
    /// </summary>
    public static LayerGraph MobileNetV2(int seed = 1)
    {
        // (expansion t, output channels c, repeats n, first stride s) from the paper's Table 2.
        (int T, int C, int N, int S)[] settings =
            [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

        GraphBuilder b = ImageClassifier("mobilenetv2", seed, out string x);
        x = Relu6(b, b.BatchNorm(b.Conv(x, 32, 3, stride: 2, pad: 1, bias: false)));
        int channels = 32;
        foreach ((int t, int c, int n, int s) in settings)
        {
            for (int i = 0; i < n; i++)
            {
                int stride = i == 0 ? s : 1;
                int hidden = channels * t;
                string y = x;
                if (t != 1)
                {
                    y = Relu6(b, b.BatchNorm(b.Conv(y, hidden, 1, bias: false)));
                }

                y = Relu6(b, b.BatchNorm(b.Conv(y, hidden, 3, stride: stride, pad: 1, groups: hidden, bias: false)));
                y = b.BatchNorm(b.Conv(y, c, 1, bias: false));
                x = stride == 1 && channels == c ? b.Add(x, y) : y;
                channels = c;
            }
        }

        x = Relu6(b, b.BatchNorm(b.Conv(x, 1280, 1, bias: false)));
        b.Output(b.Gemm(b.Dropout(b.Flatten(b.GlobalAveragePool(x))), 1000));
        return b.Build();
    }

    private static string Relu6(GraphBuilder b, string x) => b.Clip(x, 0f, 6f);
}
