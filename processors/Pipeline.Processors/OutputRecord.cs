using Confluent.Kafka;

namespace Pipeline.Processors;

/// <summary>One record the processor wants written; Partition is set for changelog records (they follow their input partition).</summary>
public readonly record struct OutputRecord(string Topic, int? Partition, byte[]? Key, byte[]? Value, Headers? Headers);
