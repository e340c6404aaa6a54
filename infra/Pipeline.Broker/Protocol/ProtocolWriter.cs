using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Broker;

/// <summary>Big-endian writer into a pooled, growable buffer: one per response, returned to the pool after sending.</summary>
internal sealed class ProtocolWriter : IDisposable
{
    private byte[] _buffer;
    public int Length { get; private set; }

    public ProtocolWriter(int initialCapacity = 256) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);
    public byte[] RawBuffer => _buffer;

    /// <summary>Reserves n bytes and returns their span, so callers (fetch) can read file data straight into the response.</summary>
    public Span<byte> Advance(int n)
    {
        Ensure(n);
        var span = _buffer.AsSpan(Length, n);
        Length += n;
        return span;
    }

    public void Truncate(int length) => Length = length;

    private void Ensure(int n)
    {
        if (Length + n <= _buffer.Length)
            return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + n));
        _buffer.AsSpan(0, Length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Int8(sbyte v) => Advance(1)[0] = (byte)v;

    public void Bool(bool v) => Advance(1)[0] = v ? (byte)1 : (byte)0;

    public void Int16(short v) => BinaryPrimitives.WriteInt16BigEndian(Advance(2), v);

    public void Int32(int v) => BinaryPrimitives.WriteInt32BigEndian(Advance(4), v);

    public void Int64(long v) => BinaryPrimitives.WriteInt64BigEndian(Advance(8), v);

    /// <summary>Writes a placeholder int32 and returns its position for <see cref="PatchInt32"/>.</summary>
    public int ReserveInt32()
    {
        int p = Length;
        Advance(4);
        return p;
    }

    public void PatchInt32(int position, int v) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position, 4), v);

    public void String(string v) => NullableString(v);

    public void NullableString(string? v)
    {
        if (v is null)
        {
            Int16(-1);
            return;
        }
        int n = Encoding.UTF8.GetByteCount(v);
        Int16((short)n);
        Encoding.UTF8.GetBytes(v, Advance(n));
    }

    public void Bytes(ReadOnlySpan<byte> v)
    {
        Int32(v.Length);
        v.CopyTo(Advance(v.Length));
    }

    public void NullableBytes(byte[]? v)
    {
        if (v is null)
        {
            Int32(-1);
            return;
        }
        Bytes(v);
    }

    public void ArrayLength(int n) => Int32(n);

    public void UVarInt(uint v)
    {
        while (v >= 0x80)
        {
            Advance(1)[0] = (byte)(v | 0x80);
            v >>= 7;
        }
        Advance(1)[0] = (byte)v;
    }

    public void CompactString(string? v)
    {
        if (v is null)
        {
            UVarInt(0);
            return;
        }
        int n = Encoding.UTF8.GetByteCount(v);
        UVarInt((uint)n + 1);
        Encoding.UTF8.GetBytes(v, Advance(n));
    }

    public void String(string v, bool flexible)
    {
        if (flexible)
            CompactString(v);
        else
            String(v);
    }

    public void NullableString(string? v, bool flexible)
    {
        if (flexible)
            CompactString(v);
        else
            NullableString(v);
    }

    public void ArrayLength(int n, bool flexible)
    {
        if (flexible)
            CompactArrayLength(n);
        else
            ArrayLength(n);
    }

    public void TaggedFields(bool flexible)
    {
        if (flexible)
            EmptyTaggedFields();
    }

    public void CompactArrayLength(int n) => UVarInt((uint)(n + 1));

    public void EmptyTaggedFields() => UVarInt(0);

    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        if (b.Length > 0)
            ArrayPool<byte>.Shared.Return(b);
    }
}
