// Issue 12: VWAP ran from the first candle ever; traders expect a session VWAP that starts over each UTC day.
// The references are computed here from the candles alone (Σ typical price × volume / Σ volume per UTC day or
// ISO week), never from our Vwap.
using System.Globalization;
using System.Text;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Indicators;
using Pipeline.Processors.Testing;
using Pipeline.Schemas.V1;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

public class VwapAnchorTests
{
    private static readonly string File1h = Path.Combine(
        AppContext.BaseDirectory,
        "Fixtures",
        "binance-klines",
        "ETHUSDT-1h-2024-12-02_09.csv"
    );

    private static List<Bar> EthHourly() =>
        File.ReadLines(File1h)
            .Skip(1)
            .Select(l => l.Split(','))
            .Select(p => new Bar(long.Parse(p[0], CultureInfo.InvariantCulture) * 1000, D(p[1]), D(p[2]), D(p[3]), D(p[4]), D(p[5])))
            .ToList();

    private static decimal D(string s) => decimal.Parse(s, CultureInfo.InvariantCulture);

    private static DateTime UtcDay(Bar b) => DateTime.UnixEpoch.AddTicks(b.OpenTimeUs * 10).Date;

    /// <summary>The running Σ(typical × volume) / Σ volume of each bar's group, groups in order of appearance.</summary>
    private static List<double> RunningVwap<TKey>(IReadOnlyList<Bar> bars, Func<Bar, TKey> group)
        where TKey : notnull
    {
        var sums = new Dictionary<TKey, (decimal Pv, decimal V)>();
        var result = new List<double>();
        foreach (var b in bars)
        {
            var (pv, v) = sums.GetValueOrDefault(group(b));
            pv += (b.High + b.Low + b.Close) / 3m * b.Volume;
            v += b.Volume;
            sums[group(b)] = (pv, v);
            result.Add((double)(pv / v));
        }
        return result;
    }

    private static List<double?> Run(string spec, IEnumerable<Bar> bars)
    {
        var vwap = IndicatorFactory.Create(spec);
        return bars.Select(b => vwap.Update(b)[0]).ToList();
    }

    [Fact]
    public void Daily_vwap_of_real_Binance_hourly_klines_starts_over_at_each_UTC_midnight()
    {
        var bars = EthHourly();
        Assert.Equal(8, bars.Select(UtcDay).Distinct().Count());
        var expected = RunningVwap(bars, UtcDay);
        var actual = Run("vwap", bars);
        for (var i = 0; i < bars.Count; i++)
            IndicatorReferenceTests.AssertClose(expected[i], actual[i], $"vwap at {UtcDay(bars[i]):yyyy-MM-dd} bar {i}");
        // The first hour of each day is that hour's typical price alone.
        var midnight = bars.FindIndex(b => b.OpenTimeUs % 86_400_000_000 == 0);
        Assert.Equal((double)((bars[midnight].High + bars[midnight].Low + bars[midnight].Close) / 3m), actual[midnight]);
    }

    [Fact]
    public void Vwap_anchor_none_is_cumulative_over_all_the_hourly_klines()
    {
        var bars = EthHourly();
        var expected = RunningVwap(bars, _ => 0);
        var actual = Run("vwap(anchor=none)", bars);
        for (var i = 0; i < bars.Count; i++)
            IndicatorReferenceTests.AssertClose(expected[i], actual[i], $"cumulative vwap at bar {i}");
        Assert.NotEqual(actual[^1], Run("vwap", bars)[^1]);
    }

    [Fact]
    public void On_daily_candles_the_daily_vwap_is_each_candles_typical_price_and_the_weekly_vwap_spans_its_Monday_week()
    {
        var bars = IndicatorReferenceTests.Bars();
        var daily = Run("vwap", bars);
        for (var i = 0; i < bars.Count; i++)
            IndicatorReferenceTests.AssertClose(
                (double)((bars[i].High + bars[i].Low + bars[i].Close) / 3m),
                daily[i],
                $"daily vwap on 1d bar {i}"
            );
        // ISO weeks start on Monday, as our 1w candles do.
        var expected = RunningVwap(bars, b => (ISOWeek.GetYear(UtcDay(b)), ISOWeek.GetWeekOfYear(UtcDay(b))));
        var weekly = Run("vwap(anchor=week)", bars);
        for (var i = 0; i < bars.Count; i++)
            IndicatorReferenceTests.AssertClose(expected[i], weekly[i], $"weekly vwap on 1d bar {i}");
    }

    [Fact]
    public void Vwap_parameters_other_than_an_anchor_are_refused_with_the_accepted_ones()
    {
        Assert.Equal("vwap", IndicatorFactory.Create("vwap(anchor=day)").Name);
        Assert.Equal("vwap(anchor=none)", IndicatorFactory.Create("VWAP(anchor = none)").Name);
        foreach (var bad in new[] { "vwap(anchor=month)", "vwap(14)", "vwap(anchor=day,anchor=none)", "vwap(" })
        {
            var e = Assert.Throws<ArgumentException>(() => IndicatorFactory.Create(bad));
            Assert.Contains(bad, e.Message);
            Assert.DoesNotContain("\n", e.Message);
        }
    }

