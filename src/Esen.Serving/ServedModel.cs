using Esen.Kernels.Graph;
using Esen.Runtime;

namespace Esen.Serving;

/// <summary>
/// One model the server answers for: a loaded session under a name, with a bounded count of requests
/// admitted at once so a full model refuses at the door instead of queueing without end.
/// </summary>
internal sealed class ServedModel : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly int _capacity;

    public ServedModel(string name, EnsembleSession session, int maxQueuedRequests)
    {
        Name = name;
        Session = session;
        _capacity = maxQueuedRequests;
        _slots = new SemaphoreSlim(maxQueuedRequests, maxQueuedRequests);
    }

    public string Name { get; }

    public EnsembleSession Session { get; }

    /// <summary>The shape of one input row (the input's shape without its batch dimension).</summary>
    public TensorShape SampleShape => new(Session.Input.Shape.Dimensions[1..]);

    /// <summary>Requests admitted and not answered yet.</summary>
    public int InFlight => _capacity - _slots.CurrentCount;

    /// <summary>Takes a slot if one is free now; the caller releases it with <see cref="Release"/>.</summary>
    public bool TryAdmit() => _slots.Wait(0);

    public void Release() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
