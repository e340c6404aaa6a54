// GET /versions, POST /replays and GET /replays/{id} (ADR 0006): the versions of the derived data, and replays asked
// for over HTTP. POST /replays checks the request like the CLI does, records the version as planned and publishes the
// request on replay.requests; the replay worker runs it and keeps data_versions up to date, which GET /replays/{id} reads.
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Pipeline.Api.Answers;
using Pipeline.Api.Queries;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Database;
using Pipeline.Schemas;

namespace Pipeline.Api;

public static class VersionEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var versions = app.MapGroup("")
            .WithTags("versions")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        versions
            .MapGet("/versions", ListAsync)
            .WithSummary("Every version of the derived data: range, configuration, state, progress, current");
        versions
            .MapGet("/replays/{id}", GetAsync)
            .WithSummary("A replay's state and progress (id = its version name)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        versions
            .MapPost("/replays", StartAsync)
            .WithSummary("Start a replay into a new version (X-API-Key); the replay worker runs it")
            .Accepts<ReplayRequestBody>("application/json")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<Ok<VersionList>> ListAsync(DataVersionStore store, CancellationToken ct)
    {
        var rows = await store.ListAsync(ct);
        return TypedResults.Ok(new VersionList(rows.Select(Answer).ToList(), new CountMetadata(rows.Count)));
    }

    private static async Task<Ok<VersionAnswer>> GetAsync(string id, DataVersionStore store, CancellationToken ct)
    {
        if (!DataVersion.TryParse(id, out var version, out var problem))
            throw ApiProblem.BadParameter("id", problem);
        var row =
            await store.FindAsync(version.Name, ct)
            ?? throw ApiProblem.NotFound($"no replay or version '{version}'; GET /versions lists them");
        return TypedResults.Ok(Answer(row));
    }

    private static async Task<Accepted<ReplayAccepted>> StartAsync(
        HttpContext http,
        DataVersionStore store,
        ReplayRequestPublisher publisher,
        PipelineContext context,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        if (http.Request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new ApiProblem(
                StatusCodes.Status415UnsupportedMediaType,
                "unsupported media type",
                $"send the replay as application/json, not {type}"
            );
        JsonElement body;
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct);
            body = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ApiProblem(
                StatusCodes.Status400BadRequest,
                "invalid request body",
                $"the body is not valid JSON ({e.Message}); send e.g. "
                    + $"{{\"version\": \"v2\", \"from\": \"2025-01-01T00:00:00Z\", \"to\": \"2025-01-02T00:00:00Z\"}}"
            );
        }
        var nowUs = ApiTime.ToMicroseconds(clock.GetUtcNow().UtcDateTime);
        var request = ReplayRequestCheck.Parse(body, context.Options.Instruments.Select(i => i.ToInstrumentRef().Key).ToHashSet(), nowUs);
        var configuration = JsonSerializer.Serialize(
            new
            {
                indicators = request.Indicators,
                allowed_lateness_ms = request.AllowedLatenessMs,
                revision_horizon_ms = request.RevisionHorizonMs,
                revalidate = request.Revalidate,
            }
        );
        var version = DataVersion.Parse(request.Version);
        if (
            !await store.TryPlanAsync(
                version,
                ApiTime.ToDateTime(request.FromUs),
                ApiTime.ToDateTime(request.ToUs),
                request.Instruments,
                request.Intervals,
                configuration,
                ct
            )
        )
            throw new ApiProblem(
                StatusCodes.Status409Conflict,
                "version exists",
                $"version '{version}' already exists; choose another name (GET /versions lists the used ones)"
            );
        try
        {
            await publisher.PublishAsync(request, ct);
        }
        catch (Exception e) when (e is Confluent.Kafka.KafkaException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            await store.ForgetPlannedAsync(version, CancellationToken.None);
            throw new ApiProblem(
                StatusCodes.Status503ServiceUnavailable,
                "Kafka unavailable",
                "the replay request could not be published to Kafka; nothing was started, retry in a few seconds (GET /ready "
                    + "shows the state)"
            );
        }
        var status = $"/replays/{version}";
        return TypedResults.Accepted(status, new ReplayAccepted(version.Name, DataVersionRow.Planned, status));
    }

    private static VersionAnswer Answer(DataVersionRow row)
    {
        using var configuration = JsonDocument.Parse(row.ConfigurationJson);
        return new VersionAnswer(
            row.Name,
            row.State,
            row.IsCurrent,
            row.RangeFrom is { } f ? ApiTime.Format(f) : null,
            row.RangeTo is { } t ? ApiTime.Format(t) : null,
            row.Instruments,
            row.Intervals,
            configuration.RootElement.Clone(),
            new VersionProgress(
                row.RecordsTotal,
                row.RecordsDone,
                row.RecordsTotal is > 0 and var total ? Math.Min(1.0, (double)row.RecordsDone / total)
                    : row.State == DataVersionRow.Complete ? 1.0
                    : null
            ),
            ApiTime.Format(row.CreatedAt),
            ApiTime.Format(row.UpdatedAt),
            row.CompletedAt is { } c ? ApiTime.Format(c) : null,
            row.Error
        );
    }
}
