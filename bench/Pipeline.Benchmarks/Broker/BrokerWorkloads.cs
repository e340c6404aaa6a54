using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Pipeline.Benchmarks.Broker;

/// <summary>The three client workloads of the broker benchmark; they depend on nothing but Confluent.Kafka.</summary>
internal static class BrokerWorkloads
{
    public const int Partitions = 16;

    // The mock cluster keeps at most 5 MiB per partition (then silently drops the oldest), so the run stays below that.
    public static int Records { get; set; } = 1_000_000;
    private static readonly byte[][] Payloads = CreatePayloads(4096);

    /// <summary>
    /// Distinct ~100-byte trade-like JSON records (random prices, sizes, ids), so lz4 sees realistic redundancy
    /// rather than one record repeated.
    /// </summary>
    private static byte[][] CreatePayloads(int count)
    {
        var random = new Random(7);
        var result = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            var text =
                $"{{\"s\":\"BTCUSDT\",\"p\":\"{random.Next(60000, 70000)}.{random.Next(0, 100):D2}\","
                + $"\"q\":\"0.{random.Next(0, 100000):D5}\","
                + $"\"t\":{1732147200000L + random.Next():D},\"m\":{(random.Next(2) == 0 ? "true" : "false")},"
                + $"\"id\":{random.NextInt64(1_000_000_000_000):D}}}";
            result[i] = System.Text.Encoding.ASCII.GetBytes(text.PadRight(100));
        }
        return result;
    }

    public static async Task<(double Produce, double Consume, double Transactional)> MeasureAsync(
        string bootstrap,
        bool createTopics,
        CancellationToken ct
    )
    {
        if (createTopics)
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
            await admin.CreateTopicsAsync([
                new TopicSpecification
                {
                    Name = "bench-in",
                    NumPartitions = Partitions,
                    ReplicationFactor = 1,
                },
                new TopicSpecification
                {
                    Name = "bench-out",
                    NumPartitions = Partitions,
                    ReplicationFactor = 1,
                },
            ]);
        }
        double produce = Produce(bootstrap);
        double consume = Consume(bootstrap);
        double transactional = TransactionalCopy(bootstrap, ct);
        return (produce, consume, transactional);
    }

    public static double Produce(string bootstrap)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(
            new ProducerConfig
            {
                BootstrapServers = bootstrap,
                CompressionType = CompressionType.Lz4,
                LingerMs = 5,
                BatchSize = 1_000_000,
                QueueBufferingMaxMessages = 1_000_000,
                QueueBufferingMaxKbytes = 1_048_576,
                Acks = Acks.All,
            }
        ).Build();
        var messages = Payloads.Select(p => new Message<Null, byte[]> { Value = p }).ToArray();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Records; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce("bench-in", messages[i % messages.Length]);
                    break;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                }
            }
        }
        if (producer.Flush(TimeSpan.FromMinutes(2)) != 0)
            throw new InvalidOperationException("produce did not finish");
        return Records / sw.Elapsed.TotalSeconds;
    }

    private static ConsumerConfig ConsumerConfig(string bootstrap, string group) =>
        new()
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchWaitMaxMs = 10,
            FetchQueueBackoffMs = 10,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = false,
        };

    public static double Consume(string bootstrap)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(ConsumerConfig(bootstrap, "bench-consume")).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset("bench-in", p, Offset.Beginning)));
        var sw = Stopwatch.StartNew();
        int n = 0;
        var last = TimeSpan.Zero;
        // Stops at the expected count, or after 5 s without a record (a broker that lost data must not hang the run).
        while (n < Records && sw.Elapsed - last < TimeSpan.FromSeconds(5))
            if (consumer.Consume(100) is not null)
            {
                n++;
                last = sw.Elapsed;
            }
        if (n < Records)
            Console.WriteLine($"  consume: only {n} of {Records} records arrived");
        return n / last.TotalSeconds;
    }

    public static double TransactionalCopy(string bootstrap, CancellationToken ct)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(ConsumerConfig(bootstrap, "bench-copy")).Build();
        using var producer = new ProducerBuilder<Null, byte[]>(
            new ProducerConfig
            {
                BootstrapServers = bootstrap,
                TransactionalId = "bench-copy-" + Guid.NewGuid().ToString("N")[..6],
                CompressionType = CompressionType.Lz4,
                LingerMs = 5,
                BatchSize = 1_000_000,
                QueueBufferingMaxMessages = 1_000_000,
                QueueBufferingMaxKbytes = 1_048_576,
            }
        ).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        consumer.Subscribe("bench-in");
        var positions = new Dictionary<TopicPartition, Offset>();
        var sw = Stopwatch.StartNew();
        int n = 0,
            inTxn = 0;
        var txnStarted = Stopwatch.StartNew();
        producer.BeginTransaction();
        var last = TimeSpan.Zero;
        while (n < Records && sw.Elapsed - last < TimeSpan.FromSeconds(5) && !ct.IsCancellationRequested)
        {
            var r = consumer.Consume(100);
            if (r is not null)
            {
                last = sw.Elapsed;
                while (true)
                {
                    try
                    {
                        producer.Produce("bench-out", new Message<Null, byte[]> { Value = r.Message.Value });
                        break;
                    }
                    catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(5));
                    }
                }
                positions[r.TopicPartition] = r.Offset + 1;
                n++;
                inTxn++;
            }
            // Commit every 100 ms, as a stream processor with a 100 ms commit interval would.
            if (inTxn > 0 && (txnStarted.ElapsedMilliseconds >= 100 || n == Records))
            {
                producer.SendOffsetsToTransaction(
                    positions.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)),
                    consumer.ConsumerGroupMetadata,
                    TimeSpan.FromSeconds(30)
                );
                producer.CommitTransaction(TimeSpan.FromSeconds(60));
                producer.BeginTransaction();
                inTxn = 0;
                txnStarted.Restart();
            }
        }
        producer.AbortTransaction(TimeSpan.FromSeconds(30));
        if (n < Records)
            Console.WriteLine($"  transactional copy: only {n} of {Records} records arrived");
        return n / last.TotalSeconds;
    }
}
