// Instrument key → database id for the sink; registers instruments it has not seen (a record is never lost
// because its listing was not configured).
using Npgsql;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks;

internal sealed class InstrumentDirectory
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    // Looked up once per row: by the message's value equality, which avoids formatting a key string per row.
    private readonly Dictionary<InstrumentRef, int> _byRef = new();

    // Looked up once per row: the first few instruments are compared field by field (a Protobuf message's hash
    // code hashes every string each call, which cost more than the COPY encoding of the row's other columns).
    private readonly (InstrumentRef Instrument, int Id)[] _recent = new (InstrumentRef, int)[16];
    private int _recentCount;

    public static bool SameInstrument(InstrumentRef a, InstrumentRef b) =>
        ReferenceEquals(a, b)
        || (
            a.Market == b.Market
            && string.Equals(a.Exchange, b.Exchange)
            && string.Equals(a.Base, b.Base)
            && string.Equals(a.Quote, b.Quote)
        );

    public int this[InstrumentRef instrument]
    {
        get
        {
            for (var i = 0; i < _recentCount; i++)
                if (SameInstrument(_recent[i].Instrument, instrument))
                    return _recent[i].Id;
            if (!_byRef.TryGetValue(instrument, out var id))
            {
                id = _ids[instrument.Key];
                _byRef[instrument.Clone()] = id;
            }
            if (_recentCount < _recent.Length)
                _recent[_recentCount++] = (instrument.Clone(), id);
            return id;
        }
    }

    public async Task ResolveAsync(NpgsqlConnection conn, IEnumerable<InstrumentRef> instruments, CancellationToken ct)
    {
        var missing = new Dictionary<string, InstrumentRef>();
        foreach (var i in instruments)
            if (!_byRef.ContainsKey(i) && !_ids.ContainsKey(i.Key))
                missing.TryAdd(i.Key, i);
        if (missing.Count == 0)
            return;
        // (Known instruments reach _byRef on their first indexer lookup.)

        await using (var batch = new NpgsqlBatch(conn))
        {
            foreach (var i in missing.Values)
            {
                var cmd = new NpgsqlBatchCommand(
                    "INSERT INTO instruments (exchange, base, quote, market) VALUES ($1, $2, $3, $4) ON CONFLICT (exchange, base, "
                        + "quote, market) DO NOTHING"
                );
                cmd.Parameters.Add(new() { Value = i.Exchange });
                cmd.Parameters.Add(new() { Value = i.Base });
                cmd.Parameters.Add(new() { Value = i.Quote });
                cmd.Parameters.Add(new() { Value = InstrumentRef.MarketName(i.Market) });
                batch.BatchCommands.Add(cmd);
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
        await using var select = new NpgsqlCommand("SELECT id, exchange, base, quote, market FROM instruments", conn);
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            _ids[InstrumentKey.Format(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4))] =
                reader.GetInt32(0);
    }
}
