using Confluent.Kafka;
using Pipeline.Plumbing.Serialization;

namespace Pipeline.Processors;

/// <summary>One record the processor wants written; Partition is set for changelog records (they follow their input partition).</summary>
public readonly record struct OutputRecord(string Topic, int? Partition, byte[]? Key, byte[]? Value, Headers? Headers)
{
    /// <summary>Hands the record to <paramref name="producer"/> in its topic's framing (RecordValues), waiting for room
    /// while the producer's queue is full. The live host and the replay engine both write through it.</summary>
    public void ProduceTo(IProducer<byte[]?, byte[]?> producer)
    {
        var message = new Message<byte[]?, byte[]?>
        {
            Key = Key,
            Value = Value is null ? null : RecordValues.Write(Topic, Value),
            Headers = RecordValues.HeadersFor(Topic, Headers),
        };
        while (true)
        {
            try
            {
                if (Partition is { } p)
                    producer.Produce(new TopicPartition(Topic, new Partition(p)), message);
                else
                    producer.Produce(Topic, message);
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }
}
