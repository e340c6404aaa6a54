namespace Pipeline.Broker;

// CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs, AlterConfigs.
internal sealed partial class KafkaApis
{
    private const sbyte ResourceTopic = 2,
        ResourceBroker = 4;

    private ProtocolWriter CreateTopics(RequestHeader h, ProtocolReader r)
    {
        short v = h.ApiVersion;
        int n = r.ArrayLength();
        var requests =
            new List<(
                string Name,
                int Partitions,
                short Rf,
                List<(int Partition, int[] Brokers)> Assignments,
                Dictionary<string, string> Configs
            )>();
        for (int i = 0; i < n; i++)
        {
            string name = r.String();
            int partitions = r.Int32();
            short rf = r.Int16();
            int assignmentCount = r.ArrayLength();
            var assignments = new List<(int, int[])>();
            for (int a = 0; a < assignmentCount; a++)
            {
                int partition = r.Int32();
                assignments.Add((partition, r.Int32Array()));
            }
            int configCount = r.ArrayLength();
            var configs = new Dictionary<string, string>();
            for (int c = 0; c < configCount; c++)
            {
                string key = r.String();
                string? value = r.NullableString();
                if (value is not null)
                    configs[key] = value;
            }
            requests.Add((name, partitions, rf, assignments, configs));
        }
        r.Int32(); // timeout
        bool validateOnly = v >= 1 && r.Bool();
        var w = BeginThrottled(h, from: 2);
        w.ArrayLength(requests.Count);
        foreach (var req in requests)
        {
            var (error, message) =
                ValidateNewTopicAssignment(req.Partitions, req.Rf, req.Assignments)
                ?? logs.Create(
                    req.Name,
                    req.Assignments.Count > 0 ? req.Assignments.Count : req.Partitions,
                    req.Rf,
                    req.Configs,
                    validateOnly
                );
            w.String(req.Name);
            w.Int16((short)error);
            if (v >= 1)
                w.NullableString(message);
        }
        return End(w);
    }

