// What the validator remembers per instrument: every trade id accepted (as ranges) and the price reference.
namespace Pipeline.Processors.Validation;

public sealed class ValidatorState(int maxIdRanges)
{
    private const byte Version = 3;

    public SeenTradeIds SeenIds { get; } = new(maxIdRanges);

    /// <summary>Last accepted price (the reference for price-jump flagging); 0 before the first trade.</summary>
    public decimal LastPrice { get; set; }

    public byte[] Serialize()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(Version);
            w.Write(LastPrice);
            SeenIds.Write(w);
        }
        return ms.ToArray();
    }

    /// <summary>Reads version 3 and the version 2 written before (a window of recent ids plus the newest event time
    /// of each historical stream, which ordering no longer uses).</summary>
    public static ValidatorState Deserialize(byte[] data, int maxIdRanges)
    {
        using var r = new BinaryReader(new MemoryStream(data));
        var version = r.ReadByte();
        var s = new ValidatorState(maxIdRanges) { LastPrice = r.ReadDecimal() };
        switch (version)
        {
            case 2:
                r.ReadInt64();
                r.ReadInt64();
                s.SeenIds.ReadWindowInto(r);
                break;
            case Version:
                s.SeenIds.ReadInto(r);
                break;
            default:
                throw new InvalidDataException($"validator state: unknown format version {version}");
        }
        return s;
    }
}
