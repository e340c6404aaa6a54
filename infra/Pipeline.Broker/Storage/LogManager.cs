using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Pipeline.Broker;

/// <summary>
/// All topics on disk under DataDir/topics/NAME/{topic.json, PARTITION/*.log}: creation, deletion, partition
/// growth, config changes, recovery at start-up, retention and compaction passes, and periodic flushing.
/// </summary>
internal sealed class LogManager : IDisposable
{
    private sealed record TopicFile(int Partitions, Dictionary<string, string> Configs);

    private readonly ConcurrentDictionary<string, TopicLog> _topics = new();
    private readonly object _adminLock = new();
    private readonly BrokerOptions _options;
    private readonly ILogger _log;
    private readonly string _root;
    private readonly List<(LogSegment Segment, DateTime At)> _retired = new();

    public LogManager(BrokerOptions options, ILogger log)
    {
        _options = options;
        _log = log;
        _root = Path.Combine(options.DataDir, "topics");
        Directory.CreateDirectory(_root);
        foreach (var dir in Directory.GetDirectories(_root))
        {
            var name = Path.GetFileName(dir);
            if (name.EndsWith(".deleted", StringComparison.Ordinal))
            {
                TryDeleteDirectory(dir);
                continue;
            }
            var file = Path.Combine(dir, "topic.json");
            if (!File.Exists(file))
                continue;
            var meta = JsonSerializer.Deserialize<TopicFile>(File.ReadAllText(file))!;
            var topic = new TopicLog(name, dir, new TopicConfig(options, meta.Configs), []);
            topic.Partitions = Enumerable.Range(0, meta.Partitions).Select(p => OpenPartition(topic, p)).ToArray();
            _topics[name] = topic;
        }
        _log.LogInformation("Recovered {Count} topics from {Dir}", _topics.Count, _root);
    }

    public IEnumerable<TopicLog> Topics => _topics.Values;

    public TopicLog? Get(string name) => _topics.TryGetValue(name, out var t) ? t : null;

    public PartitionLog? Get(string topic, int partition) => Get(topic)?.Partition(partition);

    private PartitionLog OpenPartition(TopicLog topic, int p) =>
        new(topic.Name, p, Path.Combine(topic.Directory, p.ToString()), () => topic.Config, Retire);

    private void Retire(LogSegment segment)
    {
        lock (_retired)
            _retired.Add((segment, DateTime.UtcNow));
    }

    public static string? ValidateName(string name)
    {
        if (name.Length == 0 || name.Length > 249)
            return "topic name must be 1 to 249 characters";
        if (name is "." or "..")
            return "topic name cannot be '.' or '..'";
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                return $"topic name '{name}' has an illegal character '{c}'";
        return null;
    }

    public (ErrorCode Error, string? Message) Create(
        string name,
        int partitions,
        short replicationFactor,
        Dictionary<string, string> configs,
        bool validateOnly
    )
    {
        if (ValidateName(name) is { } bad)
            return (ErrorCode.InvalidTopicException, bad);
        if (partitions == -1)
            partitions = _options.DefaultPartitions;
        if (partitions <= 0)
            return (ErrorCode.InvalidPartitions, "number of partitions must be positive");
        if (partitions > 10000)
            return (ErrorCode.InvalidPartitions, "at most 10000 partitions");
        if (replicationFactor != -1 && replicationFactor != 1)
            return (
                ErrorCode.InvalidReplicationFactor,
                $"replication factor {replicationFactor} is not possible: this broker is a single node (replication factor 1)"
            );
        foreach (var (k, v) in configs)
            if (TopicConfig.Validate(k, v) is { } why)
                return (ErrorCode.InvalidConfig, why);
        lock (_adminLock)
        {
            if (_topics.ContainsKey(name))
                return (ErrorCode.TopicAlreadyExists, $"topic '{name}' already exists");
            if (validateOnly)
                return (ErrorCode.None, null);
            var dir = Path.Combine(_root, name);
            Directory.CreateDirectory(dir);
            var topic = new TopicLog(name, dir, new TopicConfig(_options, new Dictionary<string, string>(configs)), []);
            topic.Partitions = Enumerable.Range(0, partitions).Select(p => OpenPartition(topic, p)).ToArray();
            Save(topic);
            _topics[name] = topic;
            _log.LogInformation("Created topic {Topic} with {Partitions} partitions", name, partitions);
            return (ErrorCode.None, null);
        }
    }

    private static void Save(TopicLog topic)
    {
        var tmp = Path.Combine(topic.Directory, "topic.json.tmp");
        File.WriteAllText(tmp, JsonSerializer.Serialize(new TopicFile(topic.Partitions.Length, topic.Config.Overrides)));
        File.Move(tmp, Path.Combine(topic.Directory, "topic.json"), overwrite: true);
    }

    public ErrorCode Delete(string name)
    {
        lock (_adminLock)
        {
            if (!_topics.TryRemove(name, out var topic))
                return ErrorCode.UnknownTopicOrPartition;
            var graveyard = topic.Directory + "." + Guid.NewGuid().ToString("N")[..8] + ".deleted";
            foreach (var p in topic.Partitions)
                p.Dispose();
            try
            {
                Directory.Move(topic.Directory, graveyard);
                TryDeleteDirectory(graveyard);
            }
            catch (IOException e)
            {
                _log.LogWarning(e, "Could not remove the files of deleted topic {Topic}", name);
            }
            _log.LogInformation("Deleted topic {Topic}", name);
            return ErrorCode.None;
        }
    }