    /// <summary>Kafka's checks of a manual assignment in CreateTopics (ReplicationControlManager); null when acceptable.</summary>
    private (ErrorCode, string)? ValidateNewTopicAssignment(int partitions, short rf, List<(int Partition, int[] Brokers)> assignments)
    {
        if (assignments.Count == 0)
            return null;
        if (partitions != -1 || rf != -1)
            return (
                ErrorCode.InvalidRequest,
                "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time."
            );
        var ids = assignments.Select(a => a.Partition).Order().ToList();
        for (int i = 0; i < ids.Count; i++)
            if (ids[i] != i)
                return (ErrorCode.InvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence");
        foreach (var (_, brokers) in assignments)
            if (ValidateReplicas(brokers, expectedReplicas: assignments[0].Brokers.Length) is { } fault)
                return fault;
        return null;
    }

    /// <summary>One partition's replica list: non-empty, no broker twice, only brokers that exist (here: this node only).</summary>
    private (ErrorCode, string)? ValidateReplicas(int[] brokers, int expectedReplicas)
    {
        if (brokers.Length == 0)
            return (ErrorCode.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.");
        var seen = new HashSet<int>();
        foreach (int b in brokers)
        {
            if (!seen.Add(b))
                return (ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes the broker {b} more than once.");
            if (b != options.NodeId)
                return (
                    ErrorCode.InvalidReplicaAssignment,
                    $"The manual partition assignment includes broker {b}, but no such "
                        + $"broker is registered (this single node is broker {options.NodeId})."
                );
        }
        if (brokers.Length != expectedReplicas)
            return (
                ErrorCode.InvalidReplicaAssignment,
                $"The manual partition assignment includes a partition with {brokers.Length} replica(s), but this is not consistent with "
                    + $"previous partitions, which have {expectedReplicas} replica(s)."
            );
        return null;
    }

    private ProtocolWriter DeleteTopics(RequestHeader h, ProtocolReader r)
    {
        var names = r.Strings();
        r.Int32();
        var w = BeginThrottled(h, from: 1);
        WriteNameErrors(w, names, logs.Delete);
        return End(w);
    }

    private ProtocolWriter CreatePartitions(RequestHeader h, ProtocolReader r)
    {
        int n = r.ArrayLength();
        var requests = new List<(string Name, int Count, List<int[]>? Assignments)>();
        for (int i = 0; i < n; i++)
        {
            string name = r.String();
            int count = r.Int32();
            int assignmentCount = r.ArrayLength();
            List<int[]>? assignments = assignmentCount < 0 ? null : new List<int[]>(assignmentCount);
            for (int a = 0; a < assignmentCount; a++)
                assignments!.Add(r.Int32Array());
            requests.Add((name, count, assignments));
        }
        r.Int32();
        bool validateOnly = r.Bool();
        var w = BeginThrottled(h);
        w.ArrayLength(requests.Count);
        foreach (var (name, count, assignments) in requests)
        {
            var (error, message) =
                ValidateNewPartitionsAssignment(name, count, assignments) ?? logs.AddPartitions(name, count, validateOnly);
            w.String(name);
            w.Int16((short)error);
            w.NullableString(message);
        }
        return End(w);
    }

    /// <summary>Kafka's checks of the assignments in CreatePartitions: one per new partition, each a valid replica list.</summary>
    private (ErrorCode, string?)? ValidateNewPartitionsAssignment(string name, int count, List<int[]>? assignments)
    {
        if (assignments is null)
            return null;
        var topic = logs.Get(name);
        if (topic is null || count <= topic.Partitions.Length)
            return null; // AddPartitions answers these
        int added = count - topic.Partitions.Length;
        if (assignments.Count != added)
            return (
                ErrorCode.InvalidReplicaAssignment,
                $"Attempted to add {added} additional partition(s), but only {assignments.Count} assignment(s) were specified."
            );
        foreach (var brokers in assignments)
            if (ValidateReplicas(brokers, expectedReplicas: 1) is { } fault)
                return fault;
        return null;
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
            if (k >= 0)
            {
                keys = new();
                for (int j = 0; j < k; j++)
                    keys.Add(r.String());
            }
            resources.Add((type, name, keys));
        }
        bool includeSynonyms = v >= 1 && r.Bool();
        if (v >= 3)
            r.Bool(); // include_documentation
        var w = BeginThrottled(h, capacity: 4096);
        w.ArrayLength(resources.Count);
        foreach (var (type, name, keys) in resources)
        {
            var entries = new List<DescribedConfig>();
            ErrorCode error = ErrorCode.None;
            string? message = null;
            if (type == ResourceTopic)
            {
                var topic = logs.Get(name);
                if (topic is null)
                {
                    error = ErrorCode.UnknownTopicOrPartition;
                    message = $"topic '{name}' does not exist";
                }
                else
                    entries.AddRange(topic.Config.Describe());
            }
            else if (type == ResourceBroker)
            {
                // "" asks for the cluster-wide dynamic defaults, of which this broker has none; its id asks for its own.
                if (name == options.NodeId.ToString())
                {
                    var (host, port) = advertised();
                    entries.AddRange(KafkaConfigCatalog.DescribeBroker(options, host, port));
                }
                else if (name.Length > 0)
                {
                    error = ErrorCode.InvalidRequest;
                    message = $"broker {name} does not exist: this single node is broker {options.NodeId}";
                }
            }
            else
            {
                error = ErrorCode.InvalidRequest;
                message = $"resource type {type} is not supported";
            }
            if (keys is not null)
                entries.RemoveAll(e => !keys.Contains(e.Name));
            w.Int16((short)error);
            w.NullableString(message);
            w.Int8(type);
            w.String(name);
            w.ArrayLength(entries.Count);
            foreach (var e in entries)
            {
                w.String(e.Name);
                w.NullableString(e.Value);
                w.Bool(e.ReadOnly);
                if (v == 0)
                    w.Bool(e.Source == DescribedConfigSource.DefaultConfig);
                else
                    w.Int8((sbyte)e.Source);
                w.Bool(false); // sensitive
                if (v >= 1)
                {
                    var synonyms = includeSynonyms ? e.Synonyms : [];
                    w.ArrayLength(synonyms.Count);
                    foreach (var (sName, sValue, sSource) in synonyms)
                    {
                        w.String(sName);
                        w.NullableString(sValue);
                        w.Int8((sbyte)sSource);
                    }
                }
                if (v >= 3)
                {
                    w.Int8((sbyte)e.Type);
                    w.NullableString(null); // documentation: none kept (include_documentation is read and ignored)
                }
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
            for (int j = 0; j < c; j++)
                configs[r.String()] = r.NullableString();
            resources.Add((type, name, configs));
        }
        bool validateOnly = r.Bool();
        return AlterConfigsResponse(h, resources, (name, configs) => logs.AlterConfigs(name, configs, validateOnly));
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
        return AlterConfigsResponse(h, resources, (name, ops) => logs.IncrementalAlterConfigs(name, ops, validateOnly));
    }

    /// <summary>The response of AlterConfigs and IncrementalAlterConfigs, one result a resource; only topics can be altered,
    /// by <paramref name="alterTopic"/>, in request order.</summary>
    private static ProtocolWriter AlterConfigsResponse<TConfigs>(
        RequestHeader h,
        List<(sbyte Type, string Name, TConfigs Configs)> resources,
        Func<string, TConfigs, (ErrorCode, string?)> alterTopic
    )
    {
        bool f = h.Flexible;
        var w = BeginThrottled(h);
        w.ArrayLength(resources.Count, f);
        foreach (var (type, name, configs) in resources)
        {
            var (error, message) =
                type == ResourceTopic ? alterTopic(name, configs) : (ErrorCode.InvalidRequest, "only topic configs can be altered");
            w.Int16((short)error);
            w.NullableString(message, f);
            w.Int8(type);
            w.String(name, f);
            w.TaggedFields(f);
        }
        w.TaggedFields(f);
        return End(w);
    }
}
