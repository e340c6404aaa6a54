using System.Collections.Concurrent;
using System.Net;
using Confluent.SchemaRegistry;
using Google.Protobuf.Reflection;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Plumbing.Serialization;

/// <summary>
/// Record values in Schema Registry framing: registers each topic's value type as subject "&lt;topic&gt;-value"
/// (TopicNameStrategy), its imports as subjects named by file ("pipeline/v1/common.proto", Confluent's default
/// reference naming), with schemas as base64 FileDescriptorProtos like Confluent's .NET serializer, all through
/// Confluent's own Schema Registry client; then frames payloads with the topic's schema id and reads both framings
/// (plain Protobuf and Schema Registry).
/// </summary>
public sealed class SchemaRegistryValueCodec : IDisposable
{
    private readonly ISchemaRegistryClient _client;
    private readonly ConcurrentDictionary<string, byte[]> _prefixByTopic = new();
    private readonly ConcurrentDictionary<string, (int Id, FileDescriptor File)> _schemaByTopic = new();
    private readonly ConcurrentDictionary<int, bool> _knownIds = new();

    private SchemaRegistryValueCodec(ISchemaRegistryClient client, string url)
    {
        _client = client;
        Url = url;
    }

    public string Url { get; }

    /// <summary>Registers every (topic, value type) and returns a codec that frames with their ids.</summary>
    public static async Task<SchemaRegistryValueCodec> ConnectAsync(
        string url,
        IEnumerable<(string Topic, MessageDescriptor Type)> topics,
        CancellationToken ct = default
    )
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new PipelineConfigurationException([
                $"configuration: SchemaRegistry:Url '{url}' is not an http(s) URL; set PIPELINE__SCHEMAREGISTRY__URL=http://host:port",
            ]);
        var trimmed = url.TrimEnd('/');
        var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = trimmed, RequestTimeoutMs = 30_000 });
        var codec = new SchemaRegistryValueCodec(client, trimmed);
        var fileVersions = new Dictionary<string, int>();
        foreach (var (topic, type) in topics)
        {
            ct.ThrowIfCancellationRequested();
            var references = await codec.RegisterImportsAsync(type.File, fileVersions, ct);
            var (id, _) = await codec.RegisterAsync($"{topic}-value", type.File, references);
            codec._knownIds[id] = true;
            codec._prefixByTopic[topic] = SchemaRegistryFraming.Prefix(id, SchemaRegistryFraming.MessageIndexesOf(type));
            codec._schemaByTopic[topic] = (id, type.File);
        }
        return codec;
    }

    private async Task<List<SchemaReference>> RegisterImportsAsync(
        FileDescriptor file,
        Dictionary<string, int> fileVersions,
        CancellationToken ct
    )
    {
        var references = new List<SchemaReference>();
        foreach (var dependency in file.Dependencies)
        {
            ct.ThrowIfCancellationRequested();
            if (!fileVersions.TryGetValue(dependency.Name, out int version))
            {
                var nested = await RegisterImportsAsync(dependency, fileVersions, ct);
                (_, version) = await RegisterAsync(dependency.Name, dependency, nested);
                fileVersions[dependency.Name] = version;
            }
            references.Add(new SchemaReference(dependency.Name, dependency.Name, version));
        }
        return references;
    }

    private async Task<(int Id, int Version)> RegisterAsync(string subject, FileDescriptor file, List<SchemaReference> references)
    {
        var schema = new Schema(Convert.ToBase64String(file.SerializedData.ToByteArray()), references, SchemaType.Protobuf);
        try
        {
            await _client.RegisterSchemaAsync(subject, schema);
            // The version is what references to this subject name; the lookup answers id and version together.
            var registered = await _client.LookupSchemaAsync(subject, schema, ignoreDeletedSchemas: true);
            return (registered.Id, registered.Version);
        }
        catch (SchemaRegistryException e)
        {
            throw new DependencyUnavailableException(
                $"schema registry {Url} refused {file.Name} for subject {subject}: {(int)e.Status} {e.Message}",
                e
            );
        }
        catch (HttpRequestException e)
        {
            throw new DependencyUnavailableException(
                $"schema registry {Url} is unreachable ({e.Message}); start it or fix PIPELINE__SCHEMAREGISTRY__URL",
                e
            );
        }
    }

    /// <summary>The value framed for a topic registered at start-up.</summary>
    public byte[] Frame(string topic, ReadOnlySpan<byte> payload) =>
        _prefixByTopic.TryGetValue(topic, out var prefix)
            ? SchemaRegistryFraming.Frame(prefix, payload)
            : throw new ArgumentException($"topic {topic} has no registered value schema");

    /// <summary>A value of another message of the topic's schema file (an end-of-input mark on trades.raw): the same schema
    /// id, with that message's indexes, as Confluent's serializers frame any message of a registered file.</summary>
    public byte[] Frame(string topic, MessageDescriptor type, ReadOnlySpan<byte> payload)
    {
        if (!_schemaByTopic.TryGetValue(topic, out var schema))
            throw new ArgumentException($"topic {topic} has no registered value schema");
        if (schema.File != type.File)
            throw new ArgumentException($"{type.FullName} is not in {schema.File.Name}, the schema registered for topic {topic}");
        return SchemaRegistryFraming.Frame(SchemaRegistryFraming.Prefix(schema.Id, SchemaRegistryFraming.MessageIndexesOf(type)), payload);
    }

    public bool Frames(string topic) => _prefixByTopic.ContainsKey(topic);

    /// <summary>
    /// The Protobuf payload of a value in either framing. A framed value whose schema id the registry does not know is a
    /// fault for the dead-letter path; an unreachable registry throws (transient: the record must not be dead-lettered).
    /// </summary>
    public RecordValue Read(byte[] value)
    {
        if (value.Length == 0 || value[0] != SchemaRegistryFraming.MagicByte)
            return RecordValue.Plain(value);
        if (!SchemaRegistryFraming.TryRead(value, out int id, out _, out int offset, out var fault))
            return RecordValue.Malformed(fault!);
        if (!IsKnown(id))
            return RecordValue.UnknownSchema($"schema id {id} is not registered in the schema registry at {Url}");
        return RecordValue.Framed(value, offset, id);
    }

    private bool IsKnown(int id)
    {
        if (_knownIds.TryGetValue(id, out bool known))
            return known;
        try
        {
            _client.GetSchemaAsync(id).GetAwaiter().GetResult();
            return _knownIds[id] = true;
        }
        catch (SchemaRegistryException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return _knownIds[id] = false;
        }
    }

    /// <summary>Reads a value without a registry: plain Protobuf only; framed values are a fault saying how to configure one.</summary>
    public static RecordValue ReadWithoutRegistry(byte[] value)
    {
        if (value.Length == 0 || value[0] != SchemaRegistryFraming.MagicByte)
            return RecordValue.Plain(value);
        return SchemaRegistryFraming.TryRead(value, out int id, out _, out _, out var fault)
            ? RecordValue.UnknownSchema(
                $"value is framed with schema id {id} but no schema registry is configured; set PIPELINE__SCHEMAREGISTRY__URL"
            )
            : RecordValue.Malformed(fault!);
    }

    public void Dispose() => _client.Dispose();
}
