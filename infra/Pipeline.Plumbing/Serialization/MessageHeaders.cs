// Headers every record carries: which message type its value is and which schema version wrote it.
using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Pipeline.Plumbing.Serialization;

public static class MessageHeaders
{
    public const string MessageType = "pipeline.type";
    public const string SchemaVersion = "pipeline.schema-version";
    public const string ContentType = "content-type";

    /// <summary>The contracts' version: bump it with a breaking change to schemas/proto (buf breaking guards it).</summary>
    public const string CurrentSchemaVersion = "1";

    /// <summary>The pipeline.type of an end-of-input mark inside a trades topic (trades.raw, ADR 0007; a replay version's
    /// input, ADR 0006): the value is a pipeline.v1.EndOfInput, told apart from the trades beside it by this header.
    /// Producers write the message's full name (pipeline.v1.EndOfInput); both are marks.</summary>
    public const string EndOfInputMark = "end-of-input";

    public static Headers For<T>()
        where T : IMessage<T>, new() => For(new T().Descriptor);

    public static Headers For(MessageDescriptor descriptor) =>
        new()
        {
            { MessageType, Encoding.UTF8.GetBytes(descriptor.FullName) },
            { SchemaVersion, Encoding.UTF8.GetBytes(CurrentSchemaVersion) },
            { ContentType, "application/x-protobuf"u8.ToArray() },
        };

    /// <summary>The pipeline.schema-version header's value, or null when the record has none.</summary>
    public static string? SchemaVersionOf(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(SchemaVersion, out var b) ? Encoding.UTF8.GetString(b) : null;

    public static string? TypeOf(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(MessageType, out var b) ? Encoding.UTF8.GetString(b) : null;

    /// <summary>True for an end-of-input mark travelling among trades (consumers of trades topics skip or route these).</summary>
    public static bool IsEndOfInput(Headers? headers) =>
        TypeOf(headers) is { } type && (type == EndOfInputMark || type == Pipeline.Schemas.V1.EndOfInput.Descriptor.FullName);
}
