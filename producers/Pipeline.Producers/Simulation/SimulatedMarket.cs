// The simulated feed: every configured instrument on venue "sim" trades on its own seeded random walk.
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers.Publishing;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Simulation;

public sealed class SimulatedMarket
{
    /// <summary>The only venue simulated data may carry, so it can never mix with a real exchange's data.</summary>
    public const string Venue = "sim";

    private static readonly TimeSpan TickLength = TimeSpan.FromMilliseconds(100);
    private readonly SimulatorOptions _options;
    private readonly ILogger _log;

    public SimulatedMarket(SimulatorOptions options, IEnumerable<InstrumentOptions> instruments, ILogger log, long? firstTradeId = null)
    {
        _options = options;
        _log = log;
        // Ids start at the current time in µs so a restarted simulator never reuses ids (downstream dedupes by id).
        var firstId = firstTradeId ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        Instruments = instruments
            .Where(i => string.Equals(i.Exchange, Venue, StringComparison.OrdinalIgnoreCase))
            .Select(
                (i, n) =>
                {
                    var r = i.ToInstrumentRef();
                    // Each instrument's stream depends only on the seed and its key, not on the order of the list.
                    return new SimulatedInstrument(r, i.Symbol ?? $"SIM-{r.Base}{r.Quote}", StableSeed(options.Seed, r.Key), firstId);
                }
            )
            .ToList();
    }

    public IReadOnlyList<SimulatedInstrument> Instruments { get; }

    /// <summary>Publishes trades with event time = now until cancelled.</summary>
    public async Task RunAsync(TopicPublisher publisher, CancellationToken ct)
    {
        if (Instruments.Count == 0)
        {
            _log.LogWarning("Simulator is enabled but no instrument is configured on venue '{Venue}'; nothing to simulate", Venue);
            return;
        }
        _log.LogInformation(
            "Simulating {Count} instruments ({Keys}) at ~{Rate} trades/s each, seed {Seed}",
            Instruments.Count,
            string.Join(", ", Instruments.Select(i => i.Instrument.Key)),
            _options.TradesPerSecond,
            _options.Seed
        );
        using var timer = new PeriodicTimer(TickLength);
        var clock = Stopwatch.StartNew();
        var last = clock.Elapsed;
        while (await timer.WaitForNextTickAsync(ct))
        {
            var now = clock.Elapsed;
            var seconds = (now - last).TotalSeconds;
            last = now;
            var nowUs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            foreach (var instrument in Instruments)
            {
                var count = instrument.TradesIn(seconds, _options.TradesPerSecond);
                for (var i = 0; i < count; i++)
                    // Trades drawn for one 100 ms tick get consecutive µs so their order is unambiguous.
                    await publisher.PublishAsync(instrument.Next(nowUs + i), ct);
            }
        }
    }

    private static int StableSeed(int seed, string key)
    {
        // string.GetHashCode is randomised per process; FNV-1a is not.
        var hash = 2166136261u ^ (uint)seed;
        foreach (var c in key)
            hash = (hash ^ c) * 16777619u;
        return (int)hash;
    }
}
