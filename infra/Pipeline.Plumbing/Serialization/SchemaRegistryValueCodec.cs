using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Pipeline.Plumbing.Serialization;

/// <summary>
/// Record values in Schema Registry framing: registers each topic's value type as subject "&lt;topic&gt;-value"
/// (TopicNameStrategy), its imports as subjects named by file ("pipeline/v1/common.proto", Confluent's default
/// reference naming), with schemas as base64 FileDescriptorProtos like Confluent's .NET serializer; then frames
/// payloads with the topic's schema id and reads both framings (plain Protobuf and Schema Registry).
/// </summary>
public sealed class SchemaRegistryValueCodec
{
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, byte[]> _prefixByTopic = new();
    private readonly ConcurrentDictionary<int, bool> _knownIds = new();

    private SchemaRegistryValueCodec(HttpClient http) => _http = http;

    public string Url => _http.BaseAddress!.ToString().TrimEnd('/');

    /// <summary>Registers every (topic, value type) and returns a codec that frames with their ids.</summary>
    public static async Task<SchemaRegistryValueCodec> ConnectAsync(string url, IEnumerable<(string Topic, MessageDescriptor Type)> topics,
        CancellationToken ct = default)
    {
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"SchemaRegistry:Url '{url}' is not an http(s) URL; set PIPELINE__SCHEMAREGISTRY__URL=http://host:port");
        var codec = new SchemaRegistryValueCodec(new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) });
        var fileVersions = new Dictionary<string, int>();
        foreach (var (topic, type) in topics)
        {
            var references = await codec.RegisterImportsAsync(type.File, fileVersions, ct);
            var (id, _) = await codec.RegisterAsync($"{topic}-value", type.File, references, ct);
            codec._knownIds[id] = true;
            codec._prefixByTopic[topic] = SchemaRegistryFraming.Prefix(id, SchemaRegistryFraming.MessageIndexesOf(type));
        }
        return codec;
    }

    private async Task<List<(string Name, string Subject, int Version)>> RegisterImportsAsync(FileDescriptor file,
        Dictionary<string, int> fileVersions, CancellationToken ct)
    {
        var references = new List<(string, string, int)>();
        foreach (var dependency in file.Dependencies)
        {
            if (!fileVersions.TryGetValue(dependency.Name, out int version))
            {
                var nested = await RegisterImportsAsync(dependency, fileVersions, ct);
                (_, version) = await RegisterAsync(dependency.Name, dependency, nested, ct);
                fileVersions[dependency.Name] = version;
            }
            references.Add((dependency.Name, dependency.Name, version));
        }
        return references;
    }

    private async Task<(int Id, int Version)> RegisterAsync(string subject, FileDescriptor file, List<(string Name, string Subject, int Version)> references,
        CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["schemaType"] = "PROTOBUF",
            ["schema"] = Convert.ToBase64String(file.SerializedData.ToByteArray()),
            ["references"] = new JsonArray(references.Select(r => (JsonNode)new JsonObject
                { ["name"] = r.Name, ["subject"] = r.Subject, ["version"] = r.Version }).ToArray()),
        };
        string path = $"subjects/{Uri.EscapeDataString(subject)}";
        using var registered = await _http.PostAsync(path + "/versions", JsonContent.Create(body), ct);
        if (!registered.IsSuccessStatusCode)
            throw new InvalidOperationException($"schema registry {Url} refused {file.Name} for subject {subject}: " +
                $"{(int)registered.StatusCode} {await registered.Content.ReadAsStringAsync(ct)}");
        using var lookedUp = await _http.PostAsync(path, JsonContent.Create(body), ct);
        var found = await lookedUp.Content.ReadFromJsonAsync<JsonObject>(ct)
            ?? throw new InvalidOperationException($"schema registry {Url} answered an empty lookup for {subject}");
        return (found["id"]!.GetValue<int>(), found["version"]!.GetValue<int>());
    }

    /// <summary>The value framed for a topic registered at start-up.</summary>
    public byte[] Frame(string topic, ReadOnlySpan<byte> payload) =>
        _prefixByTopic.TryGetValue(topic, out var prefix)
            ? SchemaRegistryFraming.Frame(prefix, payload)
            : throw new ArgumentException($"topic {topic} has no registered value schema");

    public bool Frames(string topic) => _prefixByTopic.ContainsKey(topic);

    /// <summary>
    /// The Protobuf payload of a value in either framing. A framed value whose schema id the registry does not know is a
    /// fault for the dead-letter path; an unreachable registry throws (transient: the record must not be dead-lettered).
    /// </summary>
    public RecordValue Read(byte[] value)
    {
        if (value.Length == 0 || value[0] != SchemaRegistryFraming.MagicByte) return RecordValue.Plain(value);
        if (!SchemaRegistryFraming.TryRead(value, out int id, out _, out int offset, out var fault)) return RecordValue.Malformed(fault!);
        if (!IsKnown(id)) return RecordValue.UnknownSchema($"schema id {id} is not registered in the schema registry at {Url}");
        return RecordValue.Framed(value, offset, id);
    }

    private bool IsKnown(int id)
    {
        if (_knownIds.TryGetValue(id, out bool known)) return known;
        using var response = _http.GetAsync($"schemas/ids/{id}").GetAwaiter().GetResult();
        if (response.StatusCode == HttpStatusCode.NotFound) return _knownIds[id] = false;
        response.EnsureSuccessStatusCode();
        return _knownIds[id] = true;
    }

    /// <summary>Reads a value without a registry: plain Protobuf only; framed values are a fault saying how to configure one.</summary>
    public static RecordValue ReadWithoutRegistry(byte[] value)
    {
        if (value.Length == 0 || value[0] != SchemaRegistryFraming.MagicByte) return RecordValue.Plain(value);
        return SchemaRegistryFraming.TryRead(value, out int id, out _, out _, out var fault)
            ? RecordValue.UnknownSchema($"value is framed with schema id {id} but no schema registry is configured; set PIPELINE__SCHEMAREGISTRY__URL")
            : RecordValue.Malformed(fault!);
    }
}
