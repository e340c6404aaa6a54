// One listing's live WebSocket: connect, subscribe, read with a heartbeat deadline, detect gaps and fill them over REST,
// reconnect with exponential backoff and jitter. Each listing has its own connection, so one failing pair resets no other.
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Resilience;
using Pipeline.Producers.Venues;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Polly.CircuitBreaker;

namespace Pipeline.Producers.Connectors;

public sealed class ExchangeConnection(
    IVenueProtocol protocol,
    IVenueHistory history,
    VenueGuard guard,
    VenueListing listing,
    Uri webSocketBase,
    RecordQueue queue,
    ConnectionOptions options,
    ILogger log
)
{
    private readonly ParsedFrame _frame = new();
    private readonly TradeGapDetector _gaps = new(protocol.SequentialTradeIds);

    public VenueListing Listing => listing;

    /// <summary>The venue's shared breaker and rate limits.</summary>
    public VenueGuard Guard => guard;
    public ConnectionStats Stats { get; } = new(protocol.Exchange);

    /// <summary>Continues after a trade delivered by an earlier run: the first live trade then reveals the downtime as a gap.</summary>
    public void ResumeAfter(Trade last) => _gaps.Resume(last.TradeId, last.EventTimeUs);

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var receivedData = false;
            try
            {
                using var socket = await guard.ConnectAsync(
                    async t =>
                    {
                        var ws = new ClientWebSocket();
                        ws.Options.KeepAliveInterval = options.PingInterval;
                        ws.Options.KeepAliveTimeout = options.HeartbeatTimeout;
                        try
                        {
                            await ws.ConnectAsync(protocol.StreamUri(webSocketBase, listing), t);
                        }
                        catch
                        {
                            ws.Dispose();
                            throw;
                        }
                        return ws;
                    },
                    ct
                );
                Stats.Connected();
                protocol.Reset();
                log.LogInformation("{Key}: connected to {Exchange}", listing.Instrument.Key, protocol.Exchange);
                foreach (var subscribe in protocol.SubscribeFrames(listing))
                    await socket.SendAsync(Encoding.UTF8.GetBytes(subscribe), WebSocketMessageType.Text, true, ct);
                using var pinging = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var pinger = protocol.PingFrame is { } ping ? PingAsync(socket, ping, pinging.Token) : Task.CompletedTask;
                try
                {
                    // Each frame is a view of the receive buffer, valid until the next one is read; it is parsed at once.
                    await foreach (var frame in ReceiveAsync(socket, ct))
                    {
                        Stats.Frame();
                        if (await HandleFrameAsync(frame, ct))
                        {
                            receivedData = true;
                            failures = 0;
                        }
                    }
                }
                finally
                {
                    pinging.Cancel();
                    await pinger.ContinueWith(_ => { }, TaskScheduler.Default);
                }
                log.LogWarning("{Key}: {Exchange} closed the connection; reconnecting", listing.Instrument.Key, protocol.Exchange);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (BrokenCircuitException)
            {
                // No connection is attempted while the venue's circuit is open (at most BreakDuration); keep backing off.
                log.LogWarning(
                    "{Key}: {Exchange} circuit is open after repeated failures; no attempt until it closes",
                    listing.Instrument.Key,
                    protocol.Exchange
                );
            }
            catch (Exception e)
                when (e is WebSocketException or IOException or HttpRequestException or OperationCanceledException or TimeoutException)
            {
                log.LogWarning(
                    "{Key}: {Exchange} connection lost ({Message}); reconnecting",
                    listing.Instrument.Key,
                    protocol.Exchange,
                    e.Message
                );
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Anything else is a bug or a surprise from the venue; this pair reconnects, the others carry on.
                log.LogError(
                    e,
                    "{Key}: {Exchange} connection failed unexpectedly; reconnecting",
                    listing.Instrument.Key,
                    protocol.Exchange
                );
            }
            _gaps.Disconnected();
            Stats.Disconnected();
            if (!receivedData)
                failures++;
            // Equal jitter, so many pairs do not reconnect in lockstep.
            var delay = Backoff.Delay(failures + 1, options.ReconnectBaseDelay, options.ReconnectMaxDelay);
            try
            {
                await Task.Delay(delay, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Parses one frame and queues what it holds; true when it carried market data. Malformed frames are
    /// counted and logged, and the connection is kept.</summary>
    internal async Task<bool> HandleFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken ct)
    {
        _frame.Clear();
        try
        {
            protocol.Parse(frame, listing, NowUs(), _frame);
        }
        catch (Exception e)
            when (e
                    is FormatException
                        or JsonException
                        or InvalidOperationException
                        or OverflowException
                        or IndexOutOfRangeException
                        or KeyNotFoundException
            )
        {
            Stats.Malformed();
            // The first few in full, then every 1000th: a broken feed must not flood the log.
            if (Stats.MalformedFrames <= 5 || Stats.MalformedFrames % 1000 == 0)
            {
                var text = Encoding.UTF8.GetString(frame.Span);
                log.LogWarning(
                    "{Key}: malformed {Exchange} frame #{Count} skipped ({Reason}): {Frame}",
                    listing.Instrument.Key,
                    protocol.Exchange,
                    Stats.MalformedFrames,
                    e.Message,
                    text.Length > 300 ? text[..300] + "…" : text
                );
            }
            return false;
        }
        if (_frame.VenueError is { } error)
            log.LogError("{Key}: {Exchange} reported an error: {Error}", listing.Instrument.Key, protocol.Exchange, error);
        foreach (var trade in _frame.Trades)
        {
            switch (_gaps.Observe(trade))
            {
                case TradeGapDetector.Verdict.Duplicate:
                    Stats.Duplicate();
                    continue;
                case TradeGapDetector.Verdict.Gap:
                    await FillAsync(_gaps.LastGap!, ct);
                    break;
            }
            Stats.Trade();
            await queue.EnqueueAsync(trade, ct);
        }
        foreach (var candle in _frame.Candles)
        {
            Stats.Candle();
            await queue.EnqueueAsync(candle, ct);
        }
        return _frame.Trades.Count > 0 || _frame.Candles.Count > 0;
    }

    /// <summary>Fills a gap from REST before the trade that revealed it is queued, so trades stay in venue order.
    /// When REST fails the live stream goes on and the gap is logged with its id and time range.</summary>
    private async Task FillAsync(TradeGap gap, CancellationToken ct)
    {
        Stats.Gap();
        log.LogWarning(
            "{Key}: gap after trade {After} ({Cause}); filling from {Exchange} REST up to trade {Before}",
            listing.Instrument.Key,
            gap.AfterId,
            gap.Cause,
            protocol.Exchange,
            gap.BeforeId
        );
        var filled = 0;
        try
        {
            if (history.HasTradeHistory)
            {
                // With consecutive ids the gap's size is known up front: fill at most MaxGapTrades of it (the oldest, so
                // the topic stays in order) rather than hold the live stream for minutes while the venue drops us.
                var target = gap;
                if (protocol.SequentialTradeIds && gap.BeforeId - gap.AfterId - 1 > options.MaxGapTrades)
                {
                    target = gap with { BeforeId = gap.AfterId + 1 + options.MaxGapTrades };
                    Stats.Unfilled();
                    log.LogError(
                        "{Key}: gap of {Count} trades after trade {After}; filling {Max}, trades {From} to {To} stay missing (seed "
                            + "them from the venue's history dump; `pipeline backfill` restores the candles)",
                        listing.Instrument.Key,
                        gap.BeforeId - gap.AfterId - 1,
                        gap.AfterId,
                        options.MaxGapTrades,
                        target.BeforeId,
                        gap.BeforeId - 1
                    );
                }
                await foreach (var trade in history.TradesAsync(listing, target, ct))
                {
                    if (++filled > options.MaxGapTrades)
                    {
                        Stats.Unfilled();
                        log.LogError(
                            "{Key}: gap after trade {After} is larger than {Max} trades; "
                                + "the rest up to {Before} stays missing (seed it from the venue's history dump)",
                            listing.Instrument.Key,
                            gap.AfterId,
                            options.MaxGapTrades,
                            gap.BeforeId
                        );
                        break;
                    }
                    Stats.Backfilled();
                    await queue.EnqueueAsync(trade, ct);
                }
            }
            // Candles the venue pushes were missed too while the link was down (an id jump on a live link loses none).
            if (gap.Cause == TradeGapCause.Disconnect || !history.HasTradeHistory)
            {
                foreach (var interval in protocol.StreamedIntervals(listing))
                {
                    var open = CandleInterval.Parse(interval).OpenTimeOf(gap.AfterTimeUs);
                    await foreach (var page in history.CandlePagesAsync(listing, interval, open, gap.BeforeTimeUs, ct))
                    foreach (var candle in page)
                    {
                        filled++;
                        Stats.Backfilled();
                        await queue.EnqueueAsync(candle, ct);
                    }
                }
            }
            log.LogInformation("{Key}: filled gap after trade {After} with {Count} records", listing.Instrument.Key, gap.AfterId, filled);
        }
        catch (Exception e)
            when (!ct.IsCancellationRequested
                && e
                    is VenueRequestException
                        or TradeHistoryLimitException
                        or HttpRequestException
                        or BrokenCircuitException
                        or JsonException
                        or FormatException
                        or IOException
                        or TaskCanceledException
                        or InvalidOperationException
                        or IndexOutOfRangeException
            )
        {
            Stats.Unfilled();
            log.LogError(
                "{Key}: could not fill the gap between trades {After} and {Before} ({From:O} to {To:O}): {Message}; "
                    + "those trades stay missing (seed them from the venue's history dump; `pipeline backfill` restores the candles)",
                listing.Instrument.Key,
                gap.AfterId,
                gap.BeforeId,
                DateTimeOffset.FromUnixTimeMilliseconds(gap.AfterTimeUs / 1000),
                DateTimeOffset.FromUnixTimeMilliseconds(gap.BeforeTimeUs / 1000),
                e.Message
            );
        }
    }

    private async IAsyncEnumerable<ReadOnlyMemory<byte>> ReceiveAsync(
        ClientWebSocket socket,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct
    )
    {
        var buffer = new byte[64 * 1024];
        while (socket.State == WebSocketState.Open)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            var tooLarge = false;
            // A deadline per frame: a silent connection (no data, no heartbeat) is treated as dead.
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                deadline.CancelAfter(options.HeartbeatTimeout);
                do
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length >= options.MaxFrameBytes)
                        {
                            tooLarge = true;
                            length = 0;
                        }
                        else
                            Array.Resize(ref buffer, Math.Min(buffer.Length * 2, options.MaxFrameBytes));
                    }
                    try
                    {
                        result = await socket.ReceiveAsync(buffer.AsMemory(length), deadline.Token);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        throw new TimeoutException($"no frame for {options.HeartbeatTimeout.TotalSeconds:0.#} s");
                    }
                    length += result.Count;
                } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
            }
            if (result.MessageType == WebSocketMessageType.Close)
            {
                try
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }
                catch (WebSocketException) { }
                yield break;
            }
            if (tooLarge)
            {
                Stats.Malformed();
                log.LogWarning(
                    "{Key}: a {Exchange} frame exceeded {Max} bytes and was skipped",
                    listing.Instrument.Key,
                    protocol.Exchange,
                    options.MaxFrameBytes
                );
                continue;
            }
            yield return buffer.AsMemory(0, length);
        }
    }

    private async Task PingAsync(ClientWebSocket socket, string ping, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct) && socket.State == WebSocketState.Open)
                await socket.SendAsync(Encoding.UTF8.GetBytes(ping), WebSocketMessageType.Text, true, ct);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException) { }
    }

    private static long NowUs() => UnixMicros.Now();
}
