namespace Esen.Solver.Profiles;

/// <summary>
/// A directory of measured latency profiles, one <c>esen-measured/1</c> JSON file per key, named by a
/// hash of the key. Writers replace entries atomically (a private temporary file renamed over the
/// entry), so readers see the old entry or the new one, never a mix; a damaged entry is reported and
/// skipped, never thrown. Safe for concurrent threads and processes on POSIX file systems.
/// </summary>
public sealed class ProfileStore
{
    /// <summary>The environment variable that overrides the default directory.</summary>
    public const string DirectoryVariable = "ESEN_PROFILE_STORE";

    /// <summary>The store in <see cref="DefaultDirectory"/>.</summary>
    public ProfileStore()
        : this(DefaultDirectory())
    {
    }

    /// <summary>The store in <paramref name="directoryPath"/> (created by the first <see cref="Put"/>).</summary>
    public ProfileStore(string directoryPath) => DirectoryPath = Path.GetFullPath(directoryPath);

    /// <summary>The store's directory, as a full path.</summary>
    public string DirectoryPath { get; }

    /// <summary>
    /// <c>$ESEN_PROFILE_STORE</c> if set, else <c>$XDG_CACHE_HOME/esen/profiles</c>, else
    /// <c>~/.cache/esen/profiles</c>.
    /// </summary>
    /// <param name="environment">Reads an environment variable; the process environment by default.</param>
    public static string DefaultDirectory(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment(DirectoryVariable) is { Length: > 0 } configured)
        {
            return configured;
        }

        // The XDG base directory spec says a relative XDG_CACHE_HOME is invalid and is ignored.
        string cache = environment("XDG_CACHE_HOME") is { } xdg && Path.IsPathFullyQualified(xdg)
            ? xdg
            : Path.Combine(environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "esen", "profiles");
    }

    /// <summary>The file that holds, or would hold, the entry for <paramref name="key"/>.</summary>
    public string EntryPath(MeasuredProfileKey key) => Path.Combine(DirectoryPath, key.EntryFileName());

    /// <summary>The profile stored for exactly <paramref name="key"/>, or why there is none. Never throws.</summary>
    public ProfileLookup TryGet(MeasuredProfileKey key)
    {
        string path = EntryPath(key);
        ProfileLookup lookup = Load(path);
        return lookup.IsHit && lookup.Profile.Key != key
            ? ProfileLookup.Miss(ProfileLookupStatus.KeyMismatch, $"{path}: holds the entry for {lookup.Profile.Key}, not for {key}")
            : lookup;
    }

    /// <summary>Stores <paramref name="profile"/>, replacing any entry for its key.</summary>
    /// <exception cref="ProfileStoreException">The directory cannot be created or written.</exception>
    public void Put(MeasuredProfile profile)
    {
        string path = EntryPath(profile.Key);
        // A unique name per writer: concurrent writers never share a temporary file, and the leading
        // dot and ".tmp" keep it out of every listing.
        string temporary = Path.Combine(DirectoryPath, $".{Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(DirectoryPath);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                MeasuredProfileJson.Write(profile, stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProfileStoreException($"{path}: cannot write the profile store entry: {ex.Message}", ex);
        }
        finally
        {
            // Gone after a successful rename; left behind only when writing failed.
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Every usable entry (ordered by GPU, driver, mechanism, precision, model, batch) and every unusable one with its reason.</summary>
    /// <exception cref="ProfileStoreException">The directory exists but cannot be read, or is a file.</exception>
    public ProfileStoreListing List()
    {
        var profiles = new List<MeasuredProfile>();
        var issues = new List<ProfileStoreIssue>();
        foreach (string path in EntryFiles())
        {
            ProfileLookup lookup = Load(path);
            if (lookup.IsHit && EntryPath(lookup.Profile.Key) != path)
            {
                issues.Add(new(path, $"{path}: its name does not match the key inside (expected {lookup.Profile.Key.EntryFileName()}), so lookups never find it"));
            }
            else if (lookup.IsHit)
            {
                profiles.Add(lookup.Profile);
            }
            else if (lookup.Status != ProfileLookupStatus.Absent)
            {
                // Absent here means another process removed the entry since it was listed.
                issues.Add(new(path, lookup.Reason));
            }
        }

        return new(
            [.. profiles
                .OrderBy(p => p.Key.Gpu, StringComparer.Ordinal)
                .ThenBy(p => p.Key.DriverVersion)
                .ThenBy(p => p.Key.Mechanism, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Precision, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Model, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Batch)],
            [.. issues.OrderBy(i => i.Path, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Removes the entries whose key passes <paramref name="filter"/>, or every entry (unusable ones
    /// included) without a filter; returns how many were removed.
    /// </summary>
    /// <exception cref="ProfileStoreException">The directory or an entry cannot be read or removed.</exception>
    public int Clear(Func<MeasuredProfileKey, bool>? filter = null)
    {
        string[] doomed = filter is null
            ? EntryFiles()
            : [.. List().Profiles.Where(p => filter(p.Key)).Select(p => EntryPath(p.Key))];
        foreach (string path in doomed)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ProfileStoreException($"{path}: cannot remove the profile store entry: {ex.Message}", ex);
            }
        }

        return doomed.Length;
    }

    private string[] EntryFiles()
    {
        if (File.Exists(DirectoryPath))
        {
            throw new ProfileStoreException($"{DirectoryPath}: is a file, not a profile store directory");
        }

        try
        {
            return Directory.Exists(DirectoryPath) ? Directory.GetFiles(DirectoryPath, "*.json") : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProfileStoreException($"{DirectoryPath}: cannot read the profile store: {ex.Message}", ex);
        }
    }

    private static ProfileLookup Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return ProfileLookup.Miss(ProfileLookupStatus.Absent, $"{path}: no entry");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ProfileLookup.Miss(ProfileLookupStatus.Unreadable, $"{path}: cannot read: {ex.Message}");
        }

        try
        {
            return ProfileLookup.Hit(MeasuredProfileJson.Read(json, path));
        }
        catch (OtherFormatException ex)
        {
            return ProfileLookup.Miss(ProfileLookupStatus.OtherFormat, ex.Message);
        }
        catch (Formats.JsonFormatException ex)
        {
            return ProfileLookup.Miss(ProfileLookupStatus.Unreadable, ex.Message);
        }
    }
}

/// <summary>A file in the store directory that cannot be used.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">Why, in one line that names the file.</param>
public sealed record ProfileStoreIssue(string Path, string Reason);

/// <summary>What <see cref="ProfileStore.List"/> found.</summary>
/// <param name="Profiles">The usable entries.</param>
/// <param name="Issues">The entries that cannot be used, with reasons.</param>
public sealed record ProfileStoreListing(IReadOnlyList<MeasuredProfile> Profiles, IReadOnlyList<ProfileStoreIssue> Issues);

/// <summary>The store's directory, or an entry in it, cannot be read, created or written; the message says which.</summary>
public sealed class ProfileStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProfileStoreException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
