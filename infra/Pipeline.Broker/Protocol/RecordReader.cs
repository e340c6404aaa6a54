namespace Pipeline.Broker;

/// <summary>Reads the varint-encoded records inside a (decompressed) batch body; used only off the hot path.</summary>
internal sealed class RecordReader(byte[] data)
{
    private int _pos;
    public bool AtEnd => _pos >= data.Length;

    public long VarLong()
    {
        ulong raw = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= data.Length)
                throw new ProtocolException("record truncated");
            byte b = data[_pos++];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return (long)(raw >> 1) ^ -(long)(raw & 1);
        }
        throw new ProtocolException("varint too long");
    }

    public void Skip(int n)
    {
        if (n < 0 || _pos + n > data.Length)
            throw new ProtocolException("record truncated");
        _pos += n;
    }

    public ArraySegment<byte> Take(int n)
    {
        if (n < 0 || _pos + n > data.Length)
            throw new ProtocolException("record truncated");
        var s = new ArraySegment<byte>(data, _pos, n);
        _pos += n;
        return s;
    }

    /// <summary>Reads one record; Key/Value are null for a null key/value (a null value is a tombstone).</summary>
    public Record Next()
    {
        long length = VarLong();
        int start = _pos;
        Skip(1); // attributes
        long tsDelta = VarLong();
        int offsetDelta = (int)VarLong();
        int keyLen = (int)VarLong();
        ArraySegment<byte>? key = keyLen < 0 ? (ArraySegment<byte>?)null : Take(keyLen);
        int valueLen = (int)VarLong();
        ArraySegment<byte>? value = valueLen < 0 ? (ArraySegment<byte>?)null : Take(valueLen);
        int headers = (int)VarLong();
        for (int i = 0; i < headers; i++)
        {
            int hk = (int)VarLong();
            Take(hk);
            int hv = (int)VarLong();
            if (hv > 0)
                Take(hv);
        }
        int end = start + (int)length;
        if (end < _pos || end > data.Length)
            throw new ProtocolException("record length mismatch");
        var raw = new ArraySegment<byte>(data, start, end - start);
        _pos = end;
        return new Record(offsetDelta, tsDelta, key, value, raw);
    }

    internal readonly record struct Record(
        int OffsetDelta,
        long TimestampDelta,
        ArraySegment<byte>? Key,
        ArraySegment<byte>? Value,
        ArraySegment<byte> Raw
    );
}
