using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Simulation;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Producers.Tests;

public sealed class SimulatedFeedTests
{
    private static readonly List<InstrumentOptions> Instruments = PipelineConfiguration.DefaultInstruments();

    private static List<(decimal Price, decimal Size, AggressorSide Side)> Draw(int seed, int count)
    {
        var market = new SimulatedMarket(new SimulatorOptions { Seed = seed }, Instruments, NullLogger.Instance, firstTradeId: 1);
        var btc = market.Instruments.Single(i => i.Instrument.Base == "BTC");
        return Enumerable
            .Range(0, count)
            .Select(_ => btc.Next(0))
            .Select(t => (t.Price.ToDecimal(), t.Size.ToDecimal(), t.Aggressor))
            .ToList();
    }

    [Fact]
    public void Same_seed_gives_the_same_trades_and_another_seed_does_not()
    {
        Assert.Equal(Draw(7, 500), Draw(7, 500));
        Assert.NotEqual(Draw(7, 500), Draw(8, 500));
    }

    [Fact]
    public void Only_instruments_on_venue_sim_are_simulated()
    {
        var market = new SimulatedMarket(new SimulatorOptions(), Instruments, NullLogger.Instance);
        Assert.Equal(
            ["sim:BTC/USD:spot", "sim:ETH/USD:spot", "sim:SOL/USD:spot"],
            market.Instruments.Select(i => i.Instrument.Key).Order()
        );
    }

    [Fact]
    public void Prices_stay_near_their_level_on_tick_with_positive_sizes_and_increasing_ids()
    {
        var market = new SimulatedMarket(new SimulatorOptions { Seed = 1 }, Instruments, NullLogger.Instance, firstTradeId: 100);
        foreach (var (instrument, level) in market.Instruments.Zip(new[] { 60_000m, 3_000m, 150m }))
        {
            Assert.Equal(level, instrument.Price);
            long last = 99;
            for (var i = 0; i < 20_000; i++)
            {
                var t = instrument.Next(i);
                decimal price = t.Price,
                    size = t.Size;
                Assert.InRange(price, level * 0.7m, level * 1.3m);
                Assert.Equal(0m, price % instrument.Tick);
                Assert.True(size > 0 && size % instrument.Lot == 0, $"size {size} is not a positive multiple of {instrument.Lot}");
                Assert.Equal(last + 1, t.TradeId);
                Assert.Equal(Origin.Simulated, t.Origin);
                last = t.TradeId;
            }
        }
    }

    [Fact]
    public async Task Producer_role_publishes_simulated_trades_keyed_by_instrument_with_type_headers()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 2);
        var options = new PipelineOptions { Instruments = Instruments, Simulator = { Seed = 3, TradesPerSecond = 200 } };
        var context = new PipelineContext(options, kafka.Settings, null, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var role = ProducerRole.RunAsync(context, stop.Token);

        using var reader = new TopicReader<Trade>(kafka.Settings, TopicCatalog.RawTrades.Name);
        var seen = await Eventually.GetAsync(
            () => Task.FromResult(reader.Poll()),
            r => r.Select(s => s.Key).Distinct().Count() == 3 && r.Count >= 300,
            TimeSpan.FromSeconds(60),
            "simulated trades of all three instruments"
        );
        stop.Cancel();
        await role;

        var nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        foreach (var (key, trade, type) in seen)
        {
            Assert.Equal(trade.Instrument.Key, key);
            Assert.Equal("sim", trade.Instrument.Exchange);
            Assert.Equal("pipeline.v1.Trade", type);
            Assert.InRange(trade.EventTimeUs, nowUs - 120_000_000, nowUs);
        }
        foreach (var group in seen.GroupBy(s => s.Key))
        {
            var ids = group.Select(s => s.Value.TradeId).ToList();
            Assert.Equal(ids.Order(), ids);
            Assert.Equal(ids.Count, ids.Distinct().Count());
        }
    }
}
