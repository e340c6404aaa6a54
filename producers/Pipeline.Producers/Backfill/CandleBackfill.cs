// `pipeline backfill`: pages a venue's candles into candles.exchange.raw, saving a resume point after each acknowledged page.
using Microsoft.Extensions.Logging;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;

namespace Pipeline.Producers.Backfill;

public sealed class CandleBackfill(IVenueHistory history, TopicPublisher publisher, BackfillCheckpoints checkpoints, ILogger log)
{
    public async Task<BackfillResult> RunAsync(BackfillRequest request, IProgress<BackfillProgress>? progress, CancellationToken ct)
    {
        progress = BackfillMetrics.Observing(request, progress);
        var resumeAt = checkpoints.Load(request.Key);
        var start = resumeAt ?? request.FromUs;
        if (resumeAt is not null)
            log.LogInformation("Resuming backfill {Key} at {Time:O}", request.Key, DateTimeOffset.FromUnixTimeMilliseconds(start / 1000));
        long pages = 0,
            rows = 0,
            cursor = start;
        progress?.Report(new(pages, rows, cursor, request.FromUs, request.ToUs));
        await foreach (var page in history.CandlePagesAsync(request.Listing, request.Interval, start, request.ToUs, ct))
        {
            foreach (var candle in page)
            {
                await publisher.PublishAsync(candle, ct);
                cursor = Math.Max(cursor, candle.CloseTimeUs);
            }
            // The resume point moves only after Kafka has acknowledged the page: a crash repeats at most one page
            // (harmless: candles are keyed by instrument, interval and open time downstream), and skips none.
            await publisher.FlushAsync(ct);
            pages++;
            rows += page.Count;
            if (page.Count > 0)
                checkpoints.Save(request.Key, cursor);
            progress?.Report(new(pages, rows, cursor, request.FromUs, request.ToUs));
        }
        checkpoints.Complete(request.Key);
        progress?.Report(new(pages, rows, request.ToUs, request.FromUs, request.ToUs));
        return new BackfillResult(pages, rows, start, resumeAt is not null);
    }
}
