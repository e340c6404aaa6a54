using System.Globalization;
using System.Text.Json;
using Pipeline.Plumbing.Configuration;
using Pipeline.Processors.Indicators;

namespace Pipeline.Processors.Tests;

public class IndicatorReferenceTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "indicator-reference");

    public static List<Bar> Bars() =>
        File.ReadLines(Path.Combine(Dir, "default.csv"))
            .Skip(1)
            .Select(l => l.Split(','))
            .Select(p => new Bar(
                DateTimeOffset.Parse(p[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds() * 1000,
                decimal.Parse(p[1], CultureInfo.InvariantCulture),
                decimal.Parse(p[2], CultureInfo.InvariantCulture),
                decimal.Parse(p[3], CultureInfo.InvariantCulture),
                decimal.Parse(p[4], CultureInfo.InvariantCulture),
                decimal.Parse(p[5], CultureInfo.InvariantCulture)
            ))
            .ToList();

    private static List<Dictionary<string, double?>> Reference(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, file)));
        return doc
            .RootElement.EnumerateArray()
            .Select(row =>
                row.EnumerateObject()
                    .Where(p => p.Name != "timestamp")
                    .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.Null ? (double?)null : p.Value.GetDouble())
            )
            .ToList();
    }

    public static TheoryData<string, string> Cases =>
        new()
        {
            { "sma(20)", "sma.standard.json" },
            { "ema(20)", "ema.standard.json" },
            { "wma(14)", "wma.standard.json" },
            { "rsi(14)", "rsi.standard.json" },
            { "macd(12,26,9)", "macd.standard.json" },
            { "bb(20,2)", "bb.standard.json" },
            { "atr(14)", "atr.standard.json" },
            { "stoch(14,3,3)", "stoch.standard.json" },
            { "obv", "obv.standard.json" },
            { "vwap(anchor=none)", "vwap.standard.json" },
            { "adx(14)", "adx.standard.json" },
            { "cci(20)", "cci.standard.json" },
            { "willr(14)", "willr.standard.json" },
        };

    internal static void AssertClose(double? expected, double? actual, string where)
    {
        if (expected is null)
        {
            Assert.True(actual is null, $"{where}: expected null (warm-up), got {actual}");
            return;
        }
        Assert.True(actual is not null, $"{where}: expected {expected}, got null");
        var tolerance = 1e-9 * Math.Max(1, Math.Abs(expected.Value));
        Assert.True(Math.Abs(expected.Value - actual!.Value) <= tolerance, $"{where}: expected {expected:R}, got {actual:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Indicator_matches_the_published_reference_values_on_every_bar(string spec, string file)
    {
        var bars = Bars();
        var expected = Reference(file);
        Assert.Equal(bars.Count, expected.Count);
        var indicator = IndicatorFactory.Create(spec);
        Assert.Equal(spec, indicator.Name);
        var compared = 0;
        for (var i = 0; i < bars.Count; i++)
        {
            var values = indicator.Update(bars[i]);
            for (var f = 0; f < indicator.Fields.Count; f++)
            {
                AssertClose(expected[i][indicator.Fields[f]], values[f], $"{spec} {indicator.Fields[f]} at bar {i}");
                compared++;
            }
        }
        Assert.True(compared >= bars.Count);
    }

    [Fact]
    public void Streaming_with_a_late_revision_equals_batch_and_the_reference()
    {
        var bars = Bars();
        var specs = IndicatorFactory.Defaults;
        // Batch: one fresh pass over the true series.
        var batch = specs.Select(IndicatorFactory.Create).ToArray();
        var batchRows = bars.Select(b => batch.Select(i => i.Update(b)).ToArray()).ToList();

        // Streaming: bar 300 first arrives with a wrong close and is revised three bars later; bar 400 arrives late (after 401).
        var series = new IndicatorSeries(specs, historyCapacity: 16);
        var latest = new Dictionary<long, double?[][]>();
        var rows = new List<IndicatorSeries.Row>();
        void Feed(Bar b, int rev)
        {
            rows.Clear();
            Assert.True(series.Apply(b, rev, rows));
            foreach (var r in rows)
                latest[r.Bar.OpenTimeUs] = r.Values;
        }
        for (var i = 0; i < bars.Count; i++)
        {
            if (i == 400)
                continue;
            if (i == 300)
                Feed(bars[i] with { Close = bars[i].Close + 7.5m }, 0);
            else
                Feed(bars[i], 0);
            if (i == 303)
                Feed(bars[300], 1);
            if (i == 401)
                Feed(bars[400], 0);
        }
        Assert.Equal(bars.Count, latest.Count);
        var sma = Reference("sma.standard.json");
        for (var i = 0; i < bars.Count; i++)
        {
            var streamed = latest[bars[i].OpenTimeUs];
            for (var k = 0; k < specs.Count; k++)
            for (var f = 0; f < streamed[k].Length; f++)
                Assert.True(
                    Nullable.Equals(batchRows[i][k][f], streamed[k][f]),
                    $"{specs[k]} field {f} at bar {i}: batch {batchRows[i][k][f]:R}, streamed {streamed[k][f]:R}"
                );
            AssertClose(sma[i]["sma"], streamed[0][0], $"sma at bar {i}");
        }
    }

    [Fact]
    public void Indicator_state_survives_a_round_trip_through_the_changelog_format()
    {
        var bars = Bars();
        var specs = IndicatorFactory.Defaults;
        var straight = new IndicatorSeries(specs, 8);
        var restarted = new IndicatorSeries(specs, 8);
        var a = new List<IndicatorSeries.Row>();
        var b = new List<IndicatorSeries.Row>();
        for (var i = 0; i < bars.Count; i++)
        {
            straight.Apply(bars[i], 0, a);
            restarted.Apply(bars[i], 0, b);
            if (i % 50 == 49)
                restarted = IndicatorSeries.Deserialize(restarted.Serialize(), specs, 8)!;
        }
        Assert.Equal(a.Count, b.Count);
        for (var i = 0; i < a.Count; i++)
        for (var k = 0; k < specs.Count; k++)
            Assert.Equal(a[i].Values[k], b[i].Values[k]);
    }

    [Fact]
    public void Unknown_indicator_name_is_refused_with_a_clear_message()
    {
        var e = Assert.Throws<ArgumentException>(() => IndicatorFactory.Create("foo(3)"));
        Assert.Contains("unknown", e.Message);
        Assert.Throws<ArgumentException>(() => IndicatorFactory.Create("sma(0)"));
    }

    [Fact]
    public void Unknown_indicator_in_the_configuration_is_refused_naming_the_setting()
    {
        var options = TradeFactory.Options();
        options.Indicators = ["rsi(14)", "supertrend(10)"];
        var e = Assert.Throws<PipelineConfigurationException>(() =>
            new MarketDataProcessor(options, TradeFactory.Instruments, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
        );
        Assert.Contains("Processing:Indicators", e.Message);
        Assert.Contains("supertrend(10)", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }
}
