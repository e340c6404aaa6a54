using System.Runtime.CompilerServices;
using System.Text;
using Confluent.Kafka;

namespace Pipeline.Plumbing.Serialization;

/// <summary>
/// The process's record-value framing, chosen once at start-up: plain Protobuf (no registry configured) or Schema
/// Registry framing (PIPELINE__SCHEMAREGISTRY__URL). Roles write through <see cref="Write"/> and read through
/// <see cref="Read"/>, which accepts both framings so a topic can be migrated while it holds both.
/// </summary>
public static class RecordValues
{
    /// <summary>content-type of framed values; plain ones keep application/x-protobuf (MessageHeaders).</summary>
    public const string SchemaRegistryContentType = "application/vnd.schemaregistry.v1+protobuf";

    private static SchemaRegistryValueCodec? _codec;
    private static readonly ConditionalWeakTable<Headers, Headers> FramedHeaders = new();

    public static SchemaRegistryValueCodec? Codec => _codec;

    public static void Use(SchemaRegistryValueCodec? codec) => _codec = codec;

    /// <summary>The value as written to <paramref name="topic"/>: framed when a registry is in use and the topic has a value
    /// schema.</summary>
    public static byte[] Write(string topic, byte[] payload) => _codec is { } c && c.Frames(topic) ? c.Frame(topic, payload) : payload;

    /// <summary><see cref="Write(string, byte[])"/> for a value whose message type may differ from the topic's own (another
    /// message of the same schema file, e.g. an end-of-input mark on trades.raw).</summary>
    public static byte[] Write(string topic, Google.Protobuf.Reflection.MessageDescriptor type, byte[] payload) =>
        _codec is { } c && c.Frames(topic) ? c.Frame(topic, type, payload) : payload;

    /// <summary>The headers that go with <see cref="Write"/>'s value: content-type says which framing (cached per headers
    /// instance).</summary>
    public static Headers? HeadersFor(string topic, Headers? headers)
    {
        if (_codec is not { } c || !c.Frames(topic) || headers is null)
            return headers;
        return FramedHeaders.GetValue(
            headers,
            h =>
            {
                var framed = new Headers();
                foreach (var header in h)
                    framed.Add(
                        header.Key,
                        header.Key == MessageHeaders.ContentType
                            ? Encoding.UTF8.GetBytes(SchemaRegistryContentType)
                            : header.GetValueBytes()
                    );
                return framed;
            }
        );
    }

    /// <summary>The payload of a value in either framing, or the reason it cannot be read (for the dead-letter path).</summary>
    public static RecordValue Read(byte[] value) => _codec?.Read(value) ?? SchemaRegistryValueCodec.ReadWithoutRegistry(value);

    /// <summary>
    /// <see cref="Read(byte[])"/> for a record with its headers: a record whose pipeline.schema-version header names a
    /// contracts version this reader does not know (a newer writer after a breaking change) is a fault, not a misparse.
    /// A record without the header (another writer, e.g. a user's own producer) is read as the current version.
    /// </summary>
    public static RecordValue Read(byte[] value, Headers? headers)
    {
        if (MessageHeaders.SchemaVersionOf(headers) is { } version && version != MessageHeaders.CurrentSchemaVersion)
            return RecordValue.UnsupportedSchemaVersion(
                $"the record was written with contracts version {version}; "
                    + $"this pipeline reads version {MessageHeaders.CurrentSchemaVersion} "
                    + "(upgrade the reader, or write with a pipeline of the same version)"
            );
        return Read(value);
    }
}
