// Runs backfill jobs from the compacted backfill.jobs topic (asked for by POST /backfills or by the catch-up): each part
// pages a venue's REST history into the raw topics and writes its resume point back to the job's record after every page
// Kafka has acknowledged, so a restarted producers role continues every unfinished job where it stopped.
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Polly.CircuitBreaker;

namespace Pipeline.Producers.Backfill;

public sealed class BackfillJobRunner : IDisposable
{
    public const string TradesPart = "trades";

    private readonly TopicPublisher _publisher;
    private readonly ConnectionOptions _connections;
    private readonly Func<IVenue, VenueEndpoints> _endpoints;
    private readonly VenueListings _listings;
    private readonly VenueRegistry _venues;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Dictionary<string, (VenueGuard Guard, IVenueHistory History)> _histories = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly BackfillJobOwnership? _ownership;

    public BackfillJobRunner(
        KafkaClientSettings kafka,
        TopicPublisher publisher,
        ConnectionOptions connections,
        VenueListings listings,
        ILoggerFactory loggers,
        Func<IVenue, VenueEndpoints>? endpoints = null,
        TimeProvider? clock = null,
        HttpClient? http = null,
        VenueRegistry? venues = null,
        BackfillJobOwnership? ownership = null
    )
    {
        _ownership = ownership;
        _publisher = publisher;
        _connections = connections;
        _listings = listings;
        _venues = venues ?? VenueRegistry.Default;
        _endpoints = endpoints ?? (v => v.Endpoints);
        _clock = clock ?? TimeProvider.System;
        _log = loggers.CreateLogger<BackfillJobRunner>();
        _ownsHttp = http is null;
        _http =
            http
            ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { { "User-Agent", "market-data-pipeline" } } };
        Jobs = new TopicTable<BackfillJob>(kafka, TopicCatalog.BackfillJobs, _log)
        {
            Changed = (_, _) => Wake(),
            Supersedes = (held, read) => read.UpdatedAtUs >= held.UpdatedAtUs,
        };
        Coverage = new TopicTable<VenueCoverage>(kafka, TopicCatalog.VenueCoverage, _log)
        {
            Supersedes = (held, read) => read.UpdatedAtUs >= held.UpdatedAtUs,
        };
    }

    public TopicTable<BackfillJob> Jobs { get; }
    public TopicTable<VenueCoverage> Coverage { get; }

    /// <summary>Key of an instrument's and interval's record on venue.coverage.</summary>
    public static string CoverageKey(InstrumentRef instrument, string interval) => $"{instrument.Key}|{interval}";

    public static bool IsDone(BackfillState state) => state is BackfillState.Succeeded or BackfillState.Failed;

    /// <summary>Jobs this runner has started or resumed (a test of ownership counts them).</summary>
    public int JobRuns { get; private set; }

    /// <summary>Reads both tables, then, while this process owns the jobs (always, without an ownership), runs unfinished
    /// jobs one at a time, oldest request first, until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var readers = new[] { Jobs.RunAsync(ct), Coverage.RunAsync(ct), _ownership?.RunAsync(ct) ?? Task.CompletedTask };
        try
        {
            await Task.WhenAll(Jobs.CaughtUp, Coverage.CaughtUp).WaitAsync(ct);
            _log.LogInformation(
                "Backfill jobs: {Count} known, {Open} unfinished",
                Jobs.Snapshot().Count,
                Jobs.Snapshot().Count(j => !IsDone(j.Value.State))
            );
            while (!ct.IsCancellationRequested)
            {
                var owned = _ownership is null ? ct : await _ownership.WaitOwnedAsync(ct);
                using var running = CancellationTokenSource.CreateLinkedTokenSource(ct, owned);
                try
                {
                    var next = Jobs.Snapshot()
                        .Select(j => j.Value)
                        .Where(j => !IsDone(j.State))
                        .OrderBy(j => j.RequestedAtUs)
                        .ThenBy(j => j.Id, StringComparer.Ordinal)
                        .FirstOrDefault();
                    if (next is null)
                    {
                        await _wake.WaitAsync(running.Token);
                        continue;
                    }
                    JobRuns++;
                    await RunJobAsync(next.Clone(), running.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // Ownership moved to another process: it resumes the job from the last acknowledged cursor on its record.
                    _log.LogInformation("Backfill jobs handed to another producers process");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: an unfinished job keeps its last acknowledged resume point and continues at the next start.
        }
        await Task.WhenAll(readers);
    }

    /// <summary>Asks for a catch-up at once and then every Backfill:CatchUpEvery, unless one is still unfinished (a
    /// catch-up interrupted by a restart is resumed by <see cref="RunAsync"/> instead).</summary>
    public async Task ScheduleCatchUpAsync(BackfillOptions options, CancellationToken ct)
    {
        var every = TwapOptions.ParseInterval(options.CatchUpEvery);
        try
        {
            await Task.WhenAll(Jobs.CaughtUp, Coverage.CaughtUp).WaitAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                // Only the process that runs the jobs asks for catch-ups (one per period, not one per process).
                if (_ownership is not null)
                    await _ownership.WaitOwnedAsync(ct);
                var open = Jobs.Snapshot().Any(j => j.Value.RequestedBy == "catch-up" && !IsDone(j.Value.State));
                if (!open && CatchUpJob(options) is { } job)
                {
                    _log.LogInformation("Catch-up {Id}: {Parts} listings and intervals", job.Id, job.Parts.Count);
                    await PublishAsync(job, ct);
                }
                await Task.Delay(every, _clock, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    /// <summary>Publishes a job record (a new request or a progress update) and waits until Kafka has it.</summary>
    public async Task PublishAsync(BackfillJob job, CancellationToken ct)
    {
        // Strictly increasing per job, so a reader can tell this record from an older one read back late.
        job.UpdatedAtUs = Math.Max(NowUs(), job.UpdatedAtUs + 1);
        await _publisher.PublishAsync(TopicCatalog.BackfillJobs.Name, job.Id, job, ct);
        await _publisher.FlushAsync(ct);
        Jobs.Remember(job.Id, job.Clone());
    }

    /// <summary>The catch-up for every configured live listing and candle interval its venue serves: from where the last
    /// catch-up ended (venue.coverage) or the configured start, to the last closed interval. Null when nothing is due.</summary>
    public BackfillJob? CatchUpJob(BackfillOptions options)
    {
        var nowUs = NowUs();
        nowUs -= nowUs % 60_000_000;
        var (days, dateUs) = options.Start();
        var job = new BackfillJob
        {
            Id = $"catch-up-{new UnixMicros(nowUs).ToDateTimeOffset():yyyyMMdd'T'HHmm'Z'}",
            ToUs = nowUs,
            State = BackfillState.Requested,
            RequestedAtUs = nowUs,
            RequestedBy = "catch-up",
        };
        foreach (var listing in _listings.All)
        {
            if (!_venues.TryGet(listing.Instrument.Exchange, out var venue))
                continue;
            foreach (var name in listing.Intervals.Where(venue.CandleIntervals.Contains))
            {
                var interval = CandleInterval.Parse(name);
                var through =
                    Coverage.TryGet(CoverageKey(listing.Instrument, name), out var c) ? c.ThroughUs
                    : days is { } d ? nowUs - d * 86_400_000_000L
                    : dateUs ?? nowUs - venue.HistoryDepthUs(interval.DurationUs, nowUs);
                through = interval.FirstOpenAtOrAfter(through);
                if (through >= interval.OpenTimeOf(nowUs))
                    continue;
                job.Parts.Add(
                    new BackfillPart
                    {
                        Instrument = listing.Instrument,
                        Data = name,
                        State = BackfillState.Requested,
                        CursorUs = through,
                    }
                );
            }
        }
        if (job.Parts.Count == 0)
            return null;
        job.FromUs = job.Parts.Min(p => p.CursorUs);
        return job;
    }

    private async Task RunJobAsync(BackfillJob job, CancellationToken ct)
    {
        _log.LogInformation(
            "Backfill job {Id}: {Parts} parts from {From:O} to {To:O}",
            job.Id,
            job.Parts.Count,
            new UnixMicros(job.FromUs).ToDateTimeOffset(),
            new UnixMicros(job.ToUs).ToDateTimeOffset()
        );
        job.State = BackfillState.Running;
        await PublishAsync(job, ct);
        foreach (var part in job.Parts.Where(p => !IsDone(p.State)))
        {
            try
            {
                await RunPartAsync(job, part, ct);
                part.State = BackfillState.Succeeded;
                part.CursorUs = Math.Max(part.CursorUs, job.ToUs);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && Failure(e) is { } reason)
            {
                part.State = BackfillState.Failed;
                part.Error = reason;
                _log.LogWarning("Backfill job {Id}: {Instrument} {Data} failed: {Reason}", job.Id, part.Instrument.Key, part.Data, reason);
            }
            await RecordCoverageAsync(job, part, ct);
            await PublishAsync(job, ct);
        }
        job.State = job.Parts.Any(p => p.State == BackfillState.Failed) ? BackfillState.Failed : BackfillState.Succeeded;
        await PublishAsync(job, ct);
        _log.LogInformation("Backfill job {Id} {State}: {Rows} rows", job.Id, job.State, job.Parts.Sum(p => p.Rows));
    }

    private async Task RunPartAsync(BackfillJob job, BackfillPart part, CancellationToken ct)
    {
        var listing =
            _listings.All.FirstOrDefault(l => l.Instrument.Key == part.Instrument.Key)
            ?? throw new InvalidRequestException(
                $"{part.Instrument.Key} is not a configured instrument of the producers (config/instruments.yaml)"
            );
        if (!_venues.TryGet(listing.Instrument.Exchange, out var venue))
            throw new InvalidRequestException($"{listing.Instrument.Exchange} has no REST history (simulated feed)");
        var history = History(venue);
        part.State = BackfillState.Running;
        if (part.CursorUs < job.FromUs)
            part.CursorUs = job.FromUs;
        if (part.Data == TradesPart)
        {
            await foreach (var page in history.TradePagesAsync(listing, part.CursorUs, job.ToUs, ct))
            {
                foreach (var trade in page)
                    await _publisher.PublishAsync(trade, ct);
                // Resume at the newest trade's own time: trades of the same microsecond may straddle pages, so a restart
                // repeats them (dropped by id downstream) rather than skipping any.
                var cursor = page.Count > 0 ? page.Max(t => t.EventTimeUs) : part.CursorUs;
                await PageDoneAsync(job, part, page.Count, Math.Max(part.CursorUs, cursor), ct);
            }
            return;
        }
        var interval = CandleInterval.TryParse(part.Data, out var iv)
            ? iv
            : throw new InvalidRequestException($"'{part.Data}' is neither trades nor a candle interval");
        // The next open time the venue should have a candle for: a later one reveals a venue gap before it.
        var expected = interval.FirstOpenAtOrAfter(part.CursorUs);
        await foreach (var page in history.CandlePagesAsync(listing, part.Data, part.CursorUs, job.ToUs, ct))
        {
            foreach (var candle in page.OrderBy(c => c.OpenTimeUs))
            {
                if (candle.OpenTimeUs > expected)
                    AddGap(part.VenueGaps, expected, candle.OpenTimeUs);
                expected = Math.Max(expected, candle.CloseTimeUs);
                await _publisher.PublishAsync(candle, ct);
            }
            await PageDoneAsync(job, part, page.Count, page.Count > 0 ? expected : part.CursorUs, ct);
        }
    }

    private async Task PageDoneAsync(BackfillJob job, BackfillPart part, int rows, long cursorUs, CancellationToken ct)
    {
        // The resume point moves only after Kafka has acknowledged the page: a crash repeats at most one page, skips none.
        await _publisher.FlushAsync(ct);
        part.Pages++;
        part.Rows += rows;
        part.CursorUs = cursorUs;
        var fraction = job.ToUs <= job.FromUs ? 1 : Math.Clamp((double)(cursorUs - job.FromUs) / (job.ToUs - job.FromUs), 0, 1);
        BackfillMetrics.Record(part.Instrument.Key, part.Data, fraction, rows);
        await PublishAsync(job, ct);
    }

    /// <summary>Venue gaps found by any candle part go to venue.coverage (for /coverage); a catch-up part also moves the
    /// instrument's "fetched through" mark, so the next catch-up starts there and the gaps are not fetched again.</summary>
    private async Task RecordCoverageAsync(BackfillJob job, BackfillPart part, CancellationToken ct)
    {
        if (part.Data == TradesPart || !CandleInterval.TryParse(part.Data, out var interval))
            return;
        var key = CoverageKey(part.Instrument, part.Data);
        var coverage = Coverage.TryGet(key, out var c)
            ? c.Clone()
            : new VenueCoverage { Instrument = part.Instrument, Interval = part.Data };
        var changed = false;
        foreach (var gap in part.VenueGaps)
            if (!coverage.VenueGaps.Any(g => g.FromUs <= gap.FromUs && g.ToUs >= gap.ToUs))
            {
                AddGap(coverage.VenueGaps, gap.FromUs, gap.ToUs);
                changed = true;
            }
        if (job.RequestedBy == "catch-up" && part.State == BackfillState.Succeeded)
        {
            var through = interval.OpenTimeOf(Math.Min(job.ToUs, NowUs()));
            if (through > coverage.ThroughUs)
            {
                coverage.ThroughUs = through;
                changed = true;
            }
        }
        if (!changed)
            return;
        coverage.UpdatedAtUs = Math.Max(NowUs(), coverage.UpdatedAtUs + 1);
        await _publisher.PublishAsync(TopicCatalog.VenueCoverage.Name, key, coverage, ct);
        await _publisher.FlushAsync(ct);
        Coverage.Remember(key, coverage);
    }

    /// <summary>Adds [from, to) to the ranges, merged with one it touches, kept in time order.</summary>
    private static void AddGap(Google.Protobuf.Collections.RepeatedField<TimeRange> gaps, long fromUs, long toUs)
    {
        var ranges = gaps.Select(g => (g.FromUs, g.ToUs)).Append((fromUs, toUs)).OrderBy(r => r.Item1).ToList();
        var merged = new List<(long From, long To)>();
        foreach (var (f, t) in ranges)
        {
            if (merged.Count > 0 && f <= merged[^1].To)
                merged[^1] = (merged[^1].From, Math.Max(merged[^1].To, t));
            else
                merged.Add((f, t));
        }
        gaps.Clear();
        gaps.AddRange(merged.Select(m => new TimeRange { FromUs = m.From, ToUs = m.To }));
    }

    /// <summary>Why a part stops for good, or null for a bug (which keeps its stack trace).</summary>
    private static string? Failure(Exception e) =>
        e switch
        {
            NotSupportedException or InvalidRequestException or TradeHistoryLimitException or FormatException => e.Message,
            VenueRequestException { Transient: false } => e.Message,
            VenueRequestException or HttpRequestException or BrokenCircuitException or IOException or TaskCanceledException =>
                $"the venue could not be reached after retries ({e.Message}); the next catch-up or a new request tries again",
            _ => null,
        };

    private IVenueHistory History(IVenue venue)
    {
        lock (_histories)
        {
            if (_histories.TryGetValue(venue.Name, out var h))
                return h.History;
            var guard = new VenueGuard(venue, _connections);
            var history = venue.CreateHistory(new VenueHttp(_http, guard, _log), _endpoints(venue).Rest);
            _histories[venue.Name] = (guard, history);
            return history;
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
            _wake.Release();
    }

    private long NowUs() => UnixMicros.FromDateTimeOffset(_clock.GetUtcNow());

    public void Dispose()
    {
        foreach (var (guard, _) in _histories.Values)
            guard.Dispose();
        if (_ownsHttp)
            _http.Dispose();
        _wake.Dispose();
    }
}
