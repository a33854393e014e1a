using Esen.Solver.Profiles;

namespace Esen.Solver.Tests.Profiles;

public sealed class ProfileStoreTests : IDisposable
{
    private static readonly DateTimeOffset s_measuredAt = new(2026, 3, 14, 9, 26, 53, TimeSpan.FromHours(1));

    private readonly string _folder = Directory.CreateTempSubdirectory("esen-store-").FullName;
    private readonly ProfileStore _store;

    public ProfileStoreTests() => _store = new ProfileStore(Path.Combine(_folder, "profiles"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static MeasuredProfileKey Key(
        string gpu = "NVIDIA H200", int sms = 132, int driver = 13000, string mechanism = "green",
        string precision = "fp32", int batch = 1, string model = "arch:resnet18;seed=1;input=3x224x224") =>
        new(gpu, sms, driver, mechanism, precision, batch, model);

    internal static MeasuredProfile Profile(MeasuredProfileKey key, double fullDeviceMs = 2.5) => new(
        key,
        [
            new MeasuredPoint(key.Sms / 2, fullDeviceMs * 1.8, 20, fullDeviceMs * 1.7, fullDeviceMs * 1.95),
            new MeasuredPoint(8, fullDeviceMs * 9.1, 25, fullDeviceMs * 9, fullDeviceMs * 9.4),
            new MeasuredPoint(key.Sms, fullDeviceMs, 20, fullDeviceMs * 0.98, fullDeviceMs * 1.1),
        ],
        memoryBytes: 512L * 1024 * 1024 + 17,
        s_measuredAt);

    [Fact]
    public void PutThenTryGet_GivesTheSameProfile()
    {
        MeasuredProfile written = Profile(Key(), fullDeviceMs: 1.0 / 3);

        _store.Put(written);
        ProfileLookup lookup = _store.TryGet(Key());

        Assert.True(lookup.IsHit, lookup.Reason);
        Assert.Null(lookup.Reason);
        Assert.Equal(written.Key, lookup.Profile.Key);
        Assert.Equal(written.Points, lookup.Profile.Points);
        Assert.Equal([8, 66, 132], lookup.Profile.Points.Select(p => p.Sms));
        Assert.Equal(written.MemoryBytes, lookup.Profile.MemoryBytes);
        Assert.Equal(s_measuredAt, lookup.Profile.MeasuredAt);
        Assert.Equal(s_measuredAt.Offset, lookup.Profile.MeasuredAt.Offset);
        Assert.Contains(MeasuredProfile.FormatTag, File.ReadAllText(_store.EntryPath(Key())), StringComparison.Ordinal);
    }

    public static TheoryData<string> Variants => ["gpu", "sms", "driver", "mechanism", "precision", "batch", "model"];

    private static MeasuredProfileKey Variant(string field) => field switch
    {
        "gpu" => Key(gpu: "NVIDIA H100 80GB HBM3"),
        "sms" => Key(sms: 114),
        "driver" => Key(driver: 12080),
        "mechanism" => Key(mechanism: "mps-affinity"),
        "precision" => Key(precision: "tf32"),
        "batch" => Key(batch: 8),
        _ => Key(model: "arch:resnet18;seed=2;input=3x224x224"),
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void TryGet_KeyDiffersInOneField_IsAMiss(string field)
    {
        _store.Put(Profile(Key()));

        ProfileLookup lookup = _store.TryGet(Variant(field));

        Assert.Equal(ProfileLookupStatus.Absent, lookup.Status);
        Assert.Contains(_store.EntryPath(Variant(field)), lookup.Reason, StringComparison.Ordinal);
        Assert.NotEqual(_store.EntryPath(Key()), _store.EntryPath(Variant(field)));
    }

    [Fact]
    public void TornEntry_IsAMissWithAReason_AndAPutRepairsIt()
    {
        _store.Put(Profile(Key()));
        string path = _store.EntryPath(Key());
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        ProfileLookup torn = _store.TryGet(Key());
        ProfileStoreListing listing = _store.List();

        Assert.False(torn.IsHit);
        Assert.Equal(ProfileLookupStatus.Unreadable, torn.Status);
        Assert.StartsWith($"{path}: $: not valid JSON", torn.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', torn.Reason);
        Assert.Empty(listing.Profiles);
        Assert.Equal(path, Assert.Single(listing.Issues).Path);

        _store.Put(Profile(Key(), fullDeviceMs: 4));

        ProfileLookup repaired = _store.TryGet(Key());
        Assert.True(repaired.IsHit, repaired.Reason);
        Assert.Equal(4, repaired.Profile.Points[^1].MedianMs);
        Assert.Empty(_store.List().Issues);
    }

    [Fact]
    public void EntryOfAnotherFormatVersion_IsAMissNamingTheFileAndTheFormat()
    {
        string path = _store.EntryPath(Key());
        Directory.CreateDirectory(_store.DirectoryPath);
        File.WriteAllText(path, """{"format":"esen-measured/2","key":{},"curves":[]}""");

        ProfileLookup lookup = _store.TryGet(Key());

        Assert.Equal(ProfileLookupStatus.OtherFormat, lookup.Status);
        Assert.Equal($"{path}: $.format: written as 'esen-measured/2', this Esen reads 'esen-measured/1'", lookup.Reason);
        Assert.Equal(lookup.Reason, Assert.Single(_store.List().Issues).Reason);
    }

    [Fact]
    public void EntryHoldingAnotherKey_IsAMismatchAndListedAsAnIssue()
    {
        _store.Put(Profile(Key()));
        string foreign = _store.EntryPath(Key(batch: 4));
        File.Copy(_store.EntryPath(Key()), foreign);

        ProfileLookup lookup = _store.TryGet(Key(batch: 4));
        ProfileStoreListing listing = _store.List();

        Assert.Equal(ProfileLookupStatus.KeyMismatch, lookup.Status);
        Assert.StartsWith($"{foreign}: holds the entry for NVIDIA H200 (132 SMs, driver 13000), green, fp32, batch 1", lookup.Reason, StringComparison.Ordinal);
        Assert.Single(listing.Profiles);
        Assert.Contains("does not match the key inside", Assert.Single(listing.Issues).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"p10_ms\": 18,", "\"p10_ms\": 99,", "$.points[0]: latencies must satisfy")]
    [InlineData("\"batch\": 1", "\"batch\": 1.5", "$.key.batch: expected an integer")]
    [InlineData("\"memory_bytes\"", "\"memory\"", "$.memory: unknown field")]
    [InlineData("\"sms\": 132,", "\"sms\": 0,", "$.key: the SM count must be positive")]
    public void EditedEntry_IsUnreadableNamingTheField(string find, string replace, string expected)
    {
        _store.Put(Profile(Key(), fullDeviceMs: 2));
        string path = _store.EntryPath(Key());
        string text = File.ReadAllText(path);
        Assert.Contains(find, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(find, replace, StringComparison.Ordinal));

        ProfileLookup lookup = _store.TryGet(Key());

        Assert.Equal(ProfileLookupStatus.Unreadable, lookup.Status);
        Assert.StartsWith($"{path}: {expected}", lookup.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentWriters_LeaveEveryEntryParseableAndTheLastValueReadable()
    {
        MeasuredProfileKey shared = Key();
        MeasuredProfileKey[] own = [.. Enumerable.Range(0, 8).Select(t => Key(batch: 2 + t))];
        int unreadable = 0;
        using var writing = new CancellationTokenSource();

        Task reader = Task.Run(() =>
        {
            while (!writing.IsCancellationRequested)
            {
                if (_store.TryGet(shared).Status is not (ProfileLookupStatus.Hit or ProfileLookupStatus.Absent))
                {
                    Interlocked.Increment(ref unreadable);
                }
            }
        });
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            for (int i = 1; i <= 50; i++)
            {
                _store.Put(Profile(shared, fullDeviceMs: (thread * 100) + i));
                _store.Put(Profile(own[thread], fullDeviceMs: i));
            }
        });
        await writing.CancelAsync();
        await reader;

        ProfileStoreListing listing = _store.List();
        Assert.Equal(0, unreadable);
        Assert.Empty(listing.Issues);
        Assert.Equal(9, listing.Profiles.Count);
        Assert.Equal(9, Directory.GetFiles(_store.DirectoryPath).Length);
        double sharedMs = listing.Profiles.Single(p => p.Key == shared).Points[^1].MedianMs;
        Assert.Equal(50, sharedMs % 100);
        Assert.All(own, key => Assert.Equal(50, _store.TryGet(key).Profile!.Points[^1].MedianMs));

        _store.Put(Profile(shared, fullDeviceMs: 7));
        Assert.Equal(7, _store.TryGet(shared).Profile!.Points[^1].MedianMs);
    }

    [Fact]
    public void TemporaryFiles_AreNeitherListedNorCleared()
    {
        _store.Put(Profile(Key()));
        string leftover = Path.Combine(_store.DirectoryPath, $".{Path.GetFileNameWithoutExtension(_store.EntryPath(Key()))}.0123456789abcdef.tmp");
        File.WriteAllText(leftover, "{\"format\":\"esen-meas");

        ProfileStoreListing listing = _store.List();

        Assert.Single(listing.Profiles);
        Assert.Empty(listing.Issues);
        Assert.Equal(1, _store.Clear());
        Assert.True(File.Exists(leftover));
    }

    [Fact]
    public void Clear_WithAFilter_RemovesOnlyMatchingEntries()
    {
        _store.Put(Profile(Key()));
        _store.Put(Profile(Key(batch: 8)));
        _store.Put(Profile(Key(gpu: "NVIDIA A100-SXM4-80GB", sms: 108)));

        int removed = _store.Clear(key => key.Gpu == "NVIDIA H200");

        Assert.Equal(2, removed);
        Assert.Equal("NVIDIA A100-SXM4-80GB", Assert.Single(_store.List().Profiles).Key.Gpu);
        Assert.Equal(0, _store.Clear(key => key.Gpu == "NVIDIA H200"));
    }

    [Fact]
    public void Clear_WithoutAFilter_RemovesEveryEntryIncludingDamagedOnes()
    {
        _store.Put(Profile(Key()));
        _store.Put(Profile(Key(batch: 8)));
        File.WriteAllText(_store.EntryPath(Key(batch: 16)), "{");

        int removed = _store.Clear();

        Assert.Equal(3, removed);
        ProfileStoreListing listing = _store.List();
        Assert.Empty(listing.Profiles);
        Assert.Empty(listing.Issues);
    }

    [Fact]
    public void MissingDirectory_IsAnEmptyStore()
    {
        Assert.Empty(_store.List().Profiles);
        Assert.Equal(0, _store.Clear());
        Assert.Equal(ProfileLookupStatus.Absent, _store.TryGet(Key()).Status);
        Assert.False(Directory.Exists(_store.DirectoryPath));
    }

    [Fact]
    public void DirectoryThatIsAFile_FailsWithOneLineNamingIt_ButTryGetDoesNotThrow()
    {
        string file = Path.Combine(_folder, "not-a-directory");
        File.WriteAllText(file, "");
        var store = new ProfileStore(file);

        var list = Assert.Throws<ProfileStoreException>(store.List);
        var put = Assert.Throws<ProfileStoreException>(() => store.Put(Profile(Key())));

        Assert.StartsWith($"{file}: ", list.Message, StringComparison.Ordinal);
        Assert.Contains(file, put.Message, StringComparison.Ordinal);
        Assert.False(store.TryGet(Key()).IsHit);
    }

    [Fact]
    public void DefaultDirectory_PrefersTheVariable_ThenAnAbsoluteXdgCache_ThenHome()
    {
        var environment = new Dictionary<string, string>
        {
            ["ESEN_PROFILE_STORE"] = "/srv/esen",
            ["XDG_CACHE_HOME"] = "/var/cache/me",
            ["HOME"] = "/home/me",
        };
        string? Read(string name) => environment.GetValueOrDefault(name);

        Assert.Equal("/srv/esen", ProfileStore.DefaultDirectory(Read));
        environment.Remove("ESEN_PROFILE_STORE");
        Assert.Equal(Path.Combine("/var/cache/me", "esen", "profiles"), ProfileStore.DefaultDirectory(Read));
        environment["XDG_CACHE_HOME"] = "relative/cache";
        Assert.Equal(Path.Combine("/home/me", ".cache", "esen", "profiles"), ProfileStore.DefaultDirectory(Read));
    }
}
