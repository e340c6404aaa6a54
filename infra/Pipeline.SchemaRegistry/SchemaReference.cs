namespace Pipeline.SchemaRegistry;

/// <summary>A schema's import resolved to a subject version (Confluent's "references").</summary>
public sealed record SchemaReference(string Name, string Subject, int Version);
