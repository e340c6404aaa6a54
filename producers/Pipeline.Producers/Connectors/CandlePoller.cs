// One listing of a polled venue (no stream, e.g. Yahoo's minute bars): asks the venue's REST history for the bars closed
// since the newest one published, only while its market is in session, and sleeps on the given clock until the next bar
// has closed or the next session opens. Each bar is queued once: only bars newer than the newest published one pass.
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Resilience;
using Pipeline.Producers.Venues;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Polly.CircuitBreaker;

namespace Pipeline.Producers.Connectors;

public sealed class CandlePoller(
    IPolledVenue venue,
    IVenueHistory history,
    VenueListing listing,
    RecordQueue queue,
    ConnectionOptions options,
    TimeProvider clock,
    ILogger log
)
{
    // How far back the first poll of a listing without a resume point reaches (the previous session is then fetched too).
    private static readonly long FirstLookbackUs = 86_400_000_000L;
    private long? _newestUs;
    private long _sleepingUntilUs;
    private long _polls;

    public VenueListing Listing => listing;
    public ConnectionStats Stats { get; } = new(venue.Name);

    /// <summary>Requests made to the venue (a window with no session costs none).</summary>
    public long Polls => Interlocked.Read(ref _polls);

    /// <summary>When the poller wakes next (µs since the epoch), 0 while it is polling.</summary>
    public long SleepingUntilUs => Interlocked.Read(ref _sleepingUntilUs);

    /// <summary>Why polling this listing stopped for good (a symbol the venue does not know), or null.</summary>
    public string? StoppedReason { get; private set; }

    /// <summary>Open time of the newest bar queued (or resumed from), if any.</summary>
    public long? NewestUs => _newestUs;

    /// <summary>Continues after a bar an earlier run published (read back from candles.exchange.raw).</summary>
    public void ResumeAfter(long openTimeUs) => _newestUs = openTimeUs;

    public async Task RunAsync(CancellationToken ct)
    {
        var interval = CandleInterval.Parse(venue.PolledInterval);
        var settleUs = (long)venue.Settle.TotalMicroseconds;
        var pollUs = (long)options.PollInterval.TotalMicroseconds;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var nowUs = UnixMicros.FromDateTimeOffset(clock.GetUtcNow());
            // Bars opening before this have ended at least Settle ago: complete.
            var dueUs = interval.OpenTimeOf(nowUs - settleUs);
            long wakeUs;
            try
            {
                await PollAsync(interval, dueUs, nowUs, ct);
                failures = 0;
                // The next bar to complete is the first one in session from dueUs on: at night, at weekends and on
                // holidays that is the next session's first bar, so no request is made while the market is closed.
                var nextOpenUs = venue.Calendar.NextOpenAtOrAfter(dueUs);
                wakeUs = Math.Max(nextOpenUs + interval.DurationUs + settleUs, nowUs + pollUs);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or VenueRequestException { Transient: false })
            {
                // A wrong symbol or a listing the venue cannot serve: one line, this listing stops, the others go on
                // (returning would end the whole live feed, which stops when any of its listings ends).
                Stats.Unfilled();
                StoppedReason = e.Message;
                log.LogError("{Key}: polling {Exchange} stopped: {Message}", listing.Instrument.Key, venue.Name, e.Message);
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, clock, ct);
                }
                catch (OperationCanceledException) { }
                return;
            }
            catch (Exception e)
                when (e
                        is VenueRequestException
                            or HttpRequestException
                            or BrokenCircuitException
                            or IOException
                            or TaskCanceledException
                            or JsonException
                            or FormatException
                            or TimeoutException
                )
            {
                // The venue's own retries (with Retry-After and backoff) are spent: wait longer, then ask again from the
                // same bar, so nothing is skipped.
                if (e is JsonException or FormatException)
                    Stats.Malformed();
                failures++;
                var wait = Backoff.Delay(failures, options.PollInterval, TimeSpan.FromMinutes(15));
                log.LogWarning(
                    "{Key}: polling {Exchange} failed ({Message}); next attempt in {Wait}",
                    listing.Instrument.Key,
                    venue.Name,
                    e.Message,
                    wait
                );
                wakeUs = nowUs + (long)wait.TotalMicroseconds;
            }
            // The timer exists before the wake-up time is shown, so whoever moves the clock to it (a test) wakes this poller.
            var untilUs = Math.Max(0, wakeUs - UnixMicros.FromDateTimeOffset(clock.GetUtcNow()));
            var sleep = Task.Delay(TimeSpan.FromMicroseconds(untilUs), clock, ct);
            Interlocked.Exchange(ref _sleepingUntilUs, wakeUs);
            try
            {
                await sleep;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Interlocked.Exchange(ref _sleepingUntilUs, 0);
        }
    }

    /// <summary>Fetches the bars after the newest published one up to <paramref name="dueUs"/> and queues the new ones.</summary>
    private async Task PollAsync(CandleInterval interval, long dueUs, long nowUs, CancellationToken ct)
    {
        // From just after the newest bar: a minute the venue fills in late is still fetched while no later bar was published.
        var fromUs = _newestUs is { } newest ? newest + interval.DurationUs : dueUs - FirstLookbackUs;
        fromUs = Math.Max(fromUs, nowUs - venue.HistoryDepthUs(interval.DurationUs, nowUs));
        if (fromUs >= dueUs || venue.Calendar.NextOpenAtOrAfter(fromUs) >= dueUs)
            return;
        Interlocked.Increment(ref _polls);
        Stats.Frame();
        await foreach (var page in history.CandlePagesAsync(listing, interval.Name, fromUs, dueUs, ct))
        {
            foreach (var candle in page.OrderBy(c => c.OpenTimeUs))
            {
                // Answers overlap (a venue may send more than asked): a bar at or before the newest one was sent already.
                if (_newestUs is { } last && candle.OpenTimeUs <= last)
                {
                    Stats.Duplicate();
                    continue;
                }
                candle.Origin = Origin.Live;
                await queue.EnqueueAsync(candle, ct);
                _newestUs = candle.OpenTimeUs;
                Stats.Candle();
            }
        }
    }
}
