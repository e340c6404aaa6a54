using System.Buffers.Binary;
using Google.Protobuf.Reflection;

namespace Pipeline.Plumbing.Serialization;

/// <summary>
/// Confluent Schema Registry's wire format for Protobuf: magic byte 0, the schema id as a 4-byte big-endian integer,
/// the message indexes (the path to the message type inside its .proto file) as zigzag varints — a count, then the
/// indexes, with the single byte 0 standing for [0] — and then the Protobuf payload.
/// A plain Protobuf message never starts with byte 0 (field number 0 is illegal), so the two framings cannot be confused.
/// </summary>
public static class SchemaRegistryFraming
{
    public const byte MagicByte = 0;

    /// <summary>The message indexes of a type: [0] for the first top-level message of its file, [1, 0] for the first nested in the
    /// second...</summary>
    public static int[] MessageIndexesOf(MessageDescriptor descriptor)
    {
        var path = new List<int>();
        for (var d = descriptor; d is not null; d = d.ContainingType)
        {
            var siblings = d.ContainingType is { } parent ? parent.NestedTypes : d.File.MessageTypes;
            path.Insert(0, siblings.IndexOf(d));
        }
        return path.ToArray();
    }

    /// <summary>The bytes in front of every payload for one schema id and message type.</summary>
    public static byte[] Prefix(int schemaId, int[] messageIndexes)
    {
        var bytes = new List<byte> { MagicByte, 0, 0, 0, 0 };
        BinaryPrimitives.WriteInt32BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes).Slice(1, 4), schemaId);
        if (messageIndexes is [0])
            bytes.Add(0);
        else
        {
            WriteZigZag(bytes, messageIndexes.Length);
            foreach (int i in messageIndexes)
                WriteZigZag(bytes, i);
        }
        return bytes.ToArray();
    }

    public static byte[] Frame(byte[] prefix, ReadOnlySpan<byte> payload)
    {
        var framed = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(framed, 0);
        payload.CopyTo(framed.AsSpan(prefix.Length));
        return framed;
    }

    /// <summary>Reads the framing; false (with the reason) when the value is not in the Schema Registry wire format.</summary>
    public static bool TryRead(
        ReadOnlySpan<byte> value,
        out int schemaId,
        out int[] messageIndexes,
        out int payloadOffset,
        out string? fault
    )
    {
        schemaId = 0;
        messageIndexes = [];
        payloadOffset = 0;
        fault = null;
        if (value.Length < 6 || value[0] != MagicByte)
        {
            fault = "value is not in the Schema Registry wire format (magic byte 0, schema id, message indexes, payload)";
            return false;
        }
        schemaId = BinaryPrimitives.ReadInt32BigEndian(value[1..5]);
        int pos = 5;
        if (!TryReadZigZag(value, ref pos, out int count) || count < 0 || count > 64)
        {
            fault = "the message indexes of the Schema Registry framing are malformed";
            return false;
        }
        if (count == 0)
            messageIndexes = [0];
        else
        {
            messageIndexes = new int[count];
            for (int i = 0; i < count; i++)
                if (!TryReadZigZag(value, ref pos, out messageIndexes[i]))
                {
                    fault = "the message indexes of the Schema Registry framing are truncated";
                    return false;
                }
        }
        payloadOffset = pos;
        return true;
    }

    private static void WriteZigZag(List<byte> bytes, int value)
    {
        uint v = (uint)((value << 1) ^ (value >> 31));
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }
        bytes.Add((byte)v);
    }

    private static bool TryReadZigZag(ReadOnlySpan<byte> value, ref int pos, out int result)
    {
        uint v = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (pos >= value.Length)
                break;
            byte b = value[pos++];
            v |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                result = (int)(v >> 1) ^ -(int)(v & 1);
                return true;
            }
        }
        result = 0;
        return false;
    }
}
