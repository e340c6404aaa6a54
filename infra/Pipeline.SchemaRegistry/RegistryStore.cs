using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Pipeline.SchemaRegistry;

/// <summary>
/// Subjects, versions and schemas, kept in one JSON file rewritten atomically (write to a temporary file, then rename)
/// on every change, so a crash leaves either the old or the new state. Protobuf only; a schema is accepted as a
/// base64-encoded FileDescriptorProto (what Confluent's own .NET serializer registers) and served as .proto text or,
/// with format=serialized, as that base64 again.
/// </summary>
internal sealed class RegistryStore
{
    internal sealed record StoredSchema(int Id, string Serialized, List<SchemaReference> References);

    internal sealed record StoredVersion(int Version, int Id);

    internal sealed record State(
        List<StoredSchema> Schemas,
        Dictionary<string, List<StoredVersion>> Subjects,
        string Compatibility,
        Dictionary<string, string> SubjectCompatibility
    );

    private readonly string _file;
    private readonly object _lock = new();
    private State _state;

    public RegistryStore(string directory)
    {
        Directory.CreateDirectory(directory);
        _file = Path.Combine(directory, "registry.json");
        _state = File.Exists(_file) ? Load(_file) : new State([], new(), "BACKWARD", new());
    }

    /// <summary>The saved state; a file that is not one (damaged, edited by hand) stops start-up with one line naming the
    /// file and the fix (an <see cref="InvalidDataException"/>: the registry stands alone, the CLI maps it to its own
    /// input-format failure).</summary>
    private static State Load(string file)
    {
        // Moving the file away is no fix: records in Kafka name their schemas by the ids this file holds.
        const string fix = "restore it from a backup (records in Kafka refer to the schema ids it holds)";
        try
        {
            return JsonSerializer.Deserialize<State>(File.ReadAllText(file))
                ?? throw new InvalidDataException($"schema registry state {file} is empty; {fix}");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"schema registry state {file} is not the registry's JSON ({e.Message}); {fix}", e);
        }
    }

    private void Save()
    {
        var tmp = _file + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(_state));
        File.Move(tmp, _file, overwrite: true);
    }

    public static FileDescriptorProto Parse(string schema)
    {
        try
        {
            return FileDescriptorProto.Parser.ParseFrom(Convert.FromBase64String(schema));
        }
        catch (Exception e) when (e is FormatException or InvalidProtocolBufferException)
        {
            throw new RegistryException(
                422,
                42201,
                "Invalid schema: this registry accepts Protobuf schemas as a base64-encoded FileDescriptorProto (format=serialized), "
                    + "as Confluent's .NET serializer registers them; .proto text is not parsed here"
            );
        }
    }

    public IReadOnlyList<string> Subjects()
    {
        lock (_lock)
            return _state.Subjects.Keys.Order().ToList();
    }

    public IReadOnlyList<int> Versions(string subject)
    {
        lock (_lock)
            return VersionsOf(subject).Select(v => v.Version).ToList();
    }

    private List<StoredVersion> VersionsOf(string subject) =>
        _state.Subjects.TryGetValue(subject, out var versions) && versions.Count > 0
            ? versions
            : throw new RegistryException(404, 40401, $"Subject '{subject}' not found.");

    public (StoredVersion Version, StoredSchema Schema) Get(string subject, string version)
    {
        lock (_lock)
        {
            var versions = VersionsOf(subject);
            StoredVersion? v =
                version == "latest" || version == "-1" ? versions[^1]
                : int.TryParse(version, out int n) ? versions.FirstOrDefault(x => x.Version == n)
                : throw new RegistryException(422, 42202, $"The specified version '{version}' is not a valid version id.");
            if (v is null)
                throw new RegistryException(404, 40402, $"Version {version} not found.");
            return (v, _state.Schemas[v.Id - 1]);
        }
    }

    public StoredSchema ById(int id)
    {
        lock (_lock)
            return id >= 1 && id <= _state.Schemas.Count
                ? _state.Schemas[id - 1]
                : throw new RegistryException(404, 40403, $"Schema {id} not found");
    }

    public IReadOnlyList<(string Subject, int Version)> SubjectVersionsOf(int id)
    {
        lock (_lock)
            return _state.Subjects.SelectMany(s => s.Value.Where(v => v.Id == id).Select(v => (s.Key, v.Version))).ToList();
    }

    /// <summary>Registers a schema under a subject: the existing id and version when already there, else a new version if
    /// compatible.</summary>
    public (int Id, int Version) Register(string subject, string schema, List<SchemaReference> references)
    {
        var descriptor = Parse(schema);
        string canonical = Convert.ToBase64String(descriptor.ToByteArray());
        lock (_lock)
        {
            foreach (var r in references)
                Get(r.Subject, r.Version.ToString()); // references must exist
            var versions = _state.Subjects.GetValueOrDefault(subject) ?? [];
            foreach (var v in versions)
                if (_state.Schemas[v.Id - 1].Serialized == canonical)
                    return (v.Id, v.Version);
            var problems = Check(subject, descriptor, versions, all: false);
            if (problems.Count > 0)
                throw new RegistryException(
                    409,
                    409,
                    $"Schema being registered is incompatible with an earlier schema for subject \"{subject}\" ({LevelOf(subject)}): "
                        + string.Join("; ", problems)
                );
            var existing = _state.Schemas.FirstOrDefault(s => s.Serialized == canonical && s.References.SequenceEqual(references));
            if (existing is null)
            {
                existing = new StoredSchema(_state.Schemas.Count + 1, canonical, references);
                _state.Schemas.Add(existing);
            }
            int version = versions.Count == 0 ? 1 : versions[^1].Version + 1;
            versions.Add(new StoredVersion(version, existing.Id));
            _state.Subjects[subject] = versions;
            Save();
            return (existing.Id, version);
        }
    }

    /// <summary>The registered version whose schema equals this one (POST /subjects/{subject}).</summary>
    public (StoredVersion Version, StoredSchema Schema) Lookup(string subject, string schema)
    {
        string canonical = Convert.ToBase64String(Parse(schema).ToByteArray());
        lock (_lock)
        {
            foreach (var v in VersionsOf(subject))
                if (_state.Schemas[v.Id - 1].Serialized == canonical)
                    return (v, _state.Schemas[v.Id - 1]);
            throw new RegistryException(404, 40403, "Schema not found");
        }
    }

    /// <summary>Compatibility of a candidate with one version (or, for transitive levels, all of them).</summary>
    public List<string> CheckAgainst(string subject, string schema, string version)
    {
        var descriptor = Parse(schema);
        lock (_lock)
        {
            if (!_state.Subjects.ContainsKey(subject))
                return [];
            var (v, _) = Get(subject, version);
            return Check(subject, descriptor, [v], all: true);
        }
    }

    private List<string> Check(string subject, FileDescriptorProto candidate, List<StoredVersion> versions, bool all)
    {
        var level = LevelOf(subject);
        if (level == CompatibilityLevel.None || versions.Count == 0)
            return [];
        bool transitive =
            level is CompatibilityLevel.BackwardTransitive or CompatibilityLevel.ForwardTransitive or CompatibilityLevel.FullTransitive;
        var against = all || transitive ? versions : [versions[^1]];
        var problems = new List<string>();
        foreach (var v in against)
        {
            var old = Parse(_state.Schemas[v.Id - 1].Serialized);
            if (
                level
                is CompatibilityLevel.Backward
                    or CompatibilityLevel.BackwardTransitive
                    or CompatibilityLevel.Full
                    or CompatibilityLevel.FullTransitive
            )
                problems.AddRange(ProtobufCompatibility.ReaderCanRead(candidate, old).Select(p => $"version {v.Version}: {p}"));
            if (
                level
                is CompatibilityLevel.Forward
                    or CompatibilityLevel.ForwardTransitive
                    or CompatibilityLevel.Full
                    or CompatibilityLevel.FullTransitive
            )
                problems.AddRange(ProtobufCompatibility.ReaderCanRead(old, candidate).Select(p => $"version {v.Version} (forward): {p}"));
        }
        return problems;
    }

    public CompatibilityLevel LevelOf(string? subject)
    {
        lock (_lock)
            return ParseLevel(
                subject is not null && _state.SubjectCompatibility.TryGetValue(subject, out var s) ? s : _state.Compatibility
            );
    }

    public bool HasSubjectLevel(string subject)
    {
        lock (_lock)
            return _state.SubjectCompatibility.ContainsKey(subject);
    }

    public void SetLevel(string? subject, string level)
    {
        ParseLevel(level);
        lock (_lock)
        {
            if (subject is null)
                _state = _state with { Compatibility = level };
            else
                _state.SubjectCompatibility[subject] = level;
            Save();
        }
    }

    public static string Name(CompatibilityLevel level) =>
        level switch
        {
            CompatibilityLevel.None => "NONE",
            CompatibilityLevel.Backward => "BACKWARD",
            CompatibilityLevel.BackwardTransitive => "BACKWARD_TRANSITIVE",
            CompatibilityLevel.Forward => "FORWARD",
            CompatibilityLevel.ForwardTransitive => "FORWARD_TRANSITIVE",
            CompatibilityLevel.Full => "FULL",
            _ => "FULL_TRANSITIVE",
        };

    private static CompatibilityLevel ParseLevel(string level) =>
        level switch
        {
            "NONE" => CompatibilityLevel.None,
            "BACKWARD" => CompatibilityLevel.Backward,
            "BACKWARD_TRANSITIVE" => CompatibilityLevel.BackwardTransitive,
            "FORWARD" => CompatibilityLevel.Forward,
            "FORWARD_TRANSITIVE" => CompatibilityLevel.ForwardTransitive,
            "FULL" => CompatibilityLevel.Full,
            "FULL_TRANSITIVE" => CompatibilityLevel.FullTransitive,
            _ => throw new RegistryException(
                422,
                42203,
                $"Invalid compatibility level '{level}'. Valid values are NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, "
                    + "FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE"
            ),
        };
}
