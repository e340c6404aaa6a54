using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Producers.Tests;

public sealed class InstrumentTopicTests
{
    [Fact]
    public async Task The_producers_role_publishes_every_registered_instrument_to_the_instruments_topic()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var options = new PipelineOptions { Instruments = PipelineConfiguration.DefaultInstruments(), Simulator = { Enabled = false } };
        using var stop = new CancellationTokenSource();
        var role = ProducerRole.RunAsync(new PipelineContext(options, kafka.Settings, null, NullLoggerFactory.Instance), stop.Token);
        using var reader = new TopicRecords<Instrument>(kafka.Settings, TopicCatalog.Instruments.Name);
        var got = await Eventually.GetAsync(() => Task.FromResult(reader.Poll()), r => r.Count >= 8 || role.IsCompleted, TimeSpan.FromSeconds(30), "8 instruments");
        stop.Cancel();
        await role;
        Assert.Equal(options.Instruments.Select(i => $"{i.Exchange}:{i.Base}/{i.Quote}:{i.Market}"), got.Select(r => r.Key));
        Assert.All(got, r => Assert.Equal(("pipeline.v1.Instrument", r.Key), (r.Type, r.Value.Ref.Key)));
        var hyperliquid = got.Single(r => r.Key == "hyperliquid:BTC/USD:perp").Value;
        Assert.Equal("BTC", hyperliquid.VenueSymbol);
        Assert.Equal(CandleInterval.Names, hyperliquid.Intervals);
    }
}
