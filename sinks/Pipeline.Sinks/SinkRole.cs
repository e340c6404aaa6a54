using Npgsql;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Database;

namespace Pipeline.Sinks;

/// <summary>Runs the PostgreSQL sink until cancelled (the `pipeline` CLI's entry point into it).</summary>
public static class SinkRole
{
    public static async Task RunAsync(PipelineContext context, CancellationToken ct)
    {
        // The sink owns the instruments table: it registers the configured listings (symbol, intervals) here and any
        // other instrument when it stores its first record. Other roles only read it.
        await using (var db = NpgsqlDataSource.Create(context.RequireDatabase()))
            await InstrumentRegistry.SyncAsync(db, context.Options.Instruments, ct);
        var sink = new PostgresSink(context.Kafka, context.RequireDatabase(), context.Options.Sink, context.LoggerFactory);
        // The TWAP history sink runs beside it; when either fails, both stop.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var twap = new Twap.TwapStatusSink(context.Kafka, context.RequireDatabase(), context.LoggerFactory);
        var runs = new[] { sink.RunAsync(stop.Token), twap.RunAsync(stop.Token) };
        await Task.WhenAny(runs);
        await stop.CancelAsync();
        await Task.WhenAll(runs);
    }
}
