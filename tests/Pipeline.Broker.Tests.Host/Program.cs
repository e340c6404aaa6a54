// Separate-process roles for the broker conformance suite: the broker itself, and Kafka clients that tests kill -9.
// Usage: broker --port N --data-dir DIR [--auto-create-topics] [--drop-connections P] [--retention-check-ms N]
//        produce-txn --bootstrap B --topic T --txn-id ID --count N
//        consume --bootstrap B --topic T --group G [--assignor range|cooperative-sticky] [--session-ms N]
//        produce --bootstrap B --topic T --count N [--lz4]
//        copy --bootstrap B --in T --out T --group G --txn-id ID [--session-ms N] [--max-per-txn N]
//             (exactly-once consume-transform-produce)
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.Broker;

var mode = args.Length > 0 ? args[0] : "broker";
var opts = new Dictionary<string, string>();
for (int i = 1; i < args.Length; i++)
{
    if (!args[i].StartsWith("--"))
        continue;
    opts[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[++i] : "true";
}
string Opt(string name, string fallback) => opts.TryGetValue(name, out var v) ? v : fallback;

var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(
    PosixSignal.SIGTERM,
    ctx =>
    {
        ctx.Cancel = true;
        stop.Cancel();
    }
);
using var sigint = PosixSignalRegistration.Create(
    PosixSignal.SIGINT,
    ctx =>
    {
        ctx.Cancel = true;
        stop.Cancel();
    }
);

// Closing our stdin (the parent test ended) also stops us, so no process outlives its test.
_ = Task.Run(() =>
{
    try
    {
        while (Console.In.Read() >= 0) { }
    }
    catch (Exception) { }
    stop.Cancel();
});

switch (mode)
{
    case "broker":
    {
        using var loggerFactory = LoggerFactory.Create(b =>
            b.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                })
                .SetMinimumLevel(LogLevel.Information)
                .AddFilter((_, _) => true)
        );
        var options = new BrokerOptions
        {
            Port = int.Parse(Opt("port", "0")),
            DataDir = Opt("data-dir", ".run/broker"),
            AutoCreateTopics = opts.ContainsKey("auto-create-topics"),
            ConnectionDropProbability = double.Parse(Opt("drop-connections", "0"), System.Globalization.CultureInfo.InvariantCulture),
            RetentionCheckInterval = TimeSpan.FromMilliseconds(int.Parse(Opt("retention-check-ms", "300000"))),
        };
        var broker = await KafkaBroker.StartAsync(options, loggerFactory);
        Console.Out.WriteLine($"LISTENING {broker.BootstrapServers}");
        Console.Out.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException) { }
        await broker.StopAsync();
        Console.Out.WriteLine("STOPPED");
        return 0;
    }
    case "produce-txn":
    {
        using var producer = new ProducerBuilder<string, string>(
            new ProducerConfig
            {
                BootstrapServers = Opt("bootstrap", ""),
                TransactionalId = Opt("txn-id", "txn"),
                TransactionTimeoutMs = int.Parse(Opt("txn-timeout-ms", "60000")),
                MessageTimeoutMs = int.Parse(Opt("txn-timeout-ms", "60000")),
            }
        ).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        producer.BeginTransaction();
        int count = int.Parse(Opt("count", "10"));
        for (int i = 0; i < count; i++)
            producer.Produce(Opt("topic", "t"), new Message<string, string> { Key = $"k{i}", Value = $"zombie-{i}" });
        producer.Flush(TimeSpan.FromSeconds(30));
        Console.Out.WriteLine("IN-TXN");
        Console.Out.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException) { }
        return 0;
    }
    case "consume":
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = Opt("bootstrap", ""),
            GroupId = Opt("group", "g"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = int.Parse(Opt("session-ms", "6000")),
            HeartbeatIntervalMs = Math.Max(100, int.Parse(Opt("session-ms", "6000")) / 6),
            PartitionAssignmentStrategy =
                Opt("assignor", "range") == "cooperative-sticky"
                    ? PartitionAssignmentStrategy.CooperativeSticky
                    : PartitionAssignmentStrategy.Range,
            FetchWaitMaxMs = 100,
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        var consumer = new ConsumerBuilder<string, string>(config)
            .SetPartitionsAssignedHandler(
                (_, parts) =>
                {
                    Console.Out.WriteLine("ASSIGNED " + string.Join(",", parts.Select(p => p.Partition.Value)));
                    Console.Out.Flush();
                }
            )
            .SetPartitionsRevokedHandler(
                (c, parts) =>
                {
                    Console.Out.WriteLine("REVOKED " + string.Join(",", parts.Select(p => p.Partition.Value)));
                    Console.Out.Flush();
                }
            )
            .Build();
        consumer.Subscribe(Opt("topic", "t"));
        while (!stop.IsCancellationRequested)
        {
            var result = consumer.Consume(100);
            if (result is null || result.IsPartitionEOF)
                continue;
            // Commit each record before reporting it, so "reported" implies "committed" for the test's accounting.
            consumer.Commit([new TopicPartitionOffset(result.TopicPartition, result.Offset + 1)]);
            Console.Out.WriteLine($"REC {result.Partition.Value} {result.Offset.Value} {result.Message.Value}");
            Console.Out.Flush();
        }
        consumer.Close();
        return 0;
    }
    case "produce":
    {
        using var producer = new ProducerBuilder<string, string>(
            new ProducerConfig
            {
                BootstrapServers = Opt("bootstrap", ""),
                EnableIdempotence = true,
                LingerMs = 5,
                CompressionType = opts.ContainsKey("lz4") ? CompressionType.Lz4 : CompressionType.None,
            }
        ).Build();
        int count = int.Parse(Opt("count", "1000"));
        for (int i = 0; i < count; i++)
            producer.Produce(Opt("topic", "t"), new Message<string, string> { Key = $"k{i % 100}", Value = $"v{i}" });
        producer.Flush(TimeSpan.FromSeconds(60));
        Console.Out.WriteLine("DONE");
        return 0;
    }
    case "copy":
    {
        string bootstrap = Opt("bootstrap", "");
        int session = int.Parse(Opt("session-ms", "6000"));
        using var consumer = new ConsumerBuilder<string, string>(
            new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = Opt("group", "copier"),
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
                IsolationLevel = IsolationLevel.ReadCommitted,
                SessionTimeoutMs = session,
                HeartbeatIntervalMs = Math.Max(100, session / 6),
                FetchWaitMaxMs = 50,
                ReconnectBackoffMs = 10,
                ReconnectBackoffMaxMs = 200,
            }
        ).Build();
        using var producer = new ProducerBuilder<string, string>(
            new ProducerConfig
            {
                BootstrapServers = bootstrap,
                TransactionalId = Opt("txn-id", "copier-1"),
                LingerMs = 5,
                ReconnectBackoffMs = 10,
                ReconnectBackoffMaxMs = 200,
            }
        ).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(60));
        consumer.Subscribe(Opt("in", "in"));
        string output = Opt("out", "out");
        long copied = 0,
            inTransaction = 0;
        int maxPerTransaction = int.Parse(Opt("max-per-txn", "1000000"));
        var positions = new Dictionary<TopicPartition, Offset>();
        producer.BeginTransaction();
        var started = DateTime.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            var r = consumer.Consume(50);
            if (r is not null && !r.IsPartitionEOF)
            {
                producer.Produce(output, new Message<string, string> { Key = r.Message.Key, Value = r.Message.Value });
                positions[r.TopicPartition] = r.Offset + 1;
                inTransaction++;
            }
            if (positions.Count > 0 && (DateTime.UtcNow - started > TimeSpan.FromMilliseconds(100) || inTransaction >= maxPerTransaction))
            {
                try
                {
                    producer.SendOffsetsToTransaction(
                        positions.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)),
                        consumer.ConsumerGroupMetadata,
                        TimeSpan.FromSeconds(60)
                    );
                    for (int attempt = 1; ; attempt++)
                    {
                        try
                        {
                            producer.CommitTransaction(TimeSpan.FromSeconds(60));
                            break;
                        }
                        catch (KafkaRetriableException) when (attempt < 5) { } // e.g. a timeout: committing again is allowed
                    }
                    copied += inTransaction;
                    Console.Out.WriteLine($"COMMITTED {copied}");
                }
                catch (KafkaTxnRequiresAbortException e)
                {
                    // The standard exactly-once recovery: abort, and re-read from the group's committed offsets.
                    Console.Out.WriteLine($"ABORTED {e.Error.Reason}");
                    producer.AbortTransaction(TimeSpan.FromSeconds(60));
                    var assigned = consumer.Assignment;
                    var committed = consumer.Committed(assigned, TimeSpan.FromSeconds(60));
                    foreach (var c in committed)
                        consumer.Seek(new TopicPartitionOffset(c.TopicPartition, c.Offset == Offset.Unset ? Offset.Beginning : c.Offset));
                }
                Console.Out.Flush();
                inTransaction = 0;
                positions.Clear();
                producer.BeginTransaction();
                started = DateTime.UtcNow;
            }
        }
        return 0;
    }
    default:
        Console.Error.WriteLine($"unknown mode {mode}");
        return 2;
}
