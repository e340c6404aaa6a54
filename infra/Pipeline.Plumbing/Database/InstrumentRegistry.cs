// Writes the configured listings (venue symbol, intervals) into the instruments table, and resolves instrument keys to
// ids. The sink role is the table's one writer in production (SinkRole calls SyncAsync at its start; instruments it
// meets in records are added by the sink's InstrumentDirectory); tests call it to seed a database the API reads.
using Npgsql;
using Pipeline.Plumbing.Configuration;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Plumbing.Database;

public static class InstrumentRegistry
{
    public static async Task SyncAsync(NpgsqlDataSource db, IEnumerable<InstrumentOptions> instruments, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn);
        foreach (var i in instruments)
        {
            var r = i.ToInstrumentRef();
            var cmd = new NpgsqlBatchCommand(
                """
                INSERT INTO instruments (exchange, base, quote, market, venue_symbol, intervals)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (exchange, base, quote, market)
                DO UPDATE SET venue_symbol = EXCLUDED.venue_symbol, intervals = EXCLUDED.intervals
                """
            );
            cmd.Parameters.Add(new() { Value = r.Exchange });
            cmd.Parameters.Add(new() { Value = r.Base });
            cmd.Parameters.Add(new() { Value = r.Quote });
            cmd.Parameters.Add(new() { Value = MarketTypes.Name(r.Market) });
            cmd.Parameters.Add(new() { Value = (object?)i.Symbol ?? DBNull.Value });
            cmd.Parameters.Add(new() { Value = i.Intervals.ToArray() });
            batch.BatchCommands.Add(cmd);
        }
        if (batch.BatchCommands.Count > 0)
            await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Instrument key ("exchange:BASE/QUOTE:market") → id.</summary>
    public static async Task<Dictionary<string, int>> LoadIdsAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        var ids = new Dictionary<string, int>();
        await using var cmd = db.CreateCommand("SELECT id, exchange, base, quote, market FROM instruments");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            ids[InstrumentKey.Format(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4))] = reader.GetInt32(
                0
            );
        return ids;
    }
}
