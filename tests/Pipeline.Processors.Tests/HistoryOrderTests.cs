// Issue 18 "Ordering must not reject good data": history loaded in any order gives the candles of loading it in
// order; duplicates are recognised by trade id over an instrument's whole history.
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Testing;
using Pipeline.Schemas.V1;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

[Trait("Issue", "18")]
public class HistoryOrderTests
{
    private static readonly long Day1 = Us("2024-03-04T00:00:00Z");
    private const long DayUs = 86_400_000_000L;

    /// <summary>One import trade every 97 s over two days, ids consecutive, prices from a fixed walk.</summary>
    private static List<Trade> TwoDays()
    {
        var trades = new List<Trade>();
        for (var i = 0; i < 2 * 86_400 / 97; i++)
        {
            var price = (100m + (i * 37 % 23) - (i * 11 % 17) / 4m).ToString(System.Globalization.CultureInfo.InvariantCulture);
            trades.Add(Trade(1_000 + i, price, "0." + (1 + i % 9), Day1 + i * 97_000_000L, origin: Origin.Import));
        }
        return trades;
    }

    private static EndOfInput EndOf(IEnumerable<Trade> trades) =>
        new()
        {
            Instrument = Btc,
            Origin = Origin.Import,
            ThroughTimeUs = trades.Max(t => t.EventTimeUs),
        };

    /// <summary>The newest revision of every final candle, as comparable text.</summary>
    private static Dictionary<(string, long), string> Finals(ProcessorTestDriver d) =>
        d.FinalCandles()
            .GroupBy(c => (c.Interval, c.OpenTimeUs))
            .ToDictionary(
                g => g.Key,
                g =>
                    g.OrderBy(c => c.Revision).Last() is var c
                        ? $"{c.Open.ToDecimal()} {c.High.ToDecimal()} {c.Low.ToDecimal()} {c.Close.ToDecimal()} "
                            + $"{c.Volume.ToDecimal()} {c.QuoteVolume.ToDecimal()} {c.TradeCount}"
                        : ""
            );

    private static ProcessorTestDriver InOrder(List<Trade> trades)
    {
        var d = new ProcessorTestDriver(Options(), Instruments);
        foreach (var t in trades)
            d.PipeTrade(t);
        d.PipeEndOfInput(EndOf(trades));
        d.Commit();
        return d;
    }

    [Fact]
    public void Day_2_then_day_1_imported_as_two_commands_gives_the_candles_of_importing_them_in_order()
    {
        // Was: all of day 1 dead-lettered as out_of_order while the import said "Imported 20000 rows".
        var trades = TwoDays();
        var day1 = trades.Where(t => t.EventTimeUs < Day1 + DayUs).ToList();
        var day2 = trades.Where(t => t.EventTimeUs >= Day1 + DayUs).ToList();

        var d = new ProcessorTestDriver(Options(), Instruments);
        foreach (var t in day2)
            d.PipeTrade(t);
        d.PipeEndOfInput(EndOf(day2));
        d.Commit();
        d.CrashAndRestart(); // the second import is another day: state comes back from the changelog
        foreach (var t in day1)
            d.PipeTrade(t);
        d.PipeEndOfInput(EndOf(day1));
        d.Commit();

        Assert.Empty(d.DeadLetters());
        Assert.Equal(trades.Count, d.Committed(TopicCatalog.ValidTrades.Name).Count);
        var expected = Finals(InOrder(trades));
        var actual = Finals(d);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (key, value) in expected)
            Assert.Equal(value, actual[key]);
    }

    [Fact]
    public void Import_re_run_after_a_crash_dead_letters_only_the_overlap_and_as_duplicates()
    {
        // Was: the overlap (459k-667k records) dead-lettered as out_of_order; ids older than a 2,048-id window
        // would not even be recognised as duplicates.
        var trades = TwoDays();
        var firstRun = trades.Take(1_200).ToList();
        var d = new ProcessorTestDriver(Options(), Instruments);
        foreach (var t in firstRun)
            d.PipeTrade(t);
        d.Commit();
        d.CrashAndRestart();
        foreach (var t in trades)
            d.PipeTrade(t); // the re-run starts from the beginning of the file
        d.PipeEndOfInput(EndOf(trades));
        d.Commit();

        var dead = d.DeadLetters();
        Assert.Equal(firstRun.Count, dead.Count);
        Assert.All(dead, l => Assert.Equal("duplicate_trade_id", l.ReasonCode));
        Assert.Equal(trades.Count, d.Committed(TopicCatalog.ValidTrades.Name).Count);
        Assert.Equal(Finals(InOrder(trades)), Finals(d));
    }

    [Fact]
    public void Ids_older_than_thousands_of_trades_are_still_recognised_as_duplicates()
    {
        var d = new ProcessorTestDriver(Options(), Instruments);
        for (var i = 0; i < 5_000; i++)
            d.PipeTrade(Trade(i, "10", "1", Day1 + i * 1_000_000L, origin: Origin.Backfill));
        d.PipeTrade(Trade(3, "10", "1", Day1 + 3 * 1_000_000L, origin: Origin.Backfill));
        d.Commit();
        d.CrashAndRestart();
        d.PipeTrade(Trade(4, "10", "1", Day1 + 4 * 1_000_000L, origin: Origin.Backfill));
        d.Commit();
        Assert.Equal([3L, 4L], d.DeadLetters().Select(l => Pipeline.Schemas.V1.Trade.Parser.ParseFrom(l.OriginalValue).TradeId));
        Assert.All(d.DeadLetters(), l => Assert.Equal("duplicate_trade_id", l.ReasonCode));
    }

    [Fact]
    public void Records_ahead_of_their_originals_do_not_turn_the_trades_between_into_dead_letters()
    {
        // Was: 4 records 14 hours ahead moved the watermark; 116,664 later valid trades were dead-lettered.
        var trades = TwoDays()
            .Select(t =>
            {
                t.Origin = Origin.Backfill;
                return t;
            })
            .ToList();
        var ahead = trades.Skip(600).Take(4).ToList();
        var d = new ProcessorTestDriver(Options(), Instruments);
        foreach (var t in ahead)
            d.PipeTrade(t);
        foreach (var t in trades)
            d.PipeTrade(t);
        d.PipeEndOfInput(EndOf(trades));
        d.Commit();

        var dead = d.DeadLetters();
        Assert.Equal(4, dead.Count);
        Assert.All(dead, l => Assert.Equal("duplicate_trade_id", l.ReasonCode));
        Assert.Equal(trades.Count, d.Committed(TopicCatalog.ValidTrades.Name).Count);
        var expected = Finals(InOrder(trades));
        var actual = Finals(d);
        foreach (var (key, value) in expected)
            Assert.Equal(value, actual[key]);
    }
}
