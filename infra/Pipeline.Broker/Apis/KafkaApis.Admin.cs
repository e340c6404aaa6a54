namespace Pipeline.Broker;

// CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs, AlterConfigs.
internal sealed partial class KafkaApis
{
    private const sbyte ResourceTopic = 2, ResourceBroker = 4;

    private ProtocolWriter CreateTopics(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        int n = r.ArrayLength();
        var requests = new List<(string Name, int Partitions, short Rf, int AssignmentCount, int MaxReplicas, Dictionary<string, string> Configs)>();
        for (int i = 0; i < n; i++)
        {
            string name = r.String();
            int partitions = r.Int32();
            short rf = r.Int16();
            int assignments = r.ArrayLength();
            int maxReplicas = 0;
            for (int a = 0; a < assignments; a++)
            {
                r.Int32();
                int brokers = r.ArrayLength();
                for (int b = 0; b < brokers; b++) r.Int32();
                maxReplicas = Math.Max(maxReplicas, brokers);
            }
            int configCount = r.ArrayLength();
            var configs = new Dictionary<string, string>();
            for (int c = 0; c < configCount; c++)
            {
                string key = r.String();
                string? value = r.NullableString();
                if (value is not null) configs[key] = value;
            }
            requests.Add((name, partitions, rf, Math.Max(assignments, 0), maxReplicas, configs));
        }
        r.Int32(); // timeout
        bool validateOnly = v >= 1 && r.Bool();
        var w = Begin(h.CorrelationId);
        if (v >= 2) w.Int32(0);
        w.ArrayLength(requests.Count);
        foreach (var req in requests)
        {
            (ErrorCode error, string? message) = req.MaxReplicas > 1
                ? (ErrorCode.InvalidReplicationFactor, "this broker is a single node: each partition has exactly one replica")
                : logs.Create(req.Name, req.AssignmentCount > 0 ? req.AssignmentCount : req.Partitions, req.Rf, req.Configs, validateOnly);
            w.String(req.Name);
            w.Int16((short)error);
            if (v >= 1) w.NullableString(message);
        }
        return End(w);
    }

    private ProtocolWriter DeleteTopics(RequestHeader h, ProtocolReader r)
    {
        int n = r.ArrayLength();
        var names = new List<string>();
        for (int i = 0; i < n; i++) names.Add(r.String());
        r.Int32();
        var w = Begin(h.CorrelationId);
        if (h.ApiVersion >= 1) w.Int32(0);
        w.ArrayLength(names.Count);
        foreach (var name in names)
        {
            w.String(name);
            w.Int16((short)logs.Delete(name));
        }
        return End(w);
    }

    private ProtocolWriter CreatePartitions(RequestHeader h, ProtocolReader r)
    {
        int n = r.ArrayLength();
        var requests = new List<(string Name, int Count)>();
        for (int i = 0; i < n; i++)
        {
            string name = r.String();
            int count = r.Int32();
            int assignments = r.ArrayLength();
            for (int a = 0; a < assignments; a++)
            {
                int brokers = r.ArrayLength();
                for (int b = 0; b < brokers; b++) r.Int32();
            }
            requests.Add((name, count));
        }
        r.Int32();
        bool validateOnly = r.Bool();
        var w = Begin(h.CorrelationId);
        w.Int32(0);
        w.ArrayLength(requests.Count);
        foreach (var (name, count) in requests)
        {
            var (error, message) = logs.AddPartitions(name, count, validateOnly);
            w.String(name);
            w.Int16((short)error);
            w.NullableString(message);
        }
        return End(w);
    }

