namespace Esen.Kernels.Execution;

/// <summary>A buffer request: a size and the execution steps during which the buffer is live.</summary>
/// <param name="Size">Elements needed.</param>
/// <param name="FirstStep">Step that writes it.</param>
/// <param name="LastStep">Last step that reads it (inclusive).</param>
public readonly record struct BufferRequest(long Size, int FirstStep, int LastStep);

/// <summary>
/// Liveness-based buffer planning: places buffers in one arena so that two buffers share memory only
/// if their live ranges do not overlap. Greedy by size: the largest buffers are placed first, each at
/// the lowest offset that does not collide with an already placed buffer that is live at the same time
/// (the strategy of TensorFlow Lite's arena planner, "greedy by size"). O(n²) in the buffer count.
/// </summary>
public static class MemoryPlanner
{
    /// <summary>Offsets for each request and the arena size they need.</summary>
    public static (long[] Offsets, long ArenaSize) Plan(IReadOnlyList<BufferRequest> requests)
    {
        var offsets = new long[requests.Count];
        int[] order = Enumerable.Range(0, requests.Count)
            .OrderByDescending(i => requests[i].Size).ThenBy(i => requests[i].FirstStep).ToArray();
        var placed = new List<int>(requests.Count);
        long arena = 0;
        var conflicts = new List<(long Start, long End)>();
        foreach (int i in order)
        {
            BufferRequest r = requests[i];
            conflicts.Clear();
            foreach (int j in placed)
            {
                BufferRequest other = requests[j];
                if (other.FirstStep <= r.LastStep && r.FirstStep <= other.LastStep)
                {
                    conflicts.Add((offsets[j], offsets[j] + other.Size));
                }
            }

            conflicts.Sort((a, b) => a.Start.CompareTo(b.Start));
            long candidate = 0;
            foreach ((long start, long end) in conflicts)
            {
                if (candidate + r.Size <= start)
                {
                    break;
                }

                candidate = Math.Max(candidate, end);
            }

            offsets[i] = candidate;
            arena = Math.Max(arena, candidate + r.Size);
            placed.Add(i);
        }

        return (offsets, arena);
    }
}
