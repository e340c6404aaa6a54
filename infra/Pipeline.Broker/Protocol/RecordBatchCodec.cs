using System.Buffers.Binary;
using System.IO.Compression;

namespace Pipeline.Broker;

/// <summary>
/// Decodes batch bodies for the few places that must look inside records (timestamp lookup, compaction), and encodes
/// uncompressed batches for the compactor. gzip, lz4 and snappy are decoded; zstd is not (no codec on this machine),
/// so those batches are treated as opaque.
/// </summary>
internal static class RecordBatchCodec
{
    /// <summary>The uncompressed record bytes of a batch, or null when the codec is unsupported or data is corrupt.</summary>
    public static byte[]? RecordsOf(ReadOnlySpan<byte> batch)
    {
        var body = batch[RecordBatch.HeaderSize..];
        try
        {
            switch (RecordBatch.Compression(RecordBatch.Attributes(batch)))
            {
                case 0:
                    return body.ToArray();
                case 1:
                {
                    using var gz = new GZipStream(new MemoryStream(body.ToArray()), CompressionMode.Decompress);
                    using var ms = new MemoryStream();
                    gz.CopyTo(ms);
                    return ms.ToArray();
                }
                case 2:
                    return SnappyDecode(body);
                case 3:
                    return Lz4FrameDecode(body);
                default:
                    return null;
            }
        }
        catch (Exception e) when (e is InvalidDataException or ProtocolException or IndexOutOfRangeException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>LZ4 frame format (what Kafka's lz4 codec uses); block-dependent frames work since output is contiguous.</summary>
    private static byte[] Lz4FrameDecode(ReadOnlySpan<byte> src)
    {
        if (src.Length < 7 || BinaryPrimitives.ReadUInt32LittleEndian(src) != 0x184D2204)
            throw new InvalidDataException("not an lz4 frame");
        byte flg = src[4];
        int p = 6;
        if ((flg & 0x08) != 0)
            p += 8; // content size
        if ((flg & 0x01) != 0)
            p += 4; // dictionary id
        p += 1; // header checksum
        bool blockChecksum = (flg & 0x10) != 0;
        var output = new List<byte>(src.Length * 4);
        var outBuf = new byte[Math.Max(64 * 1024, src.Length * 4)];
        int outLen = 0;
        while (true)
        {
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(src[p..]);
            p += 4;
            if (size == 0)
                break;
            bool uncompressed = (size & 0x80000000u) != 0;
            int len = (int)(size & 0x7FFFFFFF);
            var block = src.Slice(p, len);
            p += len + (blockChecksum ? 4 : 0);
            if (uncompressed)
            {
                Grow(ref outBuf, outLen + len);
                block.CopyTo(outBuf.AsSpan(outLen));
                outLen += len;
            }
            else
                outLen = Lz4BlockDecode(block, ref outBuf, outLen);
        }
        return outBuf.AsSpan(0, outLen).ToArray();
    }

    private static void Grow(ref byte[] buf, int needed)
    {
        if (needed <= buf.Length)
            return;
        Array.Resize(ref buf, Math.Max(needed, buf.Length * 2));
    }

    private static int Lz4BlockDecode(ReadOnlySpan<byte> src, ref byte[] dst, int d)
    {
        int s = 0;
        while (s < src.Length)
        {
            int token = src[s++];
            int lit = token >> 4;
            if (lit == 15)
            {
                byte b;
                do
                {
                    b = src[s++];
                    lit += b;
                } while (b == 255);
            }
            Grow(ref dst, d + lit);
            src.Slice(s, lit).CopyTo(dst.AsSpan(d));
            s += lit;
            d += lit;
            if (s >= src.Length)
                break; // last sequence has literals only
            int offset = src[s] | (src[s + 1] << 8);
            s += 2;
            if (offset == 0 || offset > d)
                throw new InvalidDataException("bad lz4 offset");
            int match = (token & 0xF) + 4;
            if ((token & 0xF) == 15)
            {
                byte b;
                do
                {
                    b = src[s++];
                    match += b;
                } while (b == 255);
            }
            Grow(ref dst, d + match);
            for (int i = 0; i < match; i++)
                dst[d + i] = dst[d - offset + i]; // overlapping copy is intended
            d += match;
        }
        return d;
    }

    /// <summary>Raw snappy, or the xerial framing the Java client uses.</summary>
    private static byte[] SnappyDecode(ReadOnlySpan<byte> src)
    {
        ReadOnlySpan<byte> xerial = [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];
        if (src.Length >= 16 && src[..8].SequenceEqual(xerial))
        {
            var ms = new MemoryStream();
            int p = 16;
            while (p + 4 <= src.Length)
            {
                int len = BinaryPrimitives.ReadInt32BigEndian(src[p..]);
                p += 4;
                ms.Write(SnappyRaw(src.Slice(p, len)));
                p += len;
            }
            return ms.ToArray();
        }
        return SnappyRaw(src);
    }

    private static byte[] SnappyRaw(ReadOnlySpan<byte> src)
    {
        int s = 0;
        uint total = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = src[s++];
            total |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                break;
        }
        if (total > 256 * 1024 * 1024)
            throw new InvalidDataException("snappy length too large");
        var dst = new byte[total];
        int d = 0;
        while (s < src.Length)
        {
            byte tag = src[s++];
            int type = tag & 3;
            if (type == 0)
            {
                int len = tag >> 2;
                if (len >= 60)
                {
                    int extra = len - 59;
                    len = 0;
                    for (int i = 0; i < extra; i++)
                        len |= src[s++] << (8 * i);
                }
                len += 1;
                src.Slice(s, len).CopyTo(dst.AsSpan(d));
                s += len;
                d += len;
                continue;
            }
            int length,
                offset;
            if (type == 1)
            {
                length = ((tag >> 2) & 7) + 4;
                offset = ((tag >> 5) << 8) | src[s++];
            }
            else if (type == 2)
            {
                length = (tag >> 2) + 1;
                offset = src[s] | (src[s + 1] << 8);
                s += 2;
            }
            else
            {
                length = (tag >> 2) + 1;
                offset = BinaryPrimitives.ReadInt32LittleEndian(src[s..]);
                s += 4;
            }
            if (offset <= 0 || offset > d)
                throw new InvalidDataException("bad snappy offset");
            for (int i = 0; i < length; i++)
                dst[d + i] = dst[d - offset + i];
            d += length;
        }
        return dst;
    }

    /// <summary>
    /// Re-encodes a batch keeping only some records, uncompressed, with the original header fields and offsets
    /// (record offset deltas are unchanged, so every kept record keeps its offset).
    /// </summary>
    public static byte[] Rebuild(ReadOnlySpan<byte> original, IReadOnlyList<ArraySegment<byte>> keptRawRecords)
    {
        int body = 0;
        foreach (var r in keptRawRecords)
            body += VarIntSize(r.Count) + r.Count;
        var batch = new byte[RecordBatch.HeaderSize + body];
        original[..RecordBatch.HeaderSize].CopyTo(batch);
        var s = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(s[8..], batch.Length - RecordBatch.LogOverhead);
        BinaryPrimitives.WriteInt16BigEndian(s[21..], (short)(RecordBatch.Attributes(original) & ~0x7));
        BinaryPrimitives.WriteInt32BigEndian(s[57..], keptRawRecords.Count);
        int p = RecordBatch.HeaderSize;
        foreach (var r in keptRawRecords)
        {
            p += WriteVarInt(s[p..], r.Count);
            r.AsSpan().CopyTo(s[p..]);
            p += r.Count;
        }
        RecordBatch.Reseal(s);
        return batch;
    }

    private static int VarIntSize(int v)
    {
        uint z = (uint)((v << 1) ^ (v >> 31));
        int n = 1;
        while (z >= 0x80)
        {
            z >>= 7;
            n++;
        }
        return n;
    }

    private static int WriteVarInt(Span<byte> s, int v)
    {
        uint z = (uint)((v << 1) ^ (v >> 31));
        int n = 0;
        while (z >= 0x80)
        {
            s[n++] = (byte)(z | 0x80);
            z >>= 7;
        }
        s[n++] = (byte)z;
        return n;
    }
}
