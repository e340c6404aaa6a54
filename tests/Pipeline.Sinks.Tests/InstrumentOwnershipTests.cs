// The sink owns the instruments table: configured listings are registered by the sink role, other instruments when
// the sink stores their first record; nothing else in production writes it.
using Npgsql;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using static Pipeline.Sinks.Tests.SinkRecords;

namespace Pipeline.Sinks.Tests;

public sealed class InstrumentOwnershipTests
{
    [Fact]
    public async Task The_sink_role_registers_the_configured_listings_and_the_instruments_of_records_it_stores()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var db = await TestPostgres.CreateDatabaseAsync();
        var options = new PipelineOptions
        {
            Instruments =
            [
                new InstrumentOptions
                {
                    Exchange = "binance",
                    Base = "BTC",
                    Quote = "USDT",
                    Market = "spot",
                    Symbol = "BTCUSDT",
                    Intervals = ["1m", "5m"],
                },
            ],
            Sink = new SinkOptions { BatchLingerMs = 20 },
        };
        Assert.Equal(0, await RunningSink.CountAsync(db, "SELECT count(*) FROM instruments")); // migrations register none

        using var stop = new CancellationTokenSource();
        var run = SinkRole.RunAsync(new PipelineContext(options, kafka.Settings, db, RunningSink.Loggers), stop.Token);
        var unconfigured = InstrumentRef.Create("kraken", "ETH", "USD", MarketType.Spot);
        await ProduceAsync(
            kafka.Settings,
            TopicCatalog.ValidTrades.Name,
            [Trade(1, "2500.5", "0.1", Day, unconfigured)],
            t => t.Instrument.Key
        );
        await Eventually.TrueAsync(
            async () => await RunningSink.CountAsync(db, "SELECT count(*) FROM trades") == 1,
            what: "the trade stored"
        );
        await stop.CancelAsync();
        await run;

        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT exchange, base, venue_symbol, intervals FROM instruments ORDER BY exchange", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<(string, string, string?, string[])>();
        while (await r.ReadAsync())
            rows.Add((r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<string[]>(3)));
        Assert.Equal(2, rows.Count);
        Assert.Equal(("binance", "BTC", "BTCUSDT"), (rows[0].Item1, rows[0].Item2, rows[0].Item3));
        Assert.Equal(["1m", "5m"], rows[0].Item4);
        Assert.Equal(("kraken", "ETH", null), (rows[1].Item1, rows[1].Item2, rows[1].Item3));
    }
}
