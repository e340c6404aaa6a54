// POST /backfills (X-API-Key, checked by ApiKeyGate) asks the producers for a backfill job by writing it to the backfill.jobs
// topic; GET /backfills/{id} answers the job's latest record there. Both roles meet only in that topic.
using System.Text.Json;
using Pipeline.Api.Answers;
using Pipeline.Plumbing;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Api.Backfills;

public static class BackfillEndpoints
{
    public const int MaxInstruments = 100;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Map(WebApplication app)
    {
        var group = app.MapGroup("").WithTags("backfills");
        group
            .MapPost("/backfills", RequestAsync)
            .WithSummary("Start a backfill job: venue candles and/or trades of configured instruments over a time range (needs X-API-Key)")
            .Accepts<BackfillAsk>("application/json")
            .Produces<BackfillAnswer>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group
            .MapGet("/backfills/{id}", Get)
            .WithSummary("A backfill job's state and the progress of each part")
            .Produces<BackfillAnswer>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> RequestAsync(
        HttpContext http,
        PipelineContext context,
        BackfillDirectory directory,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        BackfillAsk? ask;
        try
        {
            ask = await JsonSerializer.DeserializeAsync<BackfillAsk>(http.Request.Body, Json, ct);
        }
        catch (JsonException e)
        {
            throw new ApiProblem(
                StatusCodes.Status400BadRequest,
                "invalid body",
                $"the body is not a backfill request ({e.Message}); send e.g. "
                    + $"{{\"instruments\":[\"binance:BTC/USDT:spot\"],\"start\":\"2024-01-01\",\"intervals\":[\"1m\"]}}"
            );
        }
        if (ask is null)
            throw ApiProblem.BadParameter("body", "send a JSON object with instruments, start and intervals or trades");
        var job = Validate(ask, context, UnixMicros.FromDateTimeOffset(clock.GetUtcNow()));
        await RequireCaughtUpAsync(directory, ct);
        await directory.RequestAsync(job, ct);
        return Results.Json(Answer(job), Json, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Get(string id, BackfillDirectory directory, CancellationToken ct)
    {
        await RequireCaughtUpAsync(directory, ct);
        return directory.Jobs.TryGet(id, out var job)
            ? Results.Json(Answer(job), Json)
            : throw ApiProblem.NotFound($"no backfill job '{id}'; POST /backfills answers the id of a new one");
    }

    /// <summary>Until the API has read the jobs topic once it cannot tell an unknown id from one not read yet.</summary>
    private static async Task RequireCaughtUpAsync(BackfillDirectory directory, CancellationToken ct)
    {
        try
        {
            await directory.Jobs.CaughtUp.WaitAsync(TimeSpan.FromSeconds(5), ct);
        }
        catch (TimeoutException)
        {
            throw new ApiProblem(
                StatusCodes.Status503ServiceUnavailable,
                "backfill jobs unavailable",
                "the backfill.jobs topic has not been read yet (is Kafka reachable? GET /ready); retry in a few seconds"
            );
        }
    }

    internal static BackfillJob Validate(BackfillAsk ask, PipelineContext context, long nowUs)
    {
        var configured = context
            .Options.Instruments.Select(i => i.ToInstrumentRef())
            .Where(r => r.Exchange != "sim")
            .ToDictionary(r => r.Key, StringComparer.OrdinalIgnoreCase);
        if (ask.Instruments is not { Count: > 0 } keys)
            throw ApiProblem.BadParameter("instruments", "give at least one instrument key, e.g. [\"binance:BTC/USDT:spot\"]");
        if (keys.Count > MaxInstruments)
            throw ApiProblem.BadParameter("instruments", $"{keys.Count} instruments; at most {MaxInstruments} per job");
        var instruments = new List<InstrumentRef>();
        foreach (var key in keys.Distinct(StringComparer.OrdinalIgnoreCase))
            instruments.Add(
                configured.TryGetValue(key ?? "", out var r)
                    ? r
                    : throw ApiProblem.BadParameter(
                        "instruments",
                        $"'{key}' is not a configured instrument on a real venue; configured: " + string.Join(", ", configured.Keys.Order())
                    )
            );
        if (!UnixMicros.TryParseIso(ask.Start, out var start))
            throw ApiProblem.BadParameter(
                "start",
                $"start '{ask.Start}' is not an ISO-8601 UTC time, e.g. 2024-01-01 or 2024-01-01T12:00:00Z"
            );
        long end = nowUs - nowUs % 60_000_000;
        if (ask.End is not null)
        {
            if (!UnixMicros.TryParseIso(ask.End, out var e))
                throw ApiProblem.BadParameter("end", $"end '{ask.End}' is not an ISO-8601 UTC time, e.g. 2024-01-02");
            if (e.Value > nowUs)
                throw ApiProblem.BadParameter("end", $"end {ApiTime.Format(e.Value)} is in the future; history ends now");
            end = e.Value;
        }
        if (start.Value >= end)
            throw ApiProblem.BadParameter(
                "start",
                $"the range is empty: start {ApiTime.Format(start.Value)} is not before end {ApiTime.Format(end)}"
            );
        if (start.Value < new DateTimeOffset(2009, 1, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000)
            throw ApiProblem.BadParameter("start", $"start {ApiTime.Format(start.Value)} is before any venue's history");
        var intervals = ask.Intervals ?? (ask.Trades == true ? [] : ["1m"]);
        foreach (var i in intervals)
            if (!CandleInterval.TryParse(i, out _))
                throw ApiProblem.BadParameter("intervals", $"interval '{i}' is not one of {string.Join(", ", CandleInterval.Names)}");
        if (intervals.Count == 0 && ask.Trades != true)
            throw ApiProblem.BadParameter("intervals", "nothing to fetch: give intervals, trades: true, or both");
        var job = new BackfillJob
        {
            Id = Guid.NewGuid().ToString("N"),
            FromUs = start.Value,
            ToUs = end,
            State = BackfillState.Requested,
            RequestedAtUs = nowUs,
            UpdatedAtUs = nowUs,
            RequestedBy = "api",
        };
        var data = intervals.Distinct().ToList();
        if (ask.Trades == true)
            data.Add("trades");
        foreach (var instrument in instruments)
        foreach (var d in data)
            job.Parts.Add(
                new BackfillPart
                {
                    Instrument = instrument,
                    Data = d,
                    State = BackfillState.Requested,
                    CursorUs = start.Value,
                }
            );
        return job;
    }

    internal static BackfillAnswer Answer(BackfillJob job)
    {
        double Progress(long cursor) =>
            job.ToUs <= job.FromUs ? 1 : Math.Clamp((double)(cursor - job.FromUs) / (job.ToUs - job.FromUs), 0, 1);
        var parts = job
            .Parts.Select(p => new BackfillPartRow(
                p.Instrument.Key,
                p.Data,
                State(p.State),
                ApiTime.Format(p.CursorUs),
                p.Rows,
                p.Pages,
                p.State == BackfillState.Succeeded ? 1 : Progress(p.CursorUs),
                p.Error.Length > 0 ? p.Error : null,
                p.VenueGaps.Select(g => new BackfillGapRow(ApiTime.Format(g.FromUs), ApiTime.Format(g.ToUs))).ToList()
            ))
            .ToList();
        return new BackfillAnswer(
            job.Id,
            State(job.State),
            job.RequestedBy,
            ApiTime.Format(job.FromUs),
            ApiTime.Format(job.ToUs),
            ApiTime.Format(job.RequestedAtUs),
            ApiTime.Format(job.UpdatedAtUs),
            parts.Count == 0 ? 1 : parts.Average(p => p.Progress),
            parts
        );
    }

    private static string State(BackfillState state) =>
        state switch
        {
            BackfillState.Requested => "requested",
            BackfillState.Running => "running",
            BackfillState.Succeeded => "succeeded",
            BackfillState.Failed => "failed",
            _ => "unknown",
        };
}