    [Fact]
    public void Hourly_candles_built_from_trades_carry_the_daily_vwap_by_default()
    {
        var bars = EthHourly();
        var d = new ProcessorTestDriver(Options(latenessMs: 0), Instruments);
        foreach (var t in IndicatorPipelineTests.TradesFor(bars))
            d.PipeTrade(t);
        d.PipeEndOfInput(
            new EndOfInput
            {
                Instrument = Btc,
                Origin = Origin.Backfill,
                ThroughTimeUs = bars[^1].OpenTimeUs + 4_000_000,
            }
        );
        d.Commit();

        var values = d.Read<IndicatorValue>(TopicCatalog.Indicators.Name)
            .Where(v => v.Interval == "1h" && v.Indicator == "vwap")
            .ToDictionary(v => v.OpenTimeUs, v => v.Fields.Single().Value);
        var expected = RunningVwap(bars, UtcDay);
        Assert.Equal(bars.Count, values.Count);
        for (var i = 0; i < bars.Count; i++)
            IndicatorReferenceTests.AssertClose(expected[i], values[bars[i].OpenTimeUs], $"vwap of the 1h candle {i}");
    }

    [Fact]
    public void Daily_vwap_state_restored_in_the_middle_of_a_day_continues_that_days_sums()
    {
        var bars = EthHourly();
        var specs = new[] { "vwap", "vwap(anchor=none)" };
        var straight = new IndicatorSeries(specs, 8);
        var restarted = new IndicatorSeries(specs, 8);
        var a = new List<IndicatorSeries.Row>();
        var b = new List<IndicatorSeries.Row>();
        for (var i = 0; i < bars.Count; i++)
        {
            straight.Apply(bars[i], 0, a);
            restarted.Apply(bars[i], 0, b);
            if (i % 17 == 5)
                restarted = IndicatorSeries.Deserialize(restarted.Serialize(), specs, 8)!;
        }
        Assert.Equal(a.Select(r => r.Values[0][0]), b.Select(r => r.Values[0][0]));
        Assert.Equal(a.Select(r => r.Values[1][0]), b.Select(r => r.Values[1][0]));
    }

    /// <summary>Format 1 (before anchors) as the code before this change wrote it: the same layout as format 2 with
    /// version byte 1, where the cumulative VWAP was named "vwap" and wrote the two decimals anchor=none writes.</summary>
    private static byte[] AsFormat1(IndicatorSeries cumulative)
    {
        var v2 = cumulative.Serialize();
        var from = Encoding.UTF8.GetBytes("\u0011vwap(anchor=none)");
        var to = Encoding.UTF8.GetBytes("\u0004vwap");
        var at = v2.AsSpan().IndexOf(from);
        Assert.True(at > 0);
        var v1 = v2[..at].Concat(to).Concat(v2[(at + from.Length)..]).ToArray();
        v1[0] = 1;
        return v1;
    }

    [Fact]
    public void Indicator_state_written_before_vwap_had_anchors_restores_keeping_every_other_indicator()
    {
        var bars = IndicatorReferenceTests.Bars();
        var old = IndicatorFactory.Defaults.Select(s => s == "vwap" ? "vwap(anchor=none)" : s).ToList();
        var before = new IndicatorSeries(old, 8);
        var rows = new List<IndicatorSeries.Row>();
        foreach (var bar in bars.Take(300))
            before.Apply(bar, 0, rows);
        var format1 = AsFormat1(before);

        // Configured as before the upgrade (cumulative): continues exactly.
        var kept = IndicatorSeries.Deserialize(format1, old, 8)!;
        // Default configuration after the upgrade: "vwap" is now daily; all the others keep their state.
        var upgraded = IndicatorSeries.Deserialize(format1, IndicatorFactory.Defaults, 8)!;
        var batchOld = old.Select(IndicatorFactory.Create).ToArray();
        var batchNew = IndicatorFactory.Defaults.Select(IndicatorFactory.Create).ToArray();
        var vwapAt = IndicatorFactory.Defaults.ToList().IndexOf("vwap");
        for (var i = 0; i < bars.Count; i++)
        {
            var expectOld = batchOld.Select(x => x.Update(bars[i])).ToArray();
            var expectNew = batchNew.Select(x => x.Update(bars[i])).ToArray();
            if (i < 300)
                continue;
            rows.Clear();
            kept.Apply(bars[i], 0, rows);
            Assert.Equal(expectOld, rows[0].Values);
            rows.Clear();
            upgraded.Apply(bars[i], 0, rows);
            for (var k = 0; k < batchNew.Length; k++)
                Assert.True(expectNew[k].SequenceEqual(rows[0].Values[k]), $"{IndicatorFactory.Defaults[k]} at bar {i}");
            IndicatorReferenceTests.AssertClose(
                (double)((bars[i].High + bars[i].Low + bars[i].Close) / 3m),
                rows[0].Values[vwapAt][0],
                $"vwap at {i}"
            );
        }
    }
}
