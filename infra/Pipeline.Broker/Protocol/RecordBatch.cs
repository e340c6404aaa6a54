using System.Buffers.Binary;

namespace Pipeline.Broker;

/// <summary>
/// Field access for a record batch v2 held as raw bytes. The broker stores and serves batches exactly as the
/// producer sent them; only the base offset, leader epoch and (for LogAppendTime) timestamp are patched.
/// </summary>
internal static class RecordBatch
{
    public const int HeaderSize = 61;
    public const int LogOverhead = 12; // baseOffset + batchLength precede what batchLength counts
    private const int CrcStart = 21;

    public static long BaseOffset(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadInt64BigEndian(b);

    public static int BatchLength(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadInt32BigEndian(b[8..]);

    public static int TotalSize(ReadOnlySpan<byte> b) => BatchLength(b) + LogOverhead;

    public static sbyte Magic(ReadOnlySpan<byte> b) => (sbyte)b[16];

    public static uint Crc(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadUInt32BigEndian(b[17..]);

    public static short Attributes(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadInt16BigEndian(b[21..]);

    public static int LastOffsetDelta(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadInt32BigEndian(b[23..]);

    public static long BaseTimestamp(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadInt64BigEndian(b[27..]);

    public static long MaxTimestamp(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadInt64BigEndian(b[35..]);

    public static long ProducerId(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadInt64BigEndian(b[43..]);

    public static short ProducerEpoch(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadInt16BigEndian(b[51..]);

    public static int BaseSequence(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadInt32BigEndian(b[53..]);

    public static int RecordCount(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadInt32BigEndian(b[57..]);

    public static int Compression(short attributes) => attributes & 0x7;

    public static bool IsLogAppendTime(short attributes) => (attributes & 0x8) != 0;

    public static bool IsTransactional(short attributes) => (attributes & 0x10) != 0;

    public static bool IsControl(short attributes) => (attributes & 0x20) != 0;

    public static void SetBaseOffset(Span<byte> b, long v) => BinaryPrimitives.WriteInt64BigEndian(b, v);

    public static void SetPartitionLeaderEpoch(Span<byte> b, int v) => BinaryPrimitives.WriteInt32BigEndian(b[12..], v);

    public static bool CrcValid(ReadOnlySpan<byte> b) => Crc32C.Compute(b[CrcStart..]) == Crc(b);

    /// <summary>Stamps LogAppendTime (attribute bit 3 and max timestamp) and re-seals the CRC.</summary>
    public static void StampLogAppendTime(Span<byte> b, long now)
    {
        BinaryPrimitives.WriteInt16BigEndian(b[21..], (short)(Attributes(b) | 0x8));
        BinaryPrimitives.WriteInt64BigEndian(b[35..], now);
        Reseal(b);
    }

    public static void Reseal(Span<byte> b) => BinaryPrimitives.WriteUInt32BigEndian(b[17..], Crc32C.Compute(b[CrcStart..]));

    /// <summary>Checks the header of one batch within a produce request; returns its size or an error.</summary>
    public static ErrorCode Validate(ReadOnlySpan<byte> b, int maxBytes, out int size)
    {
        size = 0;
        if (b.Length < HeaderSize)
            return ErrorCode.CorruptMessage;
        int batchLength = BatchLength(b);
        if (batchLength < HeaderSize - LogOverhead || (long)batchLength + LogOverhead > b.Length)
            return ErrorCode.CorruptMessage;
        size = batchLength + LogOverhead;
        if (Magic(b) != 2)
            return ErrorCode.UnsupportedForMessageFormat;
        if (size > maxBytes)
            return ErrorCode.MessageTooLarge;
        var batch = b[..size];
        if (!CrcValid(batch))
            return ErrorCode.CorruptMessage;
        int count = RecordCount(batch);
        int lastDelta = LastOffsetDelta(batch);
        // Producers send contiguous offsets (deltas 0..count-1); anything else would let one batch claim a huge offset range.
        if (count <= 0 || lastDelta != count - 1)
            return ErrorCode.InvalidRecord;
        if (IsControl(Attributes(batch)))
            return ErrorCode.InvalidRecord; // only the coordinator writes markers
        int compression = Compression(Attributes(batch));
        if (compression > 4)
            return ErrorCode.UnsupportedCompressionType;
        return ErrorCode.None;
    }

    /// <summary>Builds a COMMIT/ABORT control batch (one control record) as Kafka's transaction coordinator writes it.</summary>
    public static byte[] BuildControlBatch(long producerId, short epoch, bool commit, int coordinatorEpoch, long timestamp)
    {
        // Record: length, attributes, timestampDelta, offsetDelta, keyLen=4, key(version=0,type), valueLen=6, value(version=0,
        // coordinatorEpoch), headers=0
        Span<byte> record = stackalloc byte[32];
        int p = 0;
        record[p++] = 0; // attributes
        record[p++] = 0; // timestamp delta (zigzag 0)
        record[p++] = 0; // offset delta
        record[p++] = 8; // key length 4, zigzag
        record[p++] = 0;
        record[p++] = 0;
        record[p++] = 0;
        record[p++] = commit ? (byte)1 : (byte)0;
        record[p++] = 12; // value length 6, zigzag
        record[p++] = 0;
        record[p++] = 0;
        BinaryPrimitives.WriteInt32BigEndian(record[p..], coordinatorEpoch);
        p += 4;
        record[p++] = 0; // headers count
        int recordLen = p;
        var batch = new byte[HeaderSize + 1 + recordLen];
        var s = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(s[8..], batch.Length - LogOverhead);
        s[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(s[21..], 0x30); // transactional | control
        BinaryPrimitives.WriteInt32BigEndian(s[23..], 0);
        BinaryPrimitives.WriteInt64BigEndian(s[27..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(s[35..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(s[43..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(s[51..], epoch);
        BinaryPrimitives.WriteInt32BigEndian(s[53..], -1);
        BinaryPrimitives.WriteInt32BigEndian(s[57..], 1);
        s[61] = (byte)(recordLen << 1); // zigzag varint of the record length (< 64)
        record[..recordLen].CopyTo(s[62..]);
        Reseal(s);
        return batch;
    }

    /// <summary>For a control batch: true for COMMIT, false for ABORT (key type field).</summary>
    public static bool? ControlIsCommit(ReadOnlySpan<byte> batch)
    {
        try
        {
            var records = new RecordReader(batch[HeaderSize..].ToArray());
            records.VarLong(); // length
            records.Skip(1);
            records.VarLong();
            records.VarLong();
            long keyLen = records.VarLong();
            if (keyLen < 4)
                return null;
            var key = records.Take((int)keyLen);
            return BinaryPrimitives.ReadInt16BigEndian(key.AsSpan(2)) == 1;
        }
        catch (ProtocolException)
        {
            return null;
        }
    }
}
