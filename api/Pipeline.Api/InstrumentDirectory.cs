// Resolves the {exchange}/{base}/{quote}/{market} of a route to an instrument id. The API only reads the instruments
// table; the sink owns it (configured listings at its start, others when it stores their first record), so a miss
// re-reads it, at most every 500 ms.
using Npgsql;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public sealed class InstrumentDirectory(NpgsqlDataSource db)
{
    private volatile Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private DateTime _loadedAt = DateTime.MinValue;

    public async Task<(int Id, InstrumentRef Ref)> ResolveAsync(
        string exchange,
        string @base,
        string quote,
        string market,
        CancellationToken ct
    )
    {
        if (!InstrumentRef.TryParseMarket(market, out var marketType))
            throw ApiProblem.BadParameter("market", $"market '{market}' is not one of spot, perp, future");
        var r = InstrumentRef.Create(exchange, @base, quote, marketType);
        if (_ids.TryGetValue(r.Key, out var id))
            return (id, r);
        if (DateTime.UtcNow - _loadedAt > TimeSpan.FromMilliseconds(500))
            await ReloadAsync(ct);
        if (_ids.TryGetValue(r.Key, out id))
            return (id, r);
        throw ApiProblem.NotFound($"instrument {r.Key} is not registered; GET /instruments lists the known ones");
    }

    /// <summary>The instrument when its route segments are valid and it is already known, without asking PostgreSQL.</summary>
    public (int Id, InstrumentRef Ref)? TryResolveKnown(Queries.InstrumentPath path)
    {
        if (!InstrumentRef.TryParseMarket(path.Market, out var marketType))
            return null;
        var r = InstrumentRef.Create(path.Exchange, path.Base, path.Quote, marketType);
        return _ids.TryGetValue(r.Key, out var id) ? (id, r) : null;
    }

    private async Task ReloadAsync(CancellationToken ct)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var cmd = db.CreateCommand("SELECT id, exchange, base, quote, market FROM instruments");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            ids[$"{reader.GetString(1)}:{reader.GetString(2)}/{reader.GetString(3)}:{reader.GetString(4)}"] = reader.GetInt32(0);
        _ids = ids;
        _loadedAt = DateTime.UtcNow;
    }
}
