namespace Pipeline.SchemaRegistry;

/// <summary>Confluent's compatibility levels; BACKWARD is the default, as in Confluent Schema Registry.</summary>
public enum CompatibilityLevel
{
    None,
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}
