// Reads a pipeline.v1.Trade straight from its protobuf bytes without allocating: the processor's hot path.
// (Equivalent to Trade.Parser for well-formed input; the instrument stays as a byte range, resolved through a cache.)
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Validation;

public struct WireTrade
{
    public int InstrumentOffset,
        InstrumentLength;
    public long TradeId;
    public bool HasPrice,
        HasSize,
        ScaleOutOfRange;
    public decimal Price,
        Size;
    public AggressorSide Aggressor;
    public long EventTimeUs,
        ReceiveTimeUs;
    public Origin Origin;

    /// <summary>False when the bytes are not a valid protobuf encoding of a Trade.</summary>
    public static bool TryParse(byte[] data, out WireTrade t)
    {
        t = default;
        t.InstrumentLength = -1;
        var span = data.AsSpan();
        var pos = 0;
        while (pos < span.Length)
        {
            if (!TryVarint(span, ref pos, out var tag))
                return false;
            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            switch (field, wire)
            {
                case (1, 2):
                    if (!TryLength(span, ref pos, out var ilen))
                        return false;
                    t.InstrumentOffset = pos;
                    t.InstrumentLength = ilen;
                    pos += ilen;
                    break;
                case (2, 0):
                    if (!TryVarint(span, ref pos, out var id))
                        return false;
                    t.TradeId = (long)id;
                    break;
                case (3, 2):
                    if (!TryLength(span, ref pos, out var plen) || !TryDecimal(span.Slice(pos, plen), out t.Price, ref t.ScaleOutOfRange))
                        return false;
                    t.HasPrice = true;
                    pos += plen;
                    break;
                case (4, 2):
                    if (!TryLength(span, ref pos, out var slen) || !TryDecimal(span.Slice(pos, slen), out t.Size, ref t.ScaleOutOfRange))
                        return false;
                    t.HasSize = true;
                    pos += slen;
                    break;
                case (5, 0):
                    if (!TryVarint(span, ref pos, out var a))
                        return false;
                    t.Aggressor = (AggressorSide)(int)a;
                    break;
                case (6, 0):
                    if (!TryVarint(span, ref pos, out var e))
                        return false;
                    t.EventTimeUs = (long)e;
                    break;
                case (7, 0):
                    if (!TryVarint(span, ref pos, out var rt))
                        return false;
                    t.ReceiveTimeUs = (long)rt;
                    break;
                case (8, 0):
                    if (!TryVarint(span, ref pos, out var o))
                        return false;
                    t.Origin = (Origin)(int)o;
                    break;
                default:
                    if (field == 0 || !TrySkip(span, ref pos, wire))
                        return false;
                    break;
            }
        }
        return pos == span.Length;
    }

    private static bool TryDecimal(ReadOnlySpan<byte> span, out decimal value, ref bool scaleOutOfRange)
    {
        value = 0;
        ulong lo = 0,
            hi = 0,
            scale = 0,
            negative = 0;
        var pos = 0;
        while (pos < span.Length)
        {
            if (!TryVarint(span, ref pos, out var tag))
                return false;
            var ok = ((int)(tag >> 3), (int)(tag & 7)) switch
            {
                (1, 0) => TryVarint(span, ref pos, out lo),
                (2, 0) => TryVarint(span, ref pos, out hi),
                (3, 0) => TryVarint(span, ref pos, out scale),
                (4, 0) => TryVarint(span, ref pos, out negative),
                var (f, w) => f != 0 && TrySkip(span, ref pos, w),
            };
            if (!ok)
                return false;
        }
        if (scale > 28 || hi > uint.MaxValue)
        {
            scaleOutOfRange = true;
            return true;
        }
        value = new decimal((int)(uint)lo, (int)(uint)(lo >> 32), (int)(uint)hi, negative != 0, (byte)scale);
        return true;
    }

    private static bool TryLength(ReadOnlySpan<byte> span, ref int pos, out int length)
    {
        length = 0;
        if (!TryVarint(span, ref pos, out var l) || l > (ulong)(span.Length - pos))
            return false;
        length = (int)l;
        return true;
    }

    private static bool TrySkip(ReadOnlySpan<byte> span, ref int pos, int wire)
    {
        switch (wire)
        {
            case 0:
                return TryVarint(span, ref pos, out _);
            case 1:
                pos += 8;
                return pos <= span.Length;
            case 2:
                if (!TryLength(span, ref pos, out var l))
                    return false;
                pos += l;
                return true;
            case 5:
                pos += 4;
                return pos <= span.Length;
            default:
                return false;
        }
    }

    private static bool TryVarint(ReadOnlySpan<byte> span, ref int pos, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= span.Length)
                return false;
            var b = span[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return true;
        }
        return false;
    }
}
