namespace Pipeline.Plumbing.Configuration;

/// <summary>
/// Schema Registry framing of record values (PIPELINE__SCHEMAREGISTRY__URL). Empty: plain Protobuf values, as before.
/// Set: every topic's value schema is registered there at start-up and values are written in the registry's wire format.
/// With the embedded broker and a 127.0.0.1/localhost URL, the embedded host serves the built-in registry on that port.
/// </summary>
public sealed class SchemaRegistryOptions
{
    public string? Url { get; set; }
}
