using Confluent.SchemaRegistry;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Pipeline.Schemas.V1;
using FieldType = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;

namespace Pipeline.SchemaRegistry.Tests;

/// <summary>
/// The built-in registry driven by Confluent's own .NET client (Confluent.SchemaRegistry 2.16.0): what it registers, looks up,
/// checks and reads back must be what a Confluent Schema Registry would answer for the same calls (issue 17).
/// </summary>
public sealed class SchemaRegistryServerTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(
        Path.GetTempPath(),
        "pipeline-tests",
        $"registry-{Environment.ProcessId}-{Guid.NewGuid():N}"
    );
    private SchemaRegistryServer _server = null!;
    private CachedSchemaRegistryClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await SchemaRegistryServer.StartAsync(_dir, 0);
        _client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = _server.Url });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException) { }
    }

    private static string Serialized(FileDescriptor file) => Convert.ToBase64String(file.SerializedData.ToByteArray());

    private static string Serialized(FileDescriptorProto file) => Convert.ToBase64String(file.ToByteArray());

    private async Task<int> RegisterCandlesAsync()
    {
        await _client.RegisterSchemaAsync(
            "pipeline/v1/common.proto",
            new Schema(Serialized(CommonReflection.Descriptor), [], SchemaType.Protobuf)
        );
        var references = new List<Confluent.SchemaRegistry.SchemaReference>
        {
            new("pipeline/v1/common.proto", "pipeline/v1/common.proto", 1),
        };
        return await _client.RegisterSchemaAsync(
            "candles-value",
            new Schema(Serialized(CandleReflection.Descriptor), references, SchemaType.Protobuf)
        );
    }

    [Fact]
    public async Task Confluent_client_registers_a_schema_with_references_and_reads_it_back_by_id_and_subject()
    {
        int id = await RegisterCandlesAsync();
        var latest = await _client.GetLatestSchemaAsync("candles-value");
        Assert.Equal(id, latest.Id);
        Assert.Equal(1, latest.Version);
        Assert.Equal("pipeline/v1/common.proto", Assert.Single(latest.References).Subject);

        var text = await _client.GetSchemaAsync(id);
        Assert.Equal(SchemaType.Protobuf, text.SchemaType);
        Assert.Contains("message Candle {", text.SchemaString);
        Assert.Contains("import \"pipeline/v1/common.proto\";", text.SchemaString);
        var serialized = await _client.GetSchemaAsync(id, "serialized");
        Assert.Equal(CandleReflection.Descriptor.SerializedData.ToByteArray(), Convert.FromBase64String(serialized.SchemaString));

        // Registering the same schema again answers the same id, no new version.
        Assert.Equal(id, await RegisterCandlesAsync());
        Assert.Equal([1], await _client.GetSubjectVersionsAsync("candles-value"));
        Assert.Equal(["candles-value", "pipeline/v1/common.proto"], (await _client.GetAllSubjectsAsync()).Order());
    }

    [Fact]
    public async Task Default_compatibility_is_backward_and_an_incompatible_field_type_change_is_refused()
    {
        await RegisterCandlesAsync();
        Assert.Equal(Compatibility.Backward, await _client.GetCompatibilityAsync());

        var changed = FileDescriptorProto.Parser.ParseFrom(CandleReflection.Descriptor.SerializedData);
        changed.MessageType.Single(m => m.Name == "Candle").Field.Single(f => f.Name == "open_time_us").Type = FieldType.String;
        var references = new List<Confluent.SchemaRegistry.SchemaReference>
        {
            new("pipeline/v1/common.proto", "pipeline/v1/common.proto", 1),
        };
        var incompatible = new Schema(Serialized(changed), references, SchemaType.Protobuf);
        Assert.False(await _client.IsCompatibleAsync("candles-value", incompatible));
        var refused = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.RegisterSchemaAsync("candles-value", incompatible));
        Assert.Equal(409, refused.ErrorCode);
        Assert.Contains("open_time_us", refused.Message);

        // Adding a field is backward compatible: a new version.
        var added = FileDescriptorProto.Parser.ParseFrom(CandleReflection.Descriptor.SerializedData);
        added
            .MessageType.Single(m => m.Name == "Candle")
            .Field.Add(
                new FieldDescriptorProto
                {
                    Name = "venue_sequence",
                    Number = 99,
                    Type = FieldType.Int64,
                    Label = FieldDescriptorProto.Types.Label.Optional,
                    JsonName = "venueSequence",
                }
            );
        var compatible = new Schema(Serialized(added), references, SchemaType.Protobuf);
        Assert.True(await _client.IsCompatibleAsync("candles-value", compatible));
        await _client.RegisterSchemaAsync("candles-value", compatible);
        Assert.Equal([1, 2], await _client.GetSubjectVersionsAsync("candles-value"));
    }

    [Fact]
    public async Task Unknown_schema_id_is_a_404_with_confluents_error_code()
    {
        var e = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.GetSchemaAsync(4242));
        Assert.Equal(40403, e.ErrorCode);
    }

    [Fact]
    public async Task Registered_schemas_survive_a_restart_of_the_registry()
    {
        int id = await RegisterCandlesAsync();
        await _server.DisposeAsync();
        _server = await SchemaRegistryServer.StartAsync(_dir, 0);
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = _server.Url });
        Assert.Equal(id, (await client.GetLatestSchemaAsync("candles-value")).Id);
        Assert.Contains("message Candle {", (await client.GetSchemaAsync(id)).SchemaString);
    }

    [Fact]
    public async Task A_damaged_state_file_stops_the_registry_with_one_line_naming_the_file()
    {
        // Issue 10 (exception family): a damaged registry.json used to end start-up with a JsonException and its trace.
        await RegisterCandlesAsync();
        await _server.DisposeAsync();
        var file = Path.Combine(_dir, "registry.json");
        var saved = await File.ReadAllTextAsync(file);
        await File.WriteAllTextAsync(file, saved[..(saved.Length / 2)]);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => SchemaRegistryServer.StartAsync(_dir, 0));
        Assert.Contains(file, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        _server = await SchemaRegistryServer.StartAsync(Path.Combine(_dir, "fresh"), 0); // for DisposeAsync
    }
}
