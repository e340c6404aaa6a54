// The TWAP history routes: a wallet's TWAP statuses (GET /twaps) and one TWAP's updates (GET /twaps/{twap_id}).
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Pipeline.Api;

public static class TwapEndpoints
{
    private const string Columns =
        "twap_id, wallet, time, status, coin, side, size, executed_size, executed_notional, minutes, "
        + "reduce_only, randomize, order_time, source_object";
    private const int MaxUpdatesPerTwap = 10_000;

    public static void Map(WebApplication app)
    {
        var group = app.MapGroup("").WithTags("TWAP history");
        group
            .MapGet("/twaps", ListAsync)
            .WithName("twaps")
            .WithSummary(
                "A wallet's Hyperliquid TWAP statuses in [start, end), oldest first; by default only the latest status of each TWAP"
            )
            .Produces<TwapPage>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group
            .MapGet("/twaps/{twap_id}", GetAsync)
            .WithName("twap")
            .WithSummary("Every status update of one TWAP, in time order")
            .Produces<TwapHistory>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> ListAsync(HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var q = TwapQuery.Parse(http.Request.Query);
        // Positional parameters: $1 wallet, $2 start, $3 end, $4 limit + 1, $5 offset, then asset and the cursor's
        // (time, twap_id) when given. Both modes read the wallet's rows in (time, twap_id) index order from the cursor
        // (a row comparison the index serves) and stop after offset + limit answers; the latest status of a TWAP in the
        // range is a row with no later row of the same TWAP before the end (a primary-key probe).
        var filter = "wallet = $1 AND time >= $2 AND time < $3";
        var next = 6;
        if (q.Asset is not null)
            filter += $" AND coin = ${next++}";
        if (q.After is not null)
            filter += $" AND (time, twap_id) > (${next++}, ${next})";
        var sql = q.LatestPerTwap
            ? $"SELECT {Columns} FROM twap_status s WHERE {filter} AND NOT EXISTS (SELECT 1 FROM twap_status n "
                + "WHERE n.twap_id = s.twap_id AND n.wallet = s.wallet AND n.time > s.time AND n.time < $3) ORDER BY time, "
                + "twap_id LIMIT $4 OFFSET $5"
            : $"SELECT {Columns} FROM twap_status WHERE {filter} ORDER BY time, twap_id LIMIT $4 OFFSET $5";
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = q.Wallet, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(q.StartUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(q.EndUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = q.Limit + 1, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = q.Offset, NpgsqlDbType = NpgsqlDbType.Bigint });
        if (q.Asset is not null)
            cmd.Parameters.Add(new() { Value = q.Asset, NpgsqlDbType = NpgsqlDbType.Text });
        if (q.After is { } after)
        {
            cmd.Parameters.Add(new() { Value = ApiTime.ToDateTime(after.TimeUs), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new() { Value = after.TwapId, NpgsqlDbType = NpgsqlDbType.Bigint });
        }
        var rows = await ReadAsync(cmd, ct);
        var more = rows.Count > q.Limit;
        if (more)
            rows.RemoveAt(rows.Count - 1);
        var nextCursor = more ? ApiCursor.Encode(TwapQuery.CursorKind, new TwapPosition(rows[^1].TimeUs, rows[^1].TwapId).Format()) : null;
        var metadata = new TwapPageMetadata(
            q.Wallet,
            ApiTime.Format(q.StartUs),
            ApiTime.Format(q.EndUs),
            q.Asset,
            q.LatestPerTwap,
            q.Limit,
            q.Offset,
            rows.Count,
            more && q.After is null ? q.Offset + q.Limit : null,
            nextCursor
        );
        return Results.Json(new TwapPage(rows, metadata));
    }

    private static async Task<IResult> GetAsync(string twap_id, NpgsqlDataSource db, CancellationToken ct)
    {
        if (!long.TryParse(twap_id, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            throw ApiProblem.BadParameter(
                "twap_id",
                $"twap_id '{(twap_id.Length <= 40 ? twap_id : twap_id[..40] + "…")}' is not a TWAP id; "
                    + "use the whole number Hyperliquid assigned, e.g. /twaps/568722"
            );
        await using var cmd = db.CreateCommand(
            $"SELECT {Columns} FROM twap_status WHERE twap_id = $1 ORDER BY time, wallet LIMIT {MaxUpdatesPerTwap}"
        );
        cmd.Parameters.Add(new() { Value = id, NpgsqlDbType = NpgsqlDbType.Bigint });
        var rows = await ReadAsync(cmd, ct);
        if (rows.Count == 0)
            throw ApiProblem.NotFound($"no TWAP with id {id} has been ingested");
        return Results.Json(new TwapHistory(id, rows));
    }

    private static async Task<List<TwapStatusView>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<TwapStatusView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(
                new TwapStatusView(
                    r.GetInt64(0),
                    r.GetString(1),
                    ApiTime.Format(r.GetDateTime(2)),
                    r.GetString(3),
                    r.GetString(4),
                    r.GetString(5) == "B" ? "buy" : "sell",
                    Text(r.GetDecimal(6)),
                    Text(r.GetDecimal(7)),
                    Text(r.GetDecimal(8)),
                    r.IsDBNull(9) ? null : r.GetInt32(9),
                    r.IsDBNull(10) ? null : r.GetBoolean(10),
                    r.IsDBNull(11) ? null : r.GetBoolean(11),
                    r.IsDBNull(12) ? null : ApiTime.Format(r.GetDateTime(12)),
                    r.GetString(13),
                    ApiTime.ToMicroseconds(r.GetDateTime(2))
                )
            );
        }
        return rows;
    }

    private static string Text(decimal d) => d.ToString(CultureInfo.InvariantCulture);
}