    private ProtocolWriter DescribeConfigs(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        int n = r.ArrayLength();
        var resources = new List<(sbyte Type, string Name, HashSet<string>? Keys)>();
        for (int i = 0; i < n; i++)
        {
            sbyte type = r.Int8();
            string name = r.String();
            int k = r.ArrayLength();
            HashSet<string>? keys = null;
            if (k >= 0) { keys = new(); for (int j = 0; j < k; j++) keys.Add(r.String()); }
            resources.Add((type, name, keys));
        }
        if (v >= 1) r.Bool();
        if (v >= 3) r.Bool();
        var w = Begin(h.CorrelationId, 1024);
        w.Int32(0);
        w.ArrayLength(resources.Count);
        foreach (var (type, name, keys) in resources)
        {
            var entries = new List<(string Name, string Value, bool IsDefault)>();
            ErrorCode error = ErrorCode.None;
            string? message = null;
            if (type == ResourceTopic)
            {
                var topic = logs.Get(name);
                if (topic is null) { error = ErrorCode.UnknownTopicOrPartition; message = $"topic '{name}' does not exist"; }
                else entries.AddRange(topic.Config.Describe());
            }
            else if (type == ResourceBroker)
            {
                entries.Add(("log.retention.ms", options.DefaultRetentionMs.ToString(), true));
                entries.Add(("log.segment.bytes", options.DefaultSegmentBytes.ToString(), true));
                entries.Add(("num.partitions", options.DefaultPartitions.ToString(), true));
                entries.Add(("auto.create.topics.enable", options.AutoCreateTopics ? "true" : "false", true));
            }
            else { error = ErrorCode.InvalidRequest; message = $"resource type {type} is not supported"; }
            if (keys is not null) entries.RemoveAll(e => !keys.Contains(e.Name));
            w.Int16((short)error);
            w.NullableString(message);
            w.Int8(type);
            w.String(name);
            w.ArrayLength(entries.Count);
            foreach (var (key, value, isDefault) in entries)
            {
                w.String(key);
                w.NullableString(value);
                w.Bool(false); // read only
                if (v == 0) w.Bool(isDefault);
                else w.Int8(isDefault ? (sbyte)5 : (sbyte)(type == ResourceTopic ? 1 : 4)); // DEFAULT_CONFIG / DYNAMIC_TOPIC_CONFIG
                w.Bool(false); // sensitive
                if (v >= 1) w.ArrayLength(0); // synonyms
                if (v >= 3) { w.Int8(0); w.NullableString(null); }
            }
        }
        return End(w);
    }

    private ProtocolWriter AlterConfigs(RequestHeader h, ProtocolReader r)
    {
        int n = r.ArrayLength();
        var resources = new List<(sbyte Type, string Name, Dictionary<string, string?> Configs)>();
        for (int i = 0; i < n; i++)
        {
            sbyte type = r.Int8();
            string name = r.String();
            int c = r.ArrayLength();
            var configs = new Dictionary<string, string?>();
            for (int j = 0; j < c; j++) configs[r.String()] = r.NullableString();
            resources.Add((type, name, configs));
        }
        bool validateOnly = r.Bool();
        var w = Begin(h.CorrelationId);
        w.Int32(0);
        w.ArrayLength(resources.Count);
        foreach (var (type, name, configs) in resources)
        {
            var (error, message) = type == ResourceTopic
                ? logs.AlterConfigs(name, configs, validateOnly)
                : (ErrorCode.InvalidRequest, "only topic configs can be altered");
            w.Int16((short)error);
            w.NullableString(message);
            w.Int8(type);
            w.String(name);
        }
        return End(w);
    }

    private ProtocolWriter IncrementalAlterConfigs(RequestHeader h, ProtocolReader r)
    {
        bool f = h.Flexible;
        int n = r.ArrayLength(f);
        var resources = new List<(sbyte Type, string Name, List<(string Key, sbyte Op, string? Value)> Ops)>();
        for (int i = 0; i < n; i++)
        {
            sbyte type = r.Int8();
            string name = r.String(f);
            int c = r.ArrayLength(f);
            var ops = new List<(string, sbyte, string?)>();
            for (int j = 0; j < c; j++)
            {
                ops.Add((r.String(f), r.Int8(), r.NullableString(f)));
                r.TaggedFields(f);
            }
            r.TaggedFields(f);
            resources.Add((type, name, ops));
        }
        bool validateOnly = r.Bool();
        r.TaggedFields(f);
        var w = Begin(h);
        w.Int32(0);
        w.ArrayLength(resources.Count, f);
        foreach (var (type, name, ops) in resources)
        {
            var (error, message) = type == ResourceTopic
                ? logs.IncrementalAlterConfigs(name, ops, validateOnly)
                : (ErrorCode.InvalidRequest, "only topic configs can be altered");
            w.Int16((short)error);
            if (f) w.CompactString(message); else w.NullableString(message);
            w.Int8(type);
            w.String(name, f);
            w.TaggedFields(f);
        }
        w.TaggedFields(f);
        return End(w);
    }
}
