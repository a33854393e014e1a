using System.Diagnostics.CodeAnalysis;

namespace Esen.Solver.Profiles;

/// <summary>The outcome of <see cref="ProfileStore.TryGet"/>.</summary>
public enum ProfileLookupStatus
{
    /// <summary>A usable entry for the key.</summary>
    Hit,

    /// <summary>No entry for the key.</summary>
    Absent,

    /// <summary>An entry that cannot be read or parsed (torn, garbled, edited, no permission).</summary>
    Unreadable,

    /// <summary>An entry written in another format version.</summary>
    OtherFormat,

    /// <summary>An entry whose stored key is not the one asked for (a hash collision or an edited file).</summary>
    KeyMismatch,
}

/// <summary>A store lookup: the profile on a hit; otherwise why there is none, in one line naming the file.</summary>
public sealed class ProfileLookup
{
    private ProfileLookup(ProfileLookupStatus status, MeasuredProfile? profile, string? reason)
    {
        Status = status;
        Profile = profile;
        Reason = reason;
    }

    /// <summary>Hit, or the kind of miss.</summary>
    public ProfileLookupStatus Status { get; }

    /// <summary>The profile on a hit; null otherwise.</summary>
    public MeasuredProfile? Profile { get; }

    /// <summary>Why there is no profile ("FILE: what is wrong"); null on a hit.</summary>
    public string? Reason { get; }

    /// <summary>True when <see cref="Profile"/> is usable.</summary>
    [MemberNotNullWhen(true, nameof(Profile))]
    [MemberNotNullWhen(false, nameof(Reason))]
    public bool IsHit => Status == ProfileLookupStatus.Hit;

    internal static ProfileLookup Hit(MeasuredProfile profile) => new(ProfileLookupStatus.Hit, profile, null);

    internal static ProfileLookup Miss(ProfileLookupStatus status, string reason) => new(status, null, reason);
}
