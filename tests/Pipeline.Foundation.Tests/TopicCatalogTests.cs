using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;

namespace Pipeline.Foundation.Tests;

public class TopicCatalogTests
{
    [Fact]
    public void Catalog_names_every_stage_topic_once()
    {
        var names = TopicCatalog.All.Select(t => t.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        foreach (
            var required in new[]
            {
                "trades.raw",
                "candles.exchange.raw",
                "trades.valid",
                "deadletter",
                "candles",
                "candles.final",
                "indicators",
            }
        )
            Assert.Contains(required, names);
    }

    [Fact]
    public void State_topics_are_compacted_and_data_topics_are_not()
    {
        Assert.All(TopicCatalog.All.Where(t => t.Name.StartsWith("state.")), t => Assert.Equal("compact", t.Configs()["cleanup.policy"]));
        Assert.Equal("delete", TopicCatalog.RawTrades.Configs()["cleanup.policy"]);
        // Changelogs roll segments so compaction can shrink what a restore reads.
        Assert.All(TopicCatalog.All.Where(t => t.Compacted), t => Assert.Equal("600000", t.Configs()["segment.ms"]));
        Assert.Equal(typeof(Trade), TopicCatalog.RawTrades.ValueType);
    }
}
