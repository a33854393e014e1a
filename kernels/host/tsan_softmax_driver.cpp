// Standalone check that the host shim exposes barrier bugs: runs esen_softmax (two block
// reductions per row) on a ragged shape and checks every row sums to 1. The tests build it twice
// with -fsanitize=thread: as is (ThreadSanitizer must stay quiet) and with
// -DESEN_TEST_OMIT_REDUCTION_BARRIER, which drops the barrier inside the reduction loop
// (ThreadSanitizer must report a data race).
#include "../softmax.cu"

#include <cmath>
#include <cstdio>
#include <vector>

int main()
{
    const int rows = 3;
    const int cols = 201;
    std::vector<float> x(rows * cols);
    std::vector<float> y(rows * cols);
    for (int i = 0; i < rows * cols; ++i)
    {
        x[i] = static_cast<float>((i * 37) % 101) / 17.0f - 3.0f;
    }

    esen_host_launch(2, 48, [&] { esen_softmax(x.data(), y.data(), rows, cols); });

    int wrong_rows = 0;
    for (int r = 0; r < rows; ++r)
    {
        double sum = 0.0;
        for (int j = 0; j < cols; ++j)
        {
            sum += y[r * cols + j];
        }
        wrong_rows += std::fabs(sum - 1.0) > 1e-4 ? 1 : 0;
    }

    std::printf("softmax rows summing to 1: %d of %d\n", rows - wrong_rows, rows);
    return wrong_rows == 0 ? 0 : 1;
}
