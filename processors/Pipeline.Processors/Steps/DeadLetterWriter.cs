// Writes a record that cannot be processed to the dead-letter topic with its reason (every step uses it).
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Serialization;
using Pipeline.Processors.Validation;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Steps;

internal sealed class DeadLetterWriter(string processorName, string topic, ILogger log)
{
    private static readonly Headers Headers = MessageHeaders.For<DeadLetter>();

    public void Write(ProcessorRecord r, Rejection why, long nowUs, List<OutputRecord> output)
    {
        ProcessorMetrics.DeadLetters.Add(1, new KeyValuePair<string, object?>("reason", why.Code));
        log.LogDebug("Dead-lettered {Topic}/{Partition}@{Offset}: {Code} {Reason}", r.Topic, r.Partition, r.Offset, why.Code, why.Reason);
        var dl = DeadLetterRecord.Create(r.Topic, r.Partition, r.Offset, r.Key, r.Value, why.Code, why.Reason, processorName, nowUs);
        output.Add(new(topic, null, DeadLetterRecord.BoundedKey(r.Key), dl.ToByteArray(), Headers));
    }
}
