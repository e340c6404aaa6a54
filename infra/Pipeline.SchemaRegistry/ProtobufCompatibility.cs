using Google.Protobuf.Reflection;
using Label = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Label;
using Type = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;

namespace Pipeline.SchemaRegistry;

/// <summary>
/// Whether a reader with one Protobuf file can decode records written with another, at the wire level (the rules of
/// Confluent's Protobuf compatibility checker that matter for decoding): the package and every message the writer used
/// must still exist; a field number keeps its kind (scalar, message, enum), its message/enum type, its cardinality
/// (repeated or not) and a wire-compatible scalar type. Adding fields and messages, renaming fields, and removing
/// fields (unknown fields are skipped) are compatible.
/// </summary>
internal static class ProtobufCompatibility
{
    /// <summary>Reasons the reader cannot read the writer's records; empty when it can.</summary>
    public static List<string> ReaderCanRead(FileDescriptorProto reader, FileDescriptorProto writer)
    {
        var problems = new List<string>();
        if (reader.Package != writer.Package)
            problems.Add($"PACKAGE_CHANGED: package '{writer.Package}' became '{reader.Package}'");
        var readerMessages = Messages(reader);
        foreach (var (name, writerMessage) in Messages(writer))
        {
            if (!readerMessages.TryGetValue(name, out var readerMessage))
            {
                problems.Add($"MESSAGE_REMOVED: message {name} was removed");
                continue;
            }
            var readerFields = readerMessage.Field.ToDictionary(f => f.Number);
            foreach (var wf in writerMessage.Field)
            {
                if (!readerFields.TryGetValue(wf.Number, out var rf))
                    continue; // removed: the reader skips it
                string where = $"{name}.{wf.Name} (field {wf.Number})";
                if ((wf.Label == Label.Repeated) != (rf.Label == Label.Repeated))
                    problems.Add($"FIELD_LABEL_CHANGED: {where} changed between repeated and singular");
                var wk = Kind(wf.Type);
                var rk = Kind(rf.Type);
                if (wk != rk)
                    problems.Add($"FIELD_KIND_CHANGED: {where} changed from {wk} to {rk}");
                else if (wk != "scalar" && wf.TypeName != rf.TypeName)
                    problems.Add($"FIELD_NAMED_TYPE_CHANGED: {where} changed from {wf.TypeName} to {rf.TypeName}");
                else if (wk == "scalar" && WireGroup(wf.Type) != WireGroup(rf.Type))
                    problems.Add($"FIELD_SCALAR_KIND_CHANGED: {where} changed from {wf.Type} to {rf.Type}");
            }
        }
        return problems;
    }

    private static string Kind(Type t) =>
        t switch
        {
            Type.Message or Type.Group => "message",
            Type.Enum => "enum",
            _ => "scalar",
        };

    /// <summary>Scalar types that decode each other's bytes (protobuf's documented compatible changes).</summary>
    private static int WireGroup(Type t) =>
        t switch
        {
            Type.Int32 or Type.Uint32 or Type.Int64 or Type.Uint64 or Type.Bool => 1,
            Type.Sint32 or Type.Sint64 => 2,
            Type.String or Type.Bytes => 3,
            Type.Fixed32 or Type.Sfixed32 => 4,
            Type.Fixed64 or Type.Sfixed64 => 5,
            Type.Float => 6,
            Type.Double => 7,
            _ => 0,
        };

    /// <summary>Every message of the file by its full name (nested ones included).</summary>
    private static Dictionary<string, DescriptorProto> Messages(FileDescriptorProto file)
    {
        var all = new Dictionary<string, DescriptorProto>();
        void Add(string prefix, IEnumerable<DescriptorProto> messages)
        {
            foreach (var m in messages)
            {
                string name = prefix + m.Name;
                all[name] = m;
                Add(name + ".", m.NestedType);
            }
        }
        Add(file.Package.Length > 0 ? file.Package + "." : "", file.MessageType);
        return all;
    }
}
