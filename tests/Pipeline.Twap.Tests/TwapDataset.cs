// Deterministic TWAP histories for tests: a few wallets, TWAPs that activate in one hour and finish (or are
// terminated or fail) in a later one, so an object holds updates of TWAPs that started in earlier objects.
using System.Globalization;

namespace Pipeline.Twap.Tests;

public static class TwapDataset
{
    public static readonly DateTime Start = new(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly string[] Coins = ["BTC", "ETH", "SOL", "HYPE", "@107"];

    /// <summary>Wallet addresses; the first is written in mixed case in the files (the pipeline lower-cases it).</summary>
    public static IReadOnlyList<string> Wallets { get; } =
        Enumerable
            .Range(0, 5)
            .Select(i => "0x" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([(byte)i]))[..40])
            .Select((w, i) => i == 0 ? "0x" + w[2..].ToUpperInvariant()[..20] + w[22..] : w)
            .ToList();

    /// <summary>Status rows grouped by the hour (object) they fall in: <paramref name="twaps"/> TWAPs starting across
    /// <paramref name="hours"/> hours, first id <paramref name="firstId"/>.</summary>
    public static List<List<TwapStatusRow>> Hours(int hours, int twaps, int seed = 7, long firstId = 100_000)
    {
        var random = new Random(seed);
        var byHour = Enumerable.Range(0, hours).Select(_ => new List<TwapStatusRow>()).ToList();
        for (var i = 0; i < twaps; i++)
        {
            var id = firstId + i;
            var user = Wallets[random.Next(Wallets.Count)];
            var coin = Coins[random.Next(Coins.Length)];
            var side = random.Next(2) == 0 ? "B" : "A";
            var minutes = random.Next(5, 240);
            var size = Math.Round((decimal)random.NextDouble() * 50 + 0.001m, random.Next(1, 8));
            var price = Math.Round((decimal)random.NextDouble() * 60_000 + 1, 2);
            var startHour = random.Next(Math.Max(1, hours - 1));
            // Nanosecond times with sub-microsecond digits: the pipeline keeps microseconds (truncated).
            long startNs = Ns(Start.AddHours(startHour)) + random.NextInt64(3_000_000_000_000) + random.Next(1000);
            var reduceOnly = random.Next(4) == 0;
            var randomize = random.Next(2) == 0;
            var placedMs = startNs / 1_000_000 - random.Next(5000);
            void Add(long ns, string status, decimal executed)
            {
                var hour = (int)((ns - Ns(Start)) / 3_600_000_000_000);
                if (hour >= hours)
                    return; // beyond the last object: not published yet
                byHour[hour]
                    .Add(
                        new TwapStatusRow(
                            id,
                            user,
                            ns,
                            status,
                            coin,
                            side,
                            Text(size),
                            Text(executed),
                            Text(executed * price),
                            minutes,
                            reduceOnly,
                            randomize,
                            placedMs
                        )
                    );
            }
            Add(startNs, "activated", 0m);
            var endNs = startNs + (long)minutes * 60_000_000_000 / (random.Next(3) + 1);
            switch (random.Next(4))
            {
                case 0:
                    Add(endNs, "terminated", Math.Round(size * (decimal)random.NextDouble(), 8));
                    break;
                case 1:
                    Add(endNs, "error: Insufficient margin to place order", 0m);
                    break;
                default:
                    Add(endNs, "finished", size);
                    break;
            }
        }
        foreach (var h in byHour)
            h.Sort((a, b) => a.TimeNs.CompareTo(b.TimeNs));
        return byHour;
    }

    public static long Ns(DateTime t) => (t - DateTime.UnixEpoch).Ticks * 100;

    public static string Text(decimal d) => d.ToString(CultureInfo.InvariantCulture);

    public static string Key(int hour) => $"raw/twap_statuses/{Start.AddHours(hour):yyyy-MM-dd}/{Start.AddHours(hour):HH}.parquet";
}
