// What the backfill tests share: one Binance listing (BTC/USDT, 1m), a job runner against a fake venue, a job of one
// part, waiting for a job to finish, and the venue's kline rows.
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers.Backfill;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Producers.Tests;

internal static class BackfillJobFixture
{
    public const long Jan1Ms = 1_735_689_600_000; // 2025-01-01T00:00:00Z

    public static readonly VenueListings Listings = new([
        new InstrumentOptions
        {
            Exchange = "binance",
            Base = "BTC",
            Quote = "USDT",
            Intervals = ["1m"],
        },
    ]);

    public static readonly ConnectionOptions Fast = new() { RestRequestsPerSecond = 1000 };

    /// <summary>A job as the API requests it: one part, BTC/USDT's <paramref name="data"/> ("trades" or an interval).</summary>
    public static BackfillJob Job(string id, long fromMs, long toMs, string data)
    {
        var job = new BackfillJob
        {
            Id = id,
            FromUs = fromMs * 1000,
            ToUs = toMs * 1000,
            State = BackfillState.Requested,
            RequestedBy = "api",
        };
        job.Parts.Add(
            new BackfillPart
            {
                Instrument = Listings.All[0].Instrument,
                Data = data,
                State = BackfillState.Requested,
                CursorUs = job.FromUs,
            }
        );
        return job;
    }

    public static BackfillJobRunner Runner(
        TestKafka kafka,
        TopicPublisher publisher,
        FakeExchangeServer server,
        TimeProvider? clock = null,
        BackfillJobOwnership? ownership = null
    ) =>
        new(
            kafka.Settings,
            publisher,
            Fast,
            Listings,
            NullLoggerFactory.Instance,
            _ => new VenueEndpoints(server.WebSocketBase, server.RestBase),
            clock,
            ownership: ownership
        );

    public static async Task<BackfillJob> FinishedAsync(BackfillJobRunner runner, string id, string? what = null) =>
        (
            await Eventually.GetAsync(
                () => Task.FromResult(runner.Jobs.TryGet(id, out var j) ? j : null),
                j => j is not null && BackfillJobRunner.IsDone(j.State),
                TimeSpan.FromSeconds(60),
                what ?? $"job {id} to finish"
            )
        )!;

    /// <summary>One row of Binance's /api/v3/klines for the minute opening at <paramref name="openMs"/>.</summary>
    public static string KlineRow(long openMs) =>
        $"""
            [{openMs},"93000.10","93010.00","92990.00","93005.50","1.50000000",{openMs + 59_999},
            "139508.25000000",42,"0.70000000","65103.85000000","0"]
            """;
}
