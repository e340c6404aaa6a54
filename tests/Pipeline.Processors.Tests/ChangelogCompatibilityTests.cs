// Issue 10 §3: the state stores own their changelog codecs now. Changelogs written before (by the string-built keys of
// MarketDataProcessor.Flush) must restore unchanged. Fixtures/changelog-v1/scenario-part1.tsv holds the changelog that
// main at 81f1cf3 (before issue 12's VWAP anchors and before the stores) wrote for ChangelogScenario part 1.
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.State;
using Pipeline.Processors.Testing;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Tests;

public class ChangelogCompatibilityTests
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "changelog-v1", "scenario-part1.tsv");

    private static List<(string Topic, int Partition, byte[] Key, byte[]? Value)> OldChangelog() =>
        File.ReadLines(Fixture)
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(p => (p[0], int.Parse(p[1]), Convert.FromBase64String(p[2]), p[3] == "-" ? null : Convert.FromBase64String(p[3])))
            .ToList();

    private static ProcessorTestDriver Driver(long startUs = ChangelogScenario.StartUs) =>
        new(ChangelogScenario.Options(), TradeFactory.Instruments, startUs);

    [Fact]
    public void The_stores_write_the_same_changelog_bytes_in_the_same_order_as_the_code_before_them()
    {
        var d = Driver();
        ChangelogScenario.Run(d, 1);
        var old = OldChangelog();
        var now = MarketDataProcessor
            .ChangelogTopics.SelectMany(t => d.Committed(t).Select(r => (t, r.Partition ?? 0, r.Key!, r.Value)))
            .ToList();
        Assert.True(old.Count > 1000, $"the fixture has only {old.Count} records");
        Assert.Contains(old, r => r.Value is null);
        Assert.Equal(old.Count, now.Count);
        for (var i = 0; i < old.Count; i++)
        {
            Assert.Equal(old[i].Topic, now[i].t);
            Assert.Equal(old[i].Partition, now[i].Item2);
            Assert.Equal(old[i].Key, now[i].Item3);
            var expected = old[i].Value;
            // Indicator state: format 2 since issue 12 (VWAP anchors); without a vwap configured the rest is unchanged.
            if (expected is not null && old[i].Topic == TopicCatalog.IndicatorState.Name)
            {
                Assert.Equal(1, expected[0]);
                expected = [2, .. expected[1..]];
            }
            // Watermark records: format 2 since issue 10 (session 5) appends the real-time delay; the scenario's trades
            // are processed up to an hour after their receipt (driver time), so it is "not real time" (long.MinValue).
            if (expected is not null && WatermarkStore.IsWatermarkKey(old[i].Key))
            {
                Assert.Equal(1, expected[sizeof(long)]);
                expected = [.. expected[..sizeof(long)], 2, .. expected[(sizeof(long) + 1)..], .. BitConverter.GetBytes(long.MinValue)];
            }
            Assert.True(
                expected is null ? now[i].Value is null : expected.AsSpan().SequenceEqual(now[i].Value),
                $"record {i} ({old[i].Topic}, {System.Text.Encoding.UTF8.GetString(old[i].Key)}) differs"
            );
        }
    }

    [Fact]
    public void A_changelog_written_before_the_stores_restores_and_the_run_continues_as_if_never_stopped()
    {
        var straight = Driver();
        ChangelogScenario.Run(straight, 1);
        var marks = new[]
        {
            TopicCatalog.FinalCandles.Name,
            TopicCatalog.Indicators.Name,
            TopicCatalog.DeadLetters.Name,
            TopicCatalog.ValidTrades.Name,
        }.ToDictionary(t => t, t => straight.Committed(t).Count);
        var resumeAt = straight.NowUs;
        ChangelogScenario.Run(straight, 2);

        var restarted = Driver(resumeAt);
        foreach (var (topic, partition, key, value) in OldChangelog())
            restarted.Restore(topic, partition, key, value);
        ChangelogScenario.Run(restarted, 2);

        Assert.True(marks[TopicCatalog.FinalCandles.Name] > 100);
        foreach (var (topic, from) in marks)
        {
            var expected = straight.Committed(topic).Skip(from).ToList();
            var actual = restarted.Committed(topic);
            if (topic == TopicCatalog.DeadLetters.Name)
            {
                // Offsets and processing times differ (a new driver counts from 0); reason and record must not.
                var e = expected.Select(o => DeadLetter.Parser.ParseFrom(o.Value)).Select(x => (x.Reason, x.OriginalValue)).ToList();
                var a = actual.Select(o => DeadLetter.Parser.ParseFrom(o.Value)).Select(x => (x.Reason, x.OriginalValue)).ToList();
                Assert.NotEmpty(e);
                Assert.Equal(e, a);
                continue;
            }
            Assert.NotEmpty(expected);
            Assert.Equal(expected.Count, actual.Count);
            for (var i = 0; i < expected.Count; i++)
                Assert.True(expected[i].Value.AsSpan().SequenceEqual(actual[i].Value), $"{topic} record {i}");
        }
        // And the state both end with is the same, key by key. Regression: restoring every version of an instrument's
        // watermark record appended the dropped-candle spans of each version to the last (unsorted duplicates), so the
        // restored instance's too-late check could answer wrong; found by this test, fixed in CandleAggregator.RestoreMeta.
        foreach (var topic in MarketDataProcessor.ChangelogTopics)
        {
            var a = Latest(straight, topic);
            var b = Latest(restarted, topic);
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var (k, v) in a)
                Assert.True(v.AsSpan().SequenceEqual(b[k]), $"{topic} {k} {Convert.ToHexString(v!)} vs {Convert.ToHexString(b[k]!)}");
        }
    }

    private static Dictionary<string, byte[]?> Latest(ProcessorTestDriver d, string topic)
    {
        var latest = new Dictionary<string, byte[]?>();
        foreach (var r in d.Committed(topic))
            latest[Convert.ToBase64String(r.Key!)] = r.Value;
        return latest.Where(e => e.Value is not null).ToDictionary();
    }
}
