// Publishes one object's rows to twap.statuses in one Kafka transaction: the rows (keyed by wallet), dead letters for
// rows that cannot be read, and a version mark on every partition. A crash before the commit publishes nothing.
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Twap;

public sealed class TwapPublisher : IDisposable
{
    /// <summary>One transactional id for the ETL: a second run started meanwhile fences the first, and a new run aborts
    /// whatever a killed run left open before it publishes anything.</summary>
    public const string TransactionalId = "pipeline-twap-ingest";

    private readonly IProducer<string, byte[]> _producer;
    private readonly int _partitions;

    public TwapPublisher(KafkaClientSettings kafka, ILogger log, string transactionalId = TransactionalId)
    {
        _producer = new ProducerBuilder<string, byte[]>(kafka.Producer("pipeline-twap-ingest", transactionalId))
            .SetErrorHandler((_, e) => log.LogWarning("Kafka producer (TWAP ingest): {Reason}", e.Reason))
            .SetLogHandler((_, m) => log.LogDebug("librdkafka {Facility}: {Message}", m.Facility, m.Message))
            .Build();
        _producer.InitTransactions(TimeSpan.FromSeconds(30));
        using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        var topic = admin.GetMetadata(TopicCatalog.TwapStatuses.Name, TimeSpan.FromSeconds(10)).Topics.SingleOrDefault();
        if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
            throw new DependencyUnavailableException(
                $"topic {TopicCatalog.TwapStatuses.Name} does not exist on the broker ({topic?.Error.Reason}); "
                    + "start the pipeline once (it creates the catalog's topics) or create it"
            );
        _partitions = topic.Partitions.Count;
    }

    /// <summary>Called after each row is handed to Kafka inside the open transaction. Fault-injection seam for the
    /// kill -9 test (tests/Pipeline.Twap.Tests.Host pauses there); null in the product.</summary>
    public Action<TwapObjectInfo, long>? AfterRow { get; init; }

    public async Task PublishAsync(TwapObjectInfo source, long generation, TwapParquetContent content, CancellationToken ct)
    {
        _producer.BeginTransaction();
        try
        {
            var topic = TopicCatalog.TwapStatuses.Name;
            var headers = MessageHeaders.For<TwapRecord>();
            long produced = 0;
            foreach (var s in content.Rows)
            {
                ct.ThrowIfCancellationRequested();
                var value = new TwapRecord { Status = s }.ToByteArray();
                ProduceWaiting(
                    topic,
                    new Message<string, byte[]>
                    {
                        Key = s.Wallet,
                        Value = value,
                        Headers = headers,
                    }
                );
                AfterRow?.Invoke(source, ++produced);
            }
            foreach (var r in content.Rejected)
            {
                // A row of an object has no partition; its row number stands for the offset.
                var letter = DeadLetterRecord.Create(
                    source.Key,
                    0,
                    r.Row,
                    System.Text.Encoding.UTF8.GetBytes(source.Key),
                    System.Text.Encoding.UTF8.GetBytes(r.RawJson),
                    DeadLetterReasons.InvalidTwapRow,
                    r.Reason,
                    "twap-ingest",
                    UnixMicros.Now()
                );
                ProduceWaiting(
                    TopicCatalog.DeadLetters.Name,
                    new Message<string, byte[]>
                    {
                        Key = source.Key,
                        Value = letter.ToByteArray(),
                        Headers = MessageHeaders.For<DeadLetter>(),
                    }
                );
            }
            var mark = new TwapRecord
            {
                ObjectVersion = new TwapObjectVersion
                {
                    ObjectKey = source.Key,
                    Generation = generation,
                    Rows = content.Rows.Count,
                    Etag = source.ETag,
                    LastModifiedUs = (source.LastModified.UtcTicks - DateTime.UnixEpoch.Ticks) / 10,
                },
            }.ToByteArray();
            // After every row of each partition: the sink removes this object's older generations once it reads the mark.
            for (var p = 0; p < _partitions; p++)
                _producer.Produce(
                    new TopicPartition(topic, p),
                    new Message<string, byte[]>
                    {
                        Key = source.Key,
                        Value = mark,
                        Headers = headers,
                    }
                );
            await Task.Run(() => _producer.CommitTransaction(TimeSpan.FromSeconds(60)), ct);
        }
        catch
        {
            try
            {
                _producer.AbortTransaction(TimeSpan.FromSeconds(30));
            }
            catch (KafkaException)
            { /* fenced or broker gone: the broker aborts it on timeout or at the next InitTransactions */
            }
            throw;
        }
    }

    private void ProduceWaiting(string topic, Message<string, byte[]> message)
    {
        while (true)
        {
            try
            {
                _producer.Produce(topic, message);
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(100)); // back-pressure: wait for deliveries, not for the clock
            }
        }
    }

    public void Dispose() => _producer.Dispose();
}
