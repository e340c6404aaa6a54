// Per-venue connector gauges (issue 9): the circuit breaker's state and the records waiting in the queue for Kafka.
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers.Connectors;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;
using Pipeline.Testing;
using Polly.CircuitBreaker;
using Xunit;

namespace Pipeline.Producers.Tests;

public sealed class ConnectorMetricsTests
{
    [Fact]
    public async Task The_breaker_state_gauge_shows_a_venue_whose_calls_fail_as_open()
    {
        using var guard = new VenueGuard(
            VenueRegistry.Default.Get("kraken"),
            new ConnectionOptions { BreakerFailureRatio = 0.5, BreakDuration = TimeSpan.FromMinutes(5) }
        );
        for (var i = 0; i < 4 && guard.State == CircuitState.Closed; i++)
            await Assert.ThrowsAsync<HttpRequestException>(() =>
                guard.RequestAsync<int>(_ => throw new HttpRequestException("refused"), default)
            );

        Assert.Equal(CircuitState.Open, guard.State);
        Assert.Equal(2, Observe("pipeline.connector.breaker.state")["kraken"]);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => guard.RequestAsync(_ => Task.FromResult(1), default));
    }

    [Fact]
    public async Task The_queue_depth_gauge_counts_each_venues_waiting_records_until_the_writer_takes_them()
    {
        var queue = new RecordQueue(100);
        var instrument = new InstrumentRef
        {
            Exchange = "depth-probe",
            Base = "BTC",
            Quote = "USD",
            Market = MarketType.Spot,
        };
        for (var i = 0; i < 3; i++)
            await queue.EnqueueAsync(
                new Trade
                {
                    Instrument = instrument,
                    TradeId = i + 1,
                    Price = Pipeline.Schemas.V1.Decimal.From(1m),
                    Size = Pipeline.Schemas.V1.Decimal.From(1m),
                    EventTimeUs = 1,
                },
                default
            );
        Assert.Equal(3, Observe("pipeline_producer_queue_depth")["depth-probe"]);

        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        using var publisher = new TopicPublisher(kafka.Settings, "test-depth", NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var drain = queue.DrainAsync(publisher, stop.Token);
        await Eventually.TrueAsync(
            () => Task.FromResult(Observe("pipeline_producer_queue_depth")["depth-probe"] == 0),
            TimeSpan.FromSeconds(30),
            "the writer to take the records"
        );
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => drain);
    }

    /// <summary>The values an observable gauge reports now, by venue.</summary>
    private static Dictionary<string, long> Observe(string name)
    {
        var values = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Name == name)
                l.EnableMeasurementEvents(i);
        };
        void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var t in tags)
                if (t.Key == "venue")
                    values[(string)t.Value!] = value;
        }
        listener.SetMeasurementEventCallback<int>((_, v, tags, _) => Record(v, tags));
        listener.SetMeasurementEventCallback<long>((_, v, tags, _) => Record(v, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }
}
