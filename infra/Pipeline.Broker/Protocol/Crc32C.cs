using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;

namespace Pipeline.Broker;

/// <summary>CRC-32C (Castagnoli), the checksum of record batch v2; SSE4.2 when present since it runs on every produced byte.</summary>
internal static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        int i = 0;
        if (Sse42.X64.IsSupported)
        {
            ulong c = crc;
            for (; i + 8 <= data.Length; i += 8)
                c = Sse42.X64.Crc32(c, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i, 8)));
            crc = (uint)c;
            for (; i < data.Length; i++)
                crc = Sse42.Crc32(crc, data[i]);
        }
        else
        {
            for (; i < data.Length; i++)
                crc = Table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
        }
        return crc ^ 0xFFFFFFFFu;
    }
}