    public (ErrorCode Error, string? Message) AddPartitions(string name, int count, bool validateOnly)
    {
        lock (_adminLock)
        {
            if (!_topics.TryGetValue(name, out var topic))
                return (ErrorCode.UnknownTopicOrPartition, $"topic '{name}' does not exist");
            if (count <= topic.Partitions.Length)
                return (ErrorCode.InvalidPartitions, $"topic has {topic.Partitions.Length} partitions; the new count must be larger");
            if (validateOnly)
                return (ErrorCode.None, null);
            var grown = topic
                .Partitions.Concat(
                    Enumerable.Range(topic.Partitions.Length, count - topic.Partitions.Length).Select(p => OpenPartition(topic, p))
                )
                .ToArray();
            topic.Partitions = grown;
            Save(topic);
            return (ErrorCode.None, null);
        }
    }

    public (ErrorCode Error, string? Message) AlterConfigs(string name, Dictionary<string, string?> configs, bool validateOnly)
    {
        lock (_adminLock)
        {
            if (!_topics.TryGetValue(name, out var topic))
                return (ErrorCode.UnknownTopicOrPartition, $"topic '{name}' does not exist");
            foreach (var (k, v) in configs)
                if (TopicConfig.Validate(k, v) is { } why)
                    return (ErrorCode.InvalidConfig, why);
            if (validateOnly)
                return (ErrorCode.None, null);
            // AlterConfigs (unlike incremental) replaces the whole override set.
            var overrides = new Dictionary<string, string>();
            foreach (var (k, v) in configs)
                if (v is not null)
                    overrides[k] = v;
            topic.Config = new TopicConfig(_options, overrides);
            Save(topic);
            return (ErrorCode.None, null);
        }
    }

    /// <summary>IncrementalAlterConfigs: SET (0), DELETE (1), APPEND (2) and SUBTRACT (3) on list values.</summary>
    public (ErrorCode Error, string? Message) IncrementalAlterConfigs(
        string name,
        List<(string Key, sbyte Op, string? Value)> ops,
        bool validateOnly
    )
    {
        lock (_adminLock)
        {
            if (!_topics.TryGetValue(name, out var topic))
                return (ErrorCode.UnknownTopicOrPartition, $"topic '{name}' does not exist");
            var overrides = new Dictionary<string, string>(topic.Config.Overrides);
            foreach (var (key, op, value) in ops)
            {
                switch (op)
                {
                    case 0 when value is not null:
                        overrides[key] = value;
                        break;
                    case 1:
                        overrides.Remove(key);
                        break;
                    case 2 or 3 when value is not null:
                    {
                        var current = topic.Config.Describe().FirstOrDefault(c => c.Name == key)?.Value ?? "";
                        var items = current.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                        foreach (var v in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        {
                            if (op == 2 && !items.Contains(v))
                                items.Add(v);
                            if (op == 3)
                                items.Remove(v);
                        }
                        overrides[key] = string.Join(",", items);
                        break;
                    }
                    default:
                        return (ErrorCode.InvalidConfig, $"operation {op} on {key} is not valid");
                }
                if (overrides.TryGetValue(key, out var nv) && TopicConfig.Validate(key, nv) is { } why)
                    return (ErrorCode.InvalidConfig, why);
            }
            if (validateOnly)
                return (ErrorCode.None, null);
            topic.Config = new TopicConfig(_options, overrides);
            Save(topic);
            return (ErrorCode.None, null);
        }
    }

    /// <summary>One retention and compaction pass over every partition.</summary>
    public void RunCleaner()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var topic in _topics.Values)
        {
            foreach (var p in topic.Partitions)
            {
                try
                {
                    int deleted = p.ApplyRetention(now);
                    if (deleted > 0)
                        _log.LogInformation("Retention deleted {Count} segments of {Topic}-{Partition}", deleted, p.Topic, p.Partition);
                    if (topic.Config.Compact)
                    {
                        int cleaned = p.Compact();
                        if (cleaned > 0)
                            _log.LogInformation("Compacted {Count} segments of {Topic}-{Partition}", cleaned, p.Topic, p.Partition);
                    }
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    _log.LogWarning(e, "Cleaning {Topic}-{Partition} failed; will retry", p.Topic, p.Partition);
                }
            }
        }
        DisposeRetired(TimeSpan.FromSeconds(30));
    }

    private void DisposeRetired(TimeSpan after)
    {
        lock (_retired)
        {
            var cutoff = DateTime.UtcNow - after;
            _retired.RemoveAll(r =>
            {
                if (r.At > cutoff)
                    return false;
                r.Segment.Dispose();
                return true;
            });
        }
    }

    public void FlushAll()
    {
        foreach (var topic in _topics.Values)
        foreach (var p in topic.Partitions)
            try
            {
                p.Flush();
            }
            catch (ObjectDisposedException) { }
    }

    private static void TryDeleteDirectory(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        foreach (var topic in _topics.Values)
        foreach (var p in topic.Partitions)
            p.Dispose();
        DisposeRetired(TimeSpan.Zero);
    }
}
