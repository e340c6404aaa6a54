using Confluent.Kafka;
using Google.Protobuf;

namespace Pipeline.Plumbing.Kafka;

/// <summary>Reads a Protobuf message; malformed bytes throw InvalidProtocolBufferException for the caller to dead-letter.</summary>
public sealed class ProtobufDeserializer<T> : IDeserializer<T>
    where T : IMessage<T>, new()
{
    public static readonly ProtobufDeserializer<T> Instance = new();
    private static readonly MessageParser<T> Parser = new(() => new T());

    public T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => Parser.ParseFrom(data);
}
