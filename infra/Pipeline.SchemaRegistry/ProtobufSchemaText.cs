using System.Text;
using Google.Protobuf.Reflection;
using Label = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Label;
using Type = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;

namespace Pipeline.SchemaRegistry;

/// <summary>
/// Renders a FileDescriptorProto as .proto text, the registry's default schema format (clients such as
/// @kafkajs/confluent-schema-registry parse it with protobufjs). Messages come before enums at each level, because
/// some clients take the first type of the file as the message of message index [0].
/// </summary>
internal static class ProtobufSchemaText
{
    public static string Render(FileDescriptorProto file)
    {
        var sb = new StringBuilder();
        sb.Append("syntax = \"").Append(file.Syntax.Length > 0 ? file.Syntax : "proto2").Append("\";\n");
        if (file.Package.Length > 0)
            sb.Append("package ").Append(file.Package).Append(";\n");
        foreach (var dependency in file.Dependency)
            sb.Append("\nimport \"").Append(dependency).Append("\";");
        if (file.Dependency.Count > 0)
            sb.Append('\n');
        if (file.Options?.HasCsharpNamespace == true)
            sb.Append("\noption csharp_namespace = \"").Append(file.Options.CsharpNamespace).Append("\";\n");
        foreach (var m in file.MessageType)
            Message(sb, m, 0, file.Syntax == "proto3");
        foreach (var e in file.EnumType)
            Enum(sb, e, 0);
        return sb.ToString();
    }

    private static void Message(StringBuilder sb, DescriptorProto m, int depth, bool proto3)
    {
        string pad = new(' ', depth * 2);
        sb.Append('\n').Append(pad).Append("message ").Append(m.Name).Append(" {\n");
        foreach (var nested in m.NestedType.Where(n => n.Options?.MapEntry != true))
            Message(sb, nested, depth + 1, proto3);
        foreach (var e in m.EnumType)
            Enum(sb, e, depth + 1);
        var maps = m.NestedType.Where(n => n.Options?.MapEntry == true).ToDictionary(n => n.Name);
        var oneofFields = m
            .Field.Where(f => f.HasOneofIndex && !f.Proto3Optional)
            .GroupBy(f => f.OneofIndex)
            .ToDictionary(g => g.Key, g => g.ToList());
        foreach (var f in m.Field)
        {
            if (f.HasOneofIndex && !f.Proto3Optional)
            {
                if (oneofFields[f.OneofIndex][0] != f)
                    continue;
                sb.Append(pad).Append("  oneof ").Append(m.OneofDecl[f.OneofIndex].Name).Append(" {\n");
                foreach (var of in oneofFields[f.OneofIndex])
                    Field(sb, of, pad + "    ", maps, proto3, inOneof: true);
                sb.Append(pad).Append("  }\n");
                continue;
            }
            Field(sb, f, pad + "  ", maps, proto3, inOneof: false);
        }
        foreach (var r in m.ReservedRange)
            sb.Append(pad).Append("  reserved ").Append(r.Start).Append(r.End - 1 > r.Start ? $" to {r.End - 1}" : "").Append(";\n");
        sb.Append(pad).Append("}\n");
    }

    private static void Field(
        StringBuilder sb,
        FieldDescriptorProto f,
        string pad,
        Dictionary<string, DescriptorProto> maps,
        bool proto3,
        bool inOneof
    )
    {
        sb.Append(pad);
        string typeName = TypeName(f);
        if (
            f.Label == Label.Repeated
            && f.Type == Type.Message
            && maps.TryGetValue(f.TypeName[(f.TypeName.LastIndexOf('.') + 1)..], out var entry)
        )
            sb.Append("map<").Append(TypeName(entry.Field[0])).Append(", ").Append(TypeName(entry.Field[1])).Append("> ");
        else
        {
            if (f.Label == Label.Repeated)
                sb.Append("repeated ");
            else if (f.Proto3Optional || (!proto3 && !inOneof && f.Label == Label.Optional))
                sb.Append("optional ");
            else if (f.Label == Label.Required)
                sb.Append("required ");
            sb.Append(typeName).Append(' ');
        }
        sb.Append(f.Name).Append(" = ").Append(f.Number).Append(";\n");
    }

    private static string TypeName(FieldDescriptorProto f) =>
        f.Type switch
        {
            Type.Message or Type.Enum or Type.Group => f.TypeName,
            _ => f.Type.ToString().ToLowerInvariant(),
        };

    private static void Enum(StringBuilder sb, EnumDescriptorProto e, int depth)
    {
        string pad = new(' ', depth * 2);
        sb.Append('\n').Append(pad).Append("enum ").Append(e.Name).Append(" {\n");
        foreach (var v in e.Value)
            sb.Append(pad).Append("  ").Append(v.Name).Append(" = ").Append(v.Number).Append(";\n");
        sb.Append(pad).Append("}\n");
    }
}
