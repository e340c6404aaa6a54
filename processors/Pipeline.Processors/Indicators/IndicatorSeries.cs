// The indicators of one (instrument, interval) over its closed candles. Keeps the last candles and the
// indicator state before the oldest of them, so a revised (or late-inserted) candle recomputes every value
// from it onwards; a normal close is one O(1) update per indicator.
namespace Pipeline.Processors.Indicators;

public sealed class IndicatorSeries
{
    private readonly IReadOnlyList<string> _specs;
    private readonly int _capacity;
    private Indicator[] _current;
    private readonly Indicator[] _base;
    private readonly List<(Bar Bar, int Revision)> _history = new();

    // True once a candle moved into the base state: candles before the kept history can no longer be inserted.
    private bool _trimmed;

    public IndicatorSeries(IReadOnlyList<string> specs, int historyCapacity)
    {
        _specs = specs;
        _capacity = Math.Max(1, historyCapacity);
        _current = Create();
        _base = Create();
    }

    public IReadOnlyList<Indicator> Indicators => _current;

    /// <summary>One computed row: the bar, its candle revision, and the values per indicator (same order as Indicators).</summary>
    public readonly record struct Row(Bar Bar, int Revision, double?[][] Values);

    /// <summary>Adds or replaces a closed candle. Returns false when it is older than the kept history
    /// (its values can no longer be recomputed).</summary>
    public bool Apply(Bar bar, int revision, List<Row> rows)
    {
        if (_history.Count == 0 || bar.OpenTimeUs > _history[^1].Bar.OpenTimeUs)
        {
            _history.Add((bar, revision));
            rows.Add(new Row(bar, revision, Update(_current, bar)));
            Trim();
            return true;
        }
        var j = _history.FindIndex(h => h.Bar.OpenTimeUs >= bar.OpenTimeUs);
        if (j == 0 && _history[0].Bar.OpenTimeUs != bar.OpenTimeUs && _trimmed)
            return false;
        if (_history[j].Bar.OpenTimeUs == bar.OpenTimeUs)
            _history[j] = (bar, revision);
        else
            _history.Insert(j, (bar, revision));

        // Recompute from the state before the oldest kept candle.
        var scratch = Create();
        Copy(_base, scratch);
        for (var k = 0; k < _history.Count; k++)
        {
            var values = Update(scratch, _history[k].Bar);
            if (k >= j)
                rows.Add(new Row(_history[k].Bar, _history[k].Revision, values));
        }
        _current = scratch;
        Trim();
        return true;
    }

    private void Trim()
    {
        while (_history.Count > _capacity)
        {
            Update(_base, _history[0].Bar);
            _history.RemoveAt(0);
            _trimmed = true;
        }
    }

    private Indicator[] Create() => _specs.Select(IndicatorFactory.Create).ToArray();

    private static double?[][] Update(Indicator[] set, Bar bar)
    {
        var values = new double?[set.Length][];
        for (var i = 0; i < set.Length; i++)
            values[i] = set[i].Update(bar);
        return values;
    }

    private static void Copy(Indicator[] from, Indicator[] to)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        foreach (var i in from)
            i.Write(w);
        w.Flush();
        ms.Position = 0;
        using var r = new BinaryReader(ms);
        foreach (var i in to)
            i.Read(r);
    }

    /// <summary>Changelog format: 2 since VWAP has anchors (in 1, "vwap" was the cumulative VWAP).</summary>
    public const byte FormatVersion = 2;

    public byte[] Serialize()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(FormatVersion);
            w.Write(_specs.Count);
            foreach (var s in _specs)
                w.Write(s);
            foreach (var i in _base)
                i.Write(w);
            foreach (var i in _current)
                i.Write(w);
            w.Write(_trimmed);
            w.Write(_history.Count);
            foreach (var (b, rev) in _history)
            {
                w.Write(b.OpenTimeUs);
                w.Write(b.Open);
                w.Write(b.High);
                w.Write(b.Low);
                w.Write(b.Close);
                w.Write(b.Volume);
                w.Write(rev);
            }
        }
        return ms.ToArray();
    }

    /// <summary>Restores a series written by format 1 or 2. When the configured indicators differ from the written ones
    /// (the configuration changed, or a format-1 "vwap", which was cumulative, meets today's daily "vwap"), each
    /// indicator still configured keeps its state, and the others start at the oldest kept candle: their values are
    /// recomputed over the kept history, so they agree with a series that started there.</summary>
    public static IndicatorSeries? Deserialize(byte[] data, IReadOnlyList<string> specs, int historyCapacity)
    {
        using var r = new BinaryReader(new MemoryStream(data));
        var version = r.ReadByte();
        if (version is not (1 or FormatVersion))
            throw new InvalidDataException($"indicator state: unknown format version {version}");
        var n = r.ReadInt32();
        var written = Enumerable.Range(0, n).Select(_ => r.ReadString()).ToList();
        var s = new IndicatorSeries(specs, historyCapacity);
        var same = version == FormatVersion && written.SequenceEqual(specs);
        var writtenBase = same ? s._base : written.Select(spec => Written(spec, version)).ToArray();
        var writtenCurrent = same ? s._current : written.Select(spec => Written(spec, version)).ToArray();
        foreach (var i in writtenBase)
            i.Read(r);
        foreach (var i in writtenCurrent)
            i.Read(r);
        s._trimmed = r.ReadBoolean();
        var h = r.ReadInt32();
        for (var k = 0; k < h; k++)
        {
            var bar = new Bar(r.ReadInt64(), r.ReadDecimal(), r.ReadDecimal(), r.ReadDecimal(), r.ReadDecimal(), r.ReadDecimal());
            s._history.Add((bar, r.ReadInt32()));
        }
        if (!same)
            s.CarryOver(writtenBase);
        return s;
    }

    // Format 1 knew only the cumulative VWAP, under the name "vwap".
    private static Indicator Written(string spec, byte version)
    {
        var indicator = IndicatorFactory.Create(spec);
        return version == 1 && indicator is Vwap ? new Vwap(VwapAnchor.None) : indicator;
    }

    private void CarryOver(Indicator[] writtenBase)
    {
        for (var k = 0; k < _base.Length; k++)
            if (Array.Find(writtenBase, w => w.Name == _base[k].Name) is { } kept)
                Copy([kept], [_base[k]]);
        var scratch = Create();
        Copy(_base, scratch);
        foreach (var (bar, _) in _history)
            Update(scratch, bar);
        _current = scratch;
    }
}
