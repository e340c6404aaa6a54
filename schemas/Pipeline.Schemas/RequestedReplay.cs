// A replay asked for through the API (POST /replays), as published on the catalog topic replay.requests (key: the
// version name) and run by the replay worker. JSON, so the API and the worker share it without sharing code.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Schemas;

public sealed record RequestedReplay
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The new version's name (a valid <see cref="DataVersion"/>).</summary>
    public required string Version { get; init; }

    /// <summary>Exchange-time range [FromUs, ToUs) in microseconds since the epoch; ToUs fixed when the request was made.</summary>
    public required long FromUs { get; init; }
    public required long ToUs { get; init; }

    /// <summary>Instrument keys (exchange:BASE/QUOTE:market); empty = every configured instrument.</summary>
    public IReadOnlyList<string> Instruments { get; init; } = [];

    /// <summary>Interval names; empty = all.</summary>
    public IReadOnlyList<string> Intervals { get; init; } = [];

    /// <summary>Indicators to compute instead of the configured set, e.g. rsi(21); empty = the live set.</summary>
    public IReadOnlyList<string> Indicators { get; init; } = [];
    public int? AllowedLatenessMs { get; init; }
    public int? RevisionHorizonMs { get; init; }

    /// <summary>Validate again from trades.raw instead of reading trades.valid.</summary>
    public bool Revalidate { get; init; }
    public long RequestedAtUs { get; init; }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <exception cref="JsonException">The bytes are not a request.</exception>
    public static RequestedReplay FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<RequestedReplay>(json, Json) ?? throw new JsonException("the request is null");
}
