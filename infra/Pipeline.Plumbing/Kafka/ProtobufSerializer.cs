using Confluent.Kafka;
using Google.Protobuf;

namespace Pipeline.Plumbing.Kafka;

/// <summary>Writes a Protobuf message as its plain binary encoding (the .proto files are the contract).</summary>
public sealed class ProtobufSerializer<T> : ISerializer<T>
    where T : IMessage<T>
{
    public static readonly ProtobufSerializer<T> Instance = new();

    public byte[] Serialize(T data, SerializationContext context) => data.ToByteArray();
}
