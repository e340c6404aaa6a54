using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Pipeline.Benchmarks.Broker;

/// <summary>The three client workloads of the broker benchmark; they depend on nothing but Confluent.Kafka.</summary>
internal static class BrokerWorkloads
{
    public const int Partitions = 8;
    public static int Records { get; set; } = 2_000_000;
    private static readonly byte[] Payload = CreatePayload();

    private static byte[] CreatePayload()
    {
        // ~100-byte records that compress like market data (repetitive text with varying digits), not like noise.
        var text = System.Text.Encoding.ASCII.GetBytes("{\"s\":\"BTCUSDT\",\"p\":\"64321.55\",\"q\":\"0.00420\",\"t\":1732147200123,\"m\":true,\"id\":987654321012}");
        var payload = new byte[100];
        Array.Fill(payload, (byte)' ');
        text.AsSpan(0, Math.Min(100, text.Length)).CopyTo(payload);
        return payload;
    }

    public static async Task<(double Produce, double Consume, double Transactional)> MeasureAsync(string bootstrap, bool createTopics, CancellationToken ct)
    {
        if (createTopics)
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
            await admin.CreateTopicsAsync([
                new TopicSpecification { Name = "bench-in", NumPartitions = Partitions, ReplicationFactor = 1 },
                new TopicSpecification { Name = "bench-out", NumPartitions = Partitions, ReplicationFactor = 1 },
            ]);
        }
        double produce = Produce(bootstrap);
        double consume = Consume(bootstrap);
        double transactional = TransactionalCopy(bootstrap, ct);
        return (produce, consume, transactional);
    }

    public static double Produce(string bootstrap)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            BatchSize = 1_000_000,
            QueueBufferingMaxMessages = 1_000_000,
            QueueBufferingMaxKbytes = 1_048_576,
            Acks = Acks.All,
        }).Build();
        var message = new Message<Null, byte[]> { Value = Payload };
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Records; i++)
        {
            while (true)
            {
                try { producer.Produce("bench-in", message); break; }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull) { producer.Poll(TimeSpan.FromMilliseconds(5)); }
            }
        }
        if (producer.Flush(TimeSpan.FromMinutes(2)) != 0) throw new InvalidOperationException("produce did not finish");
        return Records / sw.Elapsed.TotalSeconds;
    }

    private static ConsumerConfig ConsumerConfig(string bootstrap, string group) => new()
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
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (n < Records && DateTime.UtcNow < deadline)
            if (consumer.Consume(100) is not null) n++;
        return n / sw.Elapsed.TotalSeconds;
    }

    public static double TransactionalCopy(string bootstrap, CancellationToken ct)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(ConsumerConfig(bootstrap, "bench-copy")).Build();
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            TransactionalId = "bench-copy-" + Guid.NewGuid().ToString("N")[..6],
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            BatchSize = 1_000_000,
            QueueBufferingMaxMessages = 1_000_000,
            QueueBufferingMaxKbytes = 1_048_576,
        }).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        consumer.Subscribe("bench-in");
        var positions = new Dictionary<TopicPartition, Offset>();
        var sw = Stopwatch.StartNew();
        int n = 0, inTxn = 0;
        var txnStarted = Stopwatch.StartNew();
        producer.BeginTransaction();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (n < Records && DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
        {
            var r = consumer.Consume(100);
            if (r is not null)
            {
                while (true)
                {
                    try { producer.Produce("bench-out", new Message<Null, byte[]> { Value = r.Message.Value }); break; }
                    catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull) { producer.Poll(TimeSpan.FromMilliseconds(5)); }
                }
                positions[r.TopicPartition] = r.Offset + 1;
                n++;
                inTxn++;
            }
            // Commit every 100 ms, as a stream processor with a 100 ms commit interval would.
            if (inTxn > 0 && (txnStarted.ElapsedMilliseconds >= 100 || n == Records))
            {
                producer.SendOffsetsToTransaction(positions.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)), consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
                producer.CommitTransaction(TimeSpan.FromSeconds(60));
                producer.BeginTransaction();
                inTxn = 0;
                txnStarted.Restart();
            }
        }
        producer.AbortTransaction(TimeSpan.FromSeconds(30));
        return n / sw.Elapsed.TotalSeconds;
    }
}
