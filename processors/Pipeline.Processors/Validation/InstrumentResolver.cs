// Maps the encoded InstrumentRef of a trade to its key and whether it is registered, parsing each distinct
// encoding once (the processor sees the same few instruments millions of times).
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Validation;

public sealed class InstrumentResolver(IReadOnlySet<string> knownInstruments)
{
    private const int MaxEntries = 4096;
    private readonly Dictionary<byte[], Entry> _cache = new(new ByteArrayComparer());

    public sealed record Entry(InstrumentRef? Instrument, string Key, bool Complete, bool Known)
    {
        public byte[] KeyBytes { get; } = System.Text.Encoding.UTF8.GetBytes(Key);
    }

    public Entry Resolve(ReadOnlySpan<byte> encoded)
    {
        var lookup = _cache.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(encoded, out var hit))
            return hit;
        InstrumentRef? ins = null;
        try
        {
            ins = InstrumentRef.Parser.ParseFrom(encoded);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException) { }
        var complete =
            ins is not null
            && !string.IsNullOrEmpty(ins.Exchange)
            && !string.IsNullOrEmpty(ins.Base)
            && !string.IsNullOrEmpty(ins.Quote)
            && ins.Market != MarketType.Unspecified;
        var key = complete ? ins!.Key : "";
        var entry = new Entry(ins, key, complete, complete && knownInstruments.Contains(key));
        if (_cache.Count < MaxEntries)
            _cache[encoded.ToArray()] = entry;
        return entry;
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var h = new HashCode();
            h.AddBytes(bytes);
            return h.ToHashCode();
        }
    }
}
