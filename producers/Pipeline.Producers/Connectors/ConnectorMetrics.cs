// Connector health per venue: connections up, reconnects, gaps found, filled and left unfilled, malformed frames.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipeline.Producers.Connectors;

internal static class ConnectorMetrics
{
    private static readonly Meter Meter = new("Pipeline.Producers.Connectors.Health");
    private static readonly ConcurrentDictionary<ConnectionStats, byte> Live = new();
    private static readonly Counter<long> Connects = Meter.CreateCounter<long>(
        "pipeline.connector.connects",
        "{connection}",
        "WebSocket connections opened (the first per listing, then reconnects), by venue"
    );
    private static readonly Counter<long> Gaps = Meter.CreateCounter<long>(
        "pipeline.connector.gaps",
        "{gap}",
        "Gaps found in a live trade stream, by venue"
    );
    private static readonly Counter<long> GapsUnfilled = Meter.CreateCounter<long>(
        "pipeline.connector.gaps.unfilled",
        "{gap}",
        "Gaps REST backfill could not fill completely, by venue"
    );
    private static readonly Counter<long> Backfilled = Meter.CreateCounter<long>(
        "pipeline.connector.backfilled",
        "{record}",
        "Records filled into gaps from REST, by venue"
    );
    private static readonly Counter<long> Malformed = Meter.CreateCounter<long>(
        "pipeline.connector.frames.malformed",
        "{frame}",
        "Frames that could not be parsed (skipped), by venue"
    );

    static ConnectorMetrics()
    {
        Meter.CreateObservableGauge(
            "pipeline.connector.connected",
            ObserveConnected,
            "{connection}",
            "Listings whose WebSocket is connected now, by venue"
        );
    }

    public static void Track(ConnectionStats stats) => Live[stats] = 0;

    public static void Connected(string venue) => Connects.Add(1, Venue(venue));

    public static void Gap(string venue) => Gaps.Add(1, Venue(venue));

    public static void Unfilled(string venue) => GapsUnfilled.Add(1, Venue(venue));

    public static void Backfill(string venue) => Backfilled.Add(1, Venue(venue));

    public static void MalformedFrame(string venue) => Malformed.Add(1, Venue(venue));

    private static KeyValuePair<string, object?> Venue(string venue) => new("venue", venue);

    private static IEnumerable<Measurement<int>> ObserveConnected() =>
        Live.Keys.GroupBy(s => s.Venue).Select(g => new Measurement<int>(g.Count(s => s.IsConnected), Venue(g.Key)));
}
