// What the validator remembers per instrument: recent trade ids, the price reference, the order of historical streams.
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Validation;

public sealed class ValidatorState(int dedupeWindow)
{
    public DedupeWindow RecentIds { get; } = new(dedupeWindow);
    /// <summary>Last accepted price (the reference for price-jump flagging); 0 before the first trade.</summary>
    public decimal LastPrice { get; set; }
    /// <summary>Newest event time seen from backfill and from import streams (order checks).</summary>
    public long LastBackfillEventUs { get; set; } = long.MinValue;
    public long LastImportEventUs { get; set; } = long.MinValue;

    public long LastEventUsOf(Origin origin) => origin == Origin.Backfill ? LastBackfillEventUs : LastImportEventUs;

    public void SetLastEventUs(Origin origin, long us)
    {
        if (origin == Origin.Backfill) LastBackfillEventUs = us;
        else LastImportEventUs = us;
    }

    public byte[] Serialize()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write((byte)2);
            w.Write(LastPrice);
            w.Write(LastBackfillEventUs);
            w.Write(LastImportEventUs);
            RecentIds.Write(w);
        }
        return ms.ToArray();
    }

    public static ValidatorState Deserialize(byte[] data, int dedupeWindow)
    {
        using var r = new BinaryReader(new MemoryStream(data));
        if (r.ReadByte() != 2) throw new InvalidDataException("validator state: unknown format version");
        var s = new ValidatorState(dedupeWindow)
        {
            LastPrice = r.ReadDecimal(),
            LastBackfillEventUs = r.ReadInt64(),
            LastImportEventUs = r.ReadInt64(),
        };
        s.RecentIds.ReadInto(r);
        return s;
    }
}
