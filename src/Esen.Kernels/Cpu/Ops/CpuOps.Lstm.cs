using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu.Ops;

internal static partial class CpuOps
{
    /// <summary>
    /// ONNX LSTM with the default activations, gates in the order i, o, f, c (W, R, B) and peepholes i, o, f (P); per step
    /// and direction: g = X_t·Wᵀ + H·Rᵀ + Wb + Rb, i = σ(g_i + P_i⊙C), f = σ(g_f + P_f⊙C), C = f⊙C + i⊙tanh(g_c),
    /// o = σ(g_o + P_o⊙C), H = o⊙tanh(C). Empty spans are absent inputs (zero) or outputs (not written).
    /// </summary>
    public static void Lstm(
        LstmGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> r, ReadOnlySpan<float> b, ReadOnlySpan<float> initialH,
        ReadOnlySpan<float> initialC, ReadOnlySpan<float> p, Span<float> y, Span<float> yH, Span<float> yC)
    {
        int hidden = g.Hidden, input = g.Input, state = g.Batch * hidden;
        var h = new float[state];
        var c = new float[state];
        var gates = new float[4 * hidden];
        for (int d = 0; d < g.Directions; d++)
        {
            ReadOnlySpan<float> wd = w.Slice(d * 4 * hidden * input, 4 * hidden * input), rd = r.Slice(d * 4 * hidden * hidden, 4 * hidden * hidden);
            ReadOnlySpan<float> bd = b.IsEmpty ? default : b.Slice(d * 8 * hidden, 8 * hidden), pd = p.IsEmpty ? default : p.Slice(d * 3 * hidden, 3 * hidden);
            CopyOrClear(initialH, d * state, h);
            CopyOrClear(initialC, d * state, c);
            bool backward = g.Reverse || d == 1;
            for (int step = 0; step < g.Sequence; step++)
            {
                int t = backward ? g.Sequence - 1 - step : step;
                for (int n = 0; n < g.Batch; n++)
                {
                    ReadOnlySpan<float> xt = x.Slice(((t * g.Batch) + n) * input, input);
                    Span<float> hn = h.AsSpan(n * hidden, hidden), cn = c.AsSpan(n * hidden, hidden);
                    for (int k = 0; k < 4 * hidden; k++)
                    {
                        float sum = bd.IsEmpty ? 0f : bd[k] + bd[(4 * hidden) + k];
                        ReadOnlySpan<float> wk = wd.Slice(k * input, input), rk = rd.Slice(k * hidden, hidden);
                        for (int i = 0; i < input; i++)
                        {
                            sum += xt[i] * wk[i];
                        }

                        for (int i = 0; i < hidden; i++)
                        {
                            sum += hn[i] * rk[i];
                        }

                        gates[k] = sum;
                    }

                    for (int j = 0; j < hidden; j++)
                    {
                        float peepI = pd.IsEmpty ? 0f : pd[j], peepO = pd.IsEmpty ? 0f : pd[hidden + j], peepF = pd.IsEmpty ? 0f : pd[(2 * hidden) + j];
                        float inputGate = Sigmoid(gates[j] + (peepI * cn[j]));
                        float forgetGate = Sigmoid(gates[(2 * hidden) + j] + (peepF * cn[j]));
                        cn[j] = (forgetGate * cn[j]) + (inputGate * MathF.Tanh(gates[(3 * hidden) + j]));
                        float outputGate = Sigmoid(gates[hidden + j] + (peepO * cn[j]));
                        hn[j] = outputGate * MathF.Tanh(cn[j]);
                    }

                    if (!y.IsEmpty)
                    {
                        hn.CopyTo(y.Slice(((((t * g.Directions) + d) * g.Batch) + n) * hidden, hidden));
                    }
                }
            }

            if (!yH.IsEmpty)
            {
                h.CopyTo(yH.Slice(d * state, state));
            }

            if (!yC.IsEmpty)
            {
                c.CopyTo(yC.Slice(d * state, state));
            }
        }
    }

    private static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-v));

    private static void CopyOrClear(ReadOnlySpan<float> states, int offset, Span<float> target)
    {
        if (states.IsEmpty)
        {
            target.Clear();
        }
        else
        {
            states.Slice(offset, target.Length).CopyTo(target);
        }
    }
}
