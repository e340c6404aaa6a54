using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Broker.Tests;

/// <summary>Hand-built record batches v2 (uncompressed), for tests that talk to the log or the wire directly.</summary>
internal static class RawBatches
{
    public static byte[] Idempotent(long producerId, short epoch, int baseSequence, params string[] values) =>
        Build(producerId, epoch, baseSequence, transactional: false, values);

    public static byte[] Plain(params string[] values) => Build(-1, -1, -1, false, values);

    public static byte[] Build(long producerId, short epoch, int baseSequence, bool transactional, string[] values)
    {
        var records = new MemoryStream();
        for (int i = 0; i < values.Length; i++)
        {
            var body = new MemoryStream();
            body.WriteByte(0); // attributes
            WriteVarLong(body, 0); // timestamp delta
            WriteVarLong(body, i); // offset delta
            WriteVarLong(body, -1); // null key
            var v = Encoding.UTF8.GetBytes(values[i]);
            WriteVarLong(body, v.Length);
            body.Write(v);
            WriteVarLong(body, 0); // headers
            WriteVarLong(records, body.Length);
            body.WriteTo(records);
        }
        var batch = new byte[61 + records.Length];
        var s = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(s[8..], batch.Length - 12);
        s[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(s[21..], (short)(transactional ? 0x10 : 0));
        BinaryPrimitives.WriteInt32BigEndian(s[23..], values.Length - 1);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteInt64BigEndian(s[27..], now);
        BinaryPrimitives.WriteInt64BigEndian(s[35..], now);
        BinaryPrimitives.WriteInt64BigEndian(s[43..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(s[51..], epoch);
        BinaryPrimitives.WriteInt32BigEndian(s[53..], baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(s[57..], values.Length);
        records.ToArray().CopyTo(batch, 61);
        RecordBatch.Reseal(s);
        return batch;
    }

    private static void WriteVarLong(Stream s, long v)
    {
        ulong z = (ulong)((v << 1) ^ (v >> 63));
        while (z >= 0x80)
        {
            s.WriteByte((byte)(z | 0x80));
            z >>= 7;
        }
        s.WriteByte((byte)z);
    }
}
