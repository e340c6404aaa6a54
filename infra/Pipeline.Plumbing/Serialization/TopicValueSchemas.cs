using Google.Protobuf.Reflection;
using Pipeline.Plumbing.Topics;

namespace Pipeline.Plumbing.Serialization;

/// <summary>The catalog's topics whose values are Protobuf messages, with their descriptors (the subjects to register).</summary>
public static class TopicValueSchemas
{
    public static IEnumerable<(string Topic, MessageDescriptor Type)> All() =>
        TopicCatalog
            .All.Select(t => (t.Name, Descriptor: t.ValueType.GetProperty("Descriptor")?.GetValue(null) as MessageDescriptor))
            .Where(t => t.Descriptor is not null)
            .Select(t => (t.Name, t.Descriptor!));
}
