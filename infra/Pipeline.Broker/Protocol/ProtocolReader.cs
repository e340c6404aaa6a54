using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Broker;

/// <summary>Big-endian reader over one request frame; every read is bounds-checked so hostile input only throws.</summary>
internal sealed class ProtocolReader(byte[] buffer, int offset, int length)
{
    private readonly int _end = offset + length;
    public byte[] Buffer { get; } = buffer;
    public int Position { get; set; } = offset;
    public int Remaining => _end - Position;

    private int Take(int n)
    {
        if (n < 0 || n > _end - Position)
            throw new ProtocolException("request truncated");
        int p = Position;
        Position += n;
        return p;
    }

    public sbyte Int8() => (sbyte)Buffer[Take(1)];

    public bool Bool() => Buffer[Take(1)] != 0;

    public short Int16() => BinaryPrimitives.ReadInt16BigEndian(Buffer.AsSpan(Take(2), 2));

    public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Buffer.AsSpan(Take(4), 4));

    public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Buffer.AsSpan(Take(8), 8));

    public string String() => NullableString() ?? throw new ProtocolException("null string where one is required");

    public string? NullableString()
    {
        short len = Int16();
        if (len < 0)
            return null;
        return Encoding.UTF8.GetString(Buffer, Take(len), len);
    }

    /// <summary>Bytes as a slice of the frame (no copy); null for length -1.</summary>
    public ArraySegment<byte>? NullableBytes()
    {
        int len = Int32();
        if (len < 0)
            return null;
        return new ArraySegment<byte>(Buffer, Take(len), len);
    }

    public ArraySegment<byte> Bytes() => NullableBytes() ?? ArraySegment<byte>.Empty;

    /// <summary>Array length; -1 is null. Guards against absurd counts so a hostile length cannot allocate gigabytes.</summary>
    public int ArrayLength()
    {
        int n = Int32();
        if (n < -1 || n > Remaining)
            throw new ProtocolException("array length out of range");
        return n;
    }

    public uint UVarInt()
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = Buffer[Take(1)];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
        throw new ProtocolException("varint too long");
    }

    public string? CompactNullableString()
    {
        uint n = UVarInt();
        if (n == 0)
            return null;
        int len = checked((int)n - 1);
        return Encoding.UTF8.GetString(Buffer, Take(len), len);
    }

    public string CompactString() => CompactNullableString() ?? throw new ProtocolException("null compact string");

    public int CompactArrayLength()
    {
        uint n = UVarInt();
        if (n > (uint)Remaining + 1)
            throw new ProtocolException("compact array length out of range");
        return (int)n - 1;
    }

    // Encoding-neutral reads for APIs offered in both classic and flexible (KIP-482) versions.
    public string String(bool flexible) => flexible ? CompactString() : String();

    public string? NullableString(bool flexible) => flexible ? CompactNullableString() : NullableString();

    public int ArrayLength(bool flexible) => flexible ? CompactArrayLength() : ArrayLength();

    /// <summary>An array of int32 (partition ids, broker ids); a null array reads as empty.</summary>
    public int[] Int32Array(bool flexible = false)
    {
        var values = new int[Math.Max(ArrayLength(flexible), 0)];
        for (int i = 0; i < values.Length; i++)
            values[i] = Int32();
        return values;
    }

    /// <summary>An array of strings (topic or group names); a null array reads as empty.</summary>
    public List<string> Strings()
    {
        int n = ArrayLength();
        var values = new List<string>(Math.Max(n, 0));
        for (int i = 0; i < n; i++)
            values.Add(String());
        return values;
    }

    public void TaggedFields(bool flexible)
    {
        if (flexible)
            SkipTaggedFields();
    }

    public void SkipTaggedFields()
    {
        uint count = UVarInt();
        if (count > (uint)Remaining)
            throw new ProtocolException("tagged field count out of range");
        for (uint i = 0; i < count; i++)
        {
            UVarInt();
            uint size = UVarInt();
            Take(checked((int)size));
        }
    }
}
