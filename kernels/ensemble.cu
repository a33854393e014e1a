// Combining the outputs of an ensemble's members. Member outputs are stacked member-major:
// scores[m · count + i] is element i of member m (for class scores, count = rows · classes and
// element i = r · classes + k). The executor plans the members' output buffers as slices of one
// allocation, so stacking costs no copy.
#include "esen_cuda.h"

// Most members a majority vote accepts (each thread keeps one winning class per member).
#define ESEN_MAX_VOTERS 32

// y[i] = (1/members) · Σ_m scores[m, i].
ESEN_KERNEL void esen_ensemble_mean(const float* scores, float* y, int members, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        float sum = 0.0f;
        for (int m = 0; m < members; ++m)
        {
            sum += scores[static_cast<long long>(m) * count + i];
        }
        y[i] = sum / static_cast<float>(members);
    }
}

// y[i] = Σ_m weights[m] · scores[m, i] / Σ_m weights[m] (weights normalised; their sum ≠ 0).
ESEN_KERNEL void esen_ensemble_weighted_mean(const float* scores, const float* weights, float* y,
                                             int members, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        float sum = 0.0f;
        float weight_sum = 0.0f;
        for (int m = 0; m < members; ++m)
        {
            sum = ESEN_FMA(weights[m], scores[static_cast<long long>(m) * count + i], sum);
            weight_sum += weights[m];
        }
        y[i] = sum / weight_sum;
    }
}

// Majority vote over class scores [members, rows, classes] (1 ≤ members ≤ ESEN_MAX_VOTERS).
// Each member votes for its argmax class (ties: the lowest class index); the row's answer is the
// class with the most votes (ties: the lowest class index). Writes class_ids[r] (int) and/or the
// one-hot row one_hot[r, ·] (1 at the answer, 0 elsewhere); either output may be null.
ESEN_KERNEL void esen_ensemble_vote(const float* scores, int* class_ids, float* one_hot,
                                    int members, int rows, int classes)
{
    for (long long r = esen_global_index(); r < rows; r += esen_grid_stride())
    {
        int votes[ESEN_MAX_VOTERS];
        for (int m = 0; m < members; ++m)
        {
            const float* row = scores + (static_cast<long long>(m) * rows + r) * classes;
            int best = 0;
            for (int k = 1; k < classes; ++k)
            {
                if (row[k] > row[best])
                {
                    best = k;
                }
            }
            votes[m] = best;
        }

        int winner = classes;
        int winner_votes = 0;
        for (int m = 0; m < members; ++m)
        {
            int tally = 0;
            for (int n = 0; n < members; ++n)
            {
                tally += votes[n] == votes[m] ? 1 : 0;
            }
            if (tally > winner_votes || (tally == winner_votes && votes[m] < winner))
            {
                winner = votes[m];
                winner_votes = tally;
            }
        }

        if (class_ids != nullptr)
        {
            class_ids[r] = winner;
        }
        if (one_hot != nullptr)
        {
            for (int k = 0; k < classes; ++k)
            {
                one_hot[r * classes + k] = k == winner ? 1.0f : 0.0f;
            }
        }
    }
}
