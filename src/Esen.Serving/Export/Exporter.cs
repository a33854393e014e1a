using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Esen.Runtime;
using Esen.Runtime.Specs;
using Esen.Solver.Formats;

namespace Esen.Serving.Export;

/// <summary>
/// <c>esen export</c>: writes what a serving engine runs for a spec and its plan into a folder, with a
/// LIMITS.txt that says what the engine cannot express of the plan. Everything is written into a
/// temporary folder beside the destination and moved into place at the end, so a failure leaves
/// nothing half-written.
/// </summary>
public static class Exporter
{
    /// <summary>The file every export writes with what the target cannot express.</summary>
    public const string LimitsFile = "LIMITS.txt";

    /// <summary>Exports <paramref name="specPath"/> planned by <paramref name="planPath"/> for <paramref name="target"/> into <paramref name="directory"/>.</summary>
    /// <param name="target">A name from <see cref="ExportTargets.Names"/>.</param>
    /// <param name="directory">The destination: absent or empty.</param>
    /// <exception cref="EsenException">An unknown target, a bad spec or plan, a plan that does not match the spec, a member too large for its node, or a destination that is not empty (<see cref="EsenErrorKind.BadInput"/>); a folder that cannot be written (<see cref="EsenErrorKind.Unavailable"/>).</exception>
    public static ExportResult Export(string specPath, string planPath, string target, string directory, ExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(directory);
        options ??= new ExportOptions();
        try
        {
            ExportTarget parsed = ExportTargets.Parse(target);
            string destination = Path.GetFullPath(directory);
            if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any())
            {
                throw new ArgumentException($"{directory}: the folder exists and is not empty; name a new one");
            }

            PlannedDeployment deployment = PlannedDeployment.Load(specPath, planPath, options.Devices);
            string parent = Path.GetDirectoryName(destination) ?? ".";
            Directory.CreateDirectory(parent);
            var staging = new ExportFolder(Path.Combine(parent, $".{Path.GetFileName(destination)}.tmp-{Guid.NewGuid():N}"));
            try
            {
                switch (parsed)
                {
                    case ExportTarget.KServe:
                        KServeExport.Write(deployment, options, staging);
                        break;
                    case ExportTarget.Triton:
                        TritonExport.Write(deployment, staging);
                        break;
                    case ExportTarget.Ray:
                        RayExport.Write(deployment, staging);
                        break;
                    default:
                        MpsSharingExport.Write(deployment, staging);
                        break;
                }

                staging.WriteText(LimitsFile, LimitsText(deployment, parsed, staging.Limits));
                if (Directory.Exists(destination))
                {
                    Directory.Delete(destination);
                }

                Directory.Move(staging.Root, destination);
                return new ExportResult(destination, [.. staging.Files.Order(StringComparer.Ordinal)], staging.Limits);
            }
            finally
            {
                if (Directory.Exists(staging.Root))
                {
                    Directory.Delete(staging.Root, recursive: true);
                }
            }
        }
        catch (Exception ex) when (ex is not EsenException && EsenException.From(ex) is { } esen)
        {
            throw esen;
        }
    }

    /// <summary>
    /// The spec of <paramref name="members"/> as a node group serves it: the source spec's fields, its
    /// members reduced to those given, each ONNX model copied to <c>models/MEMBER.onnx</c> beside the
    /// spec, each <c>cuda:N</c> member moved to its device's index on the node, each member's share fixed
    /// (<c>members[].share</c>, so <c>esen serve</c> runs it instead of solving; the spec's <c>solver</c> goes).
    /// A cascade of one stage and a single member become a one-member ensemble (its answer is the member's output).
    /// Members that keep a <c>cpu</c> or <c>sim:NAME</c> device share it even where the plan put them on several
    /// devices; when their shares add up to more than 100 % there, the spec fixes none and a limit says so.
    /// </summary>
    /// <param name="deployment">The deployment.</param>
    /// <param name="members">The copies to keep (spec indices and local GPU); a member's first copy gives its share.</param>
    /// <param name="shareOf">The share a kept copy's member is fixed at.</param>
    /// <param name="folder">Where the spec goes.</param>
    /// <param name="relativePath">The spec's path in <paramref name="folder"/>; its file name is the served model's name.</param>
    internal static void WriteSpec(PlannedDeployment deployment, IReadOnlyList<DeployedCopy> members, Func<DeployedCopy, int> shareOf, ExportFolder folder, string relativePath)
    {
        string source = deployment.Spec.SourceName;
        JsonObject root = JsonNode.Parse(File.ReadAllText(source), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        JsonArray sourceMembers = root["members"]!.AsArray();
        string specFolder = Path.GetDirectoryName(relativePath) ?? "";
        DeployedCopy[] kept = [.. members.DistinctBy(c => c.Member).OrderBy(c => c.Member)];
        var written = new JsonArray();
        foreach (DeployedCopy copy in kept)
        {
            JsonObject member = sourceMembers[copy.Member]!.DeepClone().AsObject();
            MemberSpec spec = deployment.Spec.Members[copy.Member];
            if (spec.ModelPath is string model)
            {
                string target = $"models/{spec.Name}.onnx";
                folder.CopyFile(Path.Combine(specFolder, target), model);
                member["model"] = target;
            }

            if (deployment.UsesCuda(copy.Member))
            {
                member["device"] = $"cuda:{copy.LocalGpu}";
            }

            written.Add(member);
        }

        root["members"] = written;
        FixShares(deployment, kept, shareOf, root, folder, relativePath);
        if (deployment.Spec.Kind == EnsembleKind.Cascade && kept.Length < deployment.Spec.Members.Count)
        {
            if (kept.Length == 1)
            {
                root["kind"] = "ensemble";
                root["combine"] = "mean";
                root.Remove("exit");
            }
            else if (deployment.Spec.Exit is { } exit && root["exit"] is JsonObject exitNode)
            {
                exitNode["threshold"] = new JsonArray([.. kept.SkipLast(1).Select(c => JsonValue.Create(exit.Thresholds[Math.Min(c.Member, exit.Thresholds.Count - 1)]))]);
            }
        }
        else if (kept.Length == 1 && deployment.Spec.Kind == EnsembleKind.Ensemble && deployment.Spec.Combine != CombineRule.Mean)
        {
            root["combine"] = "mean";
            written[0]!.AsObject().Remove("weight");
        }

        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, JsonOutput.WriterOptions))
        {
            root.WriteTo(json);
        }

        folder.WriteText(relativePath, Encoding.UTF8.GetString(stream.ToArray()) + "\n");
    }

    private static void FixShares(PlannedDeployment deployment, DeployedCopy[] kept, Func<DeployedCopy, int> shareOf, JsonObject root, ExportFolder folder, string relativePath)
    {
        JsonArray written = root["members"]!.AsArray();
        string DeviceOf(DeployedCopy copy) => deployment.UsesCuda(copy.Member) ? $"cuda:{copy.LocalGpu}" : deployment.Spec.DeviceOf(copy.Member).ToString();
        IGrouping<string, DeployedCopy>? overfull = kept.GroupBy(DeviceOf).FirstOrDefault(device => device.Sum(shareOf) > 100);
        if (overfull is not null)
        {
            foreach (JsonNode? member in written)
            {
                member!.AsObject().Remove("share");
            }

            folder.AddLimit($"{relativePath}: members {string.Join(", ", overfull.Select(c => deployment.Spec.Members[c.Member].Name))} all run on {overfull.Key} there (not a cuda:N device), where their planned shares add up to {overfull.Sum(shareOf)} %; esen serve solves their shares instead");
            return;
        }

        for (int i = 0; i < kept.Length; i++)
        {
            written[i]!["share"] = shareOf(kept[i]);
        }

        // A spec that fixes its shares names no solver (docs/ensemble-format.md).
        root.Remove("solver");
    }

    private static string LimitsText(PlannedDeployment deployment, ExportTarget target, IReadOnlyList<string> limits)
    {
        var text = new StringBuilder();
        text.Append($"What {ExportTargets.Names[(int)target]} cannot express of the plan of {deployment.Name} ({deployment.Groups.Count} node group(s)):\n");
        if (limits.Count == 0)
        {
            text.Append("- nothing: the export runs the plan as planned.\n");
        }

        foreach (string limit in limits)
        {
            text.Append("- ").Append(limit).Append('\n');
        }

        return text.ToString();
    }
}

/// <summary>The folder an export is staged in: every file written, and the limits found on the way.</summary>
internal sealed class ExportFolder
{
    private readonly List<string> _files = [];
    private readonly List<string> _limits = [];

    public ExportFolder(string root)
    {
        Root = root;
        Directory.CreateDirectory(root);
    }

    public string Root { get; }

    public IReadOnlyList<string> Files => _files;

    public IReadOnlyList<string> Limits => _limits;

    public void AddLimit(string limit)
    {
        if (!_limits.Contains(limit))
        {
            _limits.Add(limit);
        }
    }

    public void WriteText(string relativePath, string text, bool executable = false)
    {
        string path = Prepare(relativePath);
        File.WriteAllText(path, text);
        if (executable && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
    }

    public void CopyFile(string relativePath, string source)
    {
        if (!_files.Contains(relativePath.Replace('\\', '/')))
        {
            File.Copy(source, Prepare(relativePath));
        }
    }

    public void CreateDirectory(string relativePath) => Directory.CreateDirectory(Path.Combine(Root, relativePath));

    private string Prepare(string relativePath)
    {
        string path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _files.Add(relativePath.Replace('\\', '/'));
        return path;
    }
}
