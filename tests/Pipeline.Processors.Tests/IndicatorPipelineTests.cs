using System.Globalization;
using System.Text.Json;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Testing;
using Pipeline.Schemas.V1;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

public class IndicatorPipelineTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "indicator-reference");

    /// <summary>Four backfill trades per reference bar (open, high, low, close) whose sizes add up to its volume.</summary>
    internal static IEnumerable<Trade> TradesFor(IReadOnlyList<Indicators.Bar> bars)
    {
        long id = 0;
        foreach (var b in bars)
        {
            var t = b.OpenTimeUs;
            yield return Trade(id++, S(b.Open), S(b.Volume - 3), t + 1_000_000);
            yield return Trade(id++, S(b.High), "1", t + 2_000_000);
            yield return Trade(id++, S(b.Low), "1", t + 3_000_000);
            yield return Trade(id++, S(b.Close), "1", t + 4_000_000);
        }
        static string S(decimal d) => d.ToString(CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Daily_candles_built_from_trades_yield_indicators_equal_to_the_reference_tables()
    {
        var bars = IndicatorReferenceTests.Bars();
        var d = new ProcessorTestDriver(Options(latenessMs: 0), Instruments);
        foreach (var t in TradesFor(bars))
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

        var daily = d.FinalCandles().Where(c => c.Interval == "1d").ToList();
        Assert.Equal(bars.Count, daily.Count);
        Assert.All(daily.Zip(bars), p => Assert.Equal(p.Second.Close, p.First.Close.ToDecimal()));

        var values = d.Read<IndicatorValue>(TopicCatalog.Indicators.Name)
            .Where(v => v.Interval == "1d")
            .GroupBy(v => (v.OpenTimeUs, v.Indicator))
            .ToDictionary(g => g.Key, g => g.Last());
        var index = bars.Select((b, i) => (b.OpenTimeUs, i)).ToDictionary(x => x.OpenTimeUs, x => x.i);
        foreach (
            var (indicator, file) in new[]
            {
                ("rsi(14)", "rsi"),
                ("macd(12,26,9)", "macd"),
                ("bb(20,2)", "bb"),
                ("adx(14)", "adx"),
                ("obv", "obv"),
                ("willr(14)", "willr"),
            }
        )
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, file + ".standard.json")));
            var reference = doc.RootElement.EnumerateArray().ToList();
            foreach (var b in bars)
            {
                var v = values[(b.OpenTimeUs, indicator)];
                foreach (var f in v.Fields)
                {
                    var e = reference[index[b.OpenTimeUs]].GetProperty(f.Name);
                    IndicatorReferenceTests.AssertClose(
                        e.ValueKind == JsonValueKind.Null ? null : e.GetDouble(),
                        f.HasValue ? f.Value : null,
                        $"{indicator} {f.Name} at {b.OpenTimeUs}"
                    );
                }
            }
        }
    }

    private static Plumbing.Configuration.ProcessingOptions WithIndicators(
        Plumbing.Configuration.ProcessingOptions o,
        params string[] specs
    )
    {
        o.Indicators = specs.ToList();
        return o;
    }

    [Fact]
    public void Late_trade_revising_a_closed_candle_recomputes_its_indicator_values()
    {
        var d = new ProcessorTestDriver(WithIndicators(Options(latenessMs: 0), "sma(2)"), Instruments);
        var t0 = Us("2024-03-01T10:00:00Z");
        for (var m = 0; m < 5; m++)
            d.PipeTrade(Trade(m, (100 + m).ToString(), "1", t0 + m * 60_000_000L + 1, origin: Origin.Live));
        d.Commit();
        var before = d.Read<IndicatorValue>(TopicCatalog.Indicators.Name)
            .Where(v => v.Interval == "1m" && v.Indicator == "sma(2)")
            .ToList();
        // Minutes 0..3 are closed: sma(2) over closes 100,101,102,103.
        Assert.Equal([null, 100.5, 101.5, 102.5], before.Select(v => v.Fields[0].HasValue ? v.Fields[0].Value : (double?)null));

        // A late trade at the end of minute 1 (close becomes 111): minute 1 is revised and minute 2's SMA changes too.
        d.PipeTrade(Trade(99, "111", "1", t0 + 60_000_000L + 59_000_000, origin: Origin.Live));
        d.Commit();
        var after = d.Read<IndicatorValue>(TopicCatalog.Indicators.Name)
            .Where(v => v.Interval == "1m" && v.Indicator == "sma(2)")
            .Skip(before.Count)
            .ToList();
        Assert.Equal([t0 + 60_000_000L, t0 + 120_000_000L, t0 + 180_000_000L], after.Select(v => v.OpenTimeUs));
        Assert.Equal([105.5, 106.5, 102.5], after.Select(v => v.Fields[0].Value));
        Assert.Equal([1, 0, 0], after.Select(v => v.CandleRevision));
    }
}
