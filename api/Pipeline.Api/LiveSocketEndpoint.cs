// GET /stream/ws: a WebSocket of live candles (updates, closes), trades and indicator values. The client sends
// {"op":"subscribe"|"unsubscribe","instruments":[...],"intervals":[...],"channels":[...]} (and {"op":"ping"}); the
// server answers each with a reply ("subscribed", "unsubscribed", "pong" or "error" naming what is wrong) and sends
// {"type":"update"|"close"|"trade"|"indicator","data":{...}}. The protocol is documented in docs/sink-and-api.md
// (OpenAPI cannot describe a WebSocket).
using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Pipeline.Plumbing.Configuration;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public static class LiveSocketEndpoint
{
    private const int MaxMessageBytes = 16 * 1024;
    private const int MaxTopics = 1000;
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(3);

    /// <summary>How long a send may stay stuck after the client overflowed before the connection is cut without a close frame.</summary>
    private static readonly TimeSpan StuckSendLimit = TimeSpan.FromSeconds(10);

    public static void Map(IEndpointRouteBuilder app, ApiOptions api) =>
        app.Map(
                "/stream/ws",
                (
                    HttpContext http,
                    CandleFeed feed,
                    InstrumentDirectory directory,
                    StreamAdmission admission,
                    IHostApplicationLifetime lifetime,
                    ILoggerFactory logs
                ) =>
                    RunAsync(
                        http,
                        feed,
                        directory,
                        admission,
                        lifetime.ApplicationStopping,
                        api,
                        logs.CreateLogger("Pipeline.Api.LiveSocket")
                    )
            )
            .ExcludeFromDescription(); // a WebSocket: described in docs/sink-and-api.md, not in the OpenAPI document

    private static async Task RunAsync(
        HttpContext http,
        CandleFeed feed,
        InstrumentDirectory directory,
        StreamAdmission admission,
        CancellationToken stopping,
        ApiOptions api,
        ILogger log
    )
    {
        if (!http.WebSockets.IsWebSocketRequest)
            throw new ApiProblem(
                StatusCodes.Status400BadRequest,
                "not a WebSocket request",
                "/stream/ws is a WebSocket: connect with a WebSocket client (ws://host/stream/ws); for Server-Sent Events use "
                    + "/stream/candles"
            );
        using var place = admission.Admit(http);
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var client = new LiveSocketClient(api.SocketQueueLimit);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        feed.Add(client);
        var receiving = ReceiveAsync(socket, client, directory, done);
        try
        {
            // Replies flow at once; "ready" follows when the feed reads its topics (what is published after it is delivered).
            _ = feed.Positioned.ContinueWith(
                _ => client.Reply(Json(w => w.WriteString("type", "ready"))),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Default
            );
            await SendAsync(socket, client, api.StreamEventsPerSecond, done.Token);
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested) { }
        catch (WebSocketException e)
        {
            log.LogDebug("WebSocket client went away: {Message}", e.Message);
        }
        finally
        {
            feed.Remove(client);
        }

        var (status, reason) =
            client.Overflowed
                ? (
                    WebSocketCloseStatus.PolicyViolation,
                    $"too slow: more than {client.QueueLimit} messages waiting; read faster or subscribe to less"
                )
            : stopping.IsCancellationRequested ? (WebSocketCloseStatus.EndpointUnavailable, "server stopping")
            : (WebSocketCloseStatus.NormalClosure, "bye");
        if (client.Overflowed)
            log.LogInformation("WebSocket client {Remote} closed: {Reason}", http.Connection.RemoteIpAddress, reason);
        await CloseAsync(socket, status, reason, receiving);
    }

    /// <summary>Sends what the client queues until it overflows, closes, or the host stops.</summary>
    private static async Task SendAsync(WebSocket socket, LiveSocketClient client, int eventsPerSecond, CancellationToken ct)
    {
        var gap = eventsPerSecond > 0 ? Stopwatch.Frequency / eventsPerSecond : 0L;
        var due = 0L; // when coalesced states may go next (the throttle)
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var stuck = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A send stuck on a client that does not read is cut once it overflowed and had time to take the close frame.
        using var cut = client.OverflowedSignal.Register(() =>
        {
            try
            {
                stuck.CancelAfter(StuckSendLimit);
            }
            catch (ObjectDisposedException) { }
        });
        while (!ct.IsCancellationRequested && !client.Overflowed && socket.State == WebSocketState.Open)
        {
            var now = Stopwatch.GetTimestamp();
            var batch = client.Take(withStates: now >= due, out var states);
            if (batch.Count == 0)
            {
                var wait = client.HasStates && now < due ? Stopwatch.GetElapsedTime(now, due) : TimeSpan.FromSeconds(15);
                await client.WaitAsync(wait, ct);
                continue;
            }
            foreach (var m in batch)
            {
                if (client.Overflowed)
                    break;
                buffer.ResetWrittenCount();
                Write(buffer, m);
                await socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, true, stuck.Token);
            }
            if (states > 0 && gap > 0)
                due = Stopwatch.GetTimestamp() + gap * states;
        }
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason, Task receiving)
    {
        using var limit = new CancellationTokenSource(CloseWait);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(status, reason, limit.Token);
            // Let the client answer the close (the receive loop sees it) so the handshake completes; never wait long.
            await receiving.WaitAsync(limit.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or TimeoutException)
        {
            socket.Abort();
        }
    }

    /// <summary>Reads client messages until the client closes; each bad message gets an error reply, never a disconnect.</summary>
    private static async Task ReceiveAsync(
        WebSocket socket,
        LiveSocketClient client,
        InstrumentDirectory directory,
        CancellationTokenSource done
    )
    {
        var buffer = new byte[4096];
        var message = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                // No token: cancelling a pending receive aborts the socket, and a stop must still send its close frame.
                var r = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close)
                    break;
                if (message.WrittenCount + r.Count <= MaxMessageBytes)
                    message.Write(buffer.AsSpan(0, r.Count));
                else
                    message.Write(buffer.AsSpan(0, Math.Max(0, MaxMessageBytes + 1 - message.WrittenCount))); // mark it too long
                if (!r.EndOfMessage)
                    continue;
                if (r.MessageType == WebSocketMessageType.Binary)
                    client.Reply(
                        Error(
                            default,
                            "binary messages are not understood: send JSON text, e.g. "
                                + "{\"op\":\"subscribe\",\"instruments\":[\"binance:BTC/USDT:spot\"]}"
                        )
                    );
                else if (message.WrittenCount > MaxMessageBytes)
                    client.Reply(Error(default, $"message longer than {MaxMessageBytes} bytes: subscribe in several messages"));
                else
                    await HandleAsync(message.WrittenMemory, client, directory, done.Token);
                message.ResetWrittenCount();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        finally
        {
            // The client closed or vanished: stop sending (the host's stop and overflow end the sender themselves).
            if (socket.State != WebSocketState.CloseSent)
                try
                {
                    done.Cancel();
                }
                catch (ObjectDisposedException) { }
        }
    }

    private static async Task HandleAsync(
        ReadOnlyMemory<byte> text,
        LiveSocketClient client,
        InstrumentDirectory directory,
        CancellationToken ct
    )
    {
        JsonElement id = default;
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new LiveSocketError(
                    "a message must be a JSON object, e.g. {\"op\":\"subscribe\",\"instruments\":[\"binance:BTC/USDT:spot\"]}"
                );
            if (root.TryGetProperty("id", out var given))
                id = given.Clone();
            var op = root.TryGetProperty("op", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
            switch (op)
            {
                case "ping":
                    client.Reply(
                        Json(w =>
                        {
                            w.WriteString("type", "pong");
                            WriteId(w, id);
                        })
                    );
                    return;
                case "subscribe" or "unsubscribe":
                    var topics = await TopicsAsync(root, directory, ct);
                    var add = op == "subscribe";
                    if (add && client.Topics.Union(topics).Count() > MaxTopics)
                        throw new LiveSocketError(
                            $"more than {MaxTopics} subscriptions on one connection: unsubscribe some or open another connection"
                        );
                    client.Change(
                        topics,
                        add,
                        all =>
                            Json(w =>
                            {
                                w.WriteString("type", add ? "subscribed" : "unsubscribed");
                                WriteId(w, id);
                                w.WriteStartArray("subscriptions");
                                foreach (
                                    var t in all.OrderBy(t => t.Instrument, StringComparer.Ordinal)
                                        .ThenBy(t => t.Interval, StringComparer.Ordinal)
                                        .ThenBy(t => t.Channel, StringComparer.Ordinal)
                                )
                                {
                                    w.WriteStartObject();
                                    w.WriteString("instrument", t.Instrument);
                                    if (t.Interval is null)
                                        w.WriteNull("interval");
                                    else
                                        w.WriteString("interval", t.Interval);
                                    w.WriteString("channel", t.Channel);
                                    w.WriteEndObject();
                                }
                                w.WriteEndArray();
                            })
                    );
                    return;
                default:
                    throw new LiveSocketError(
                        op is null
                            ? "the message has no \"op\": give \"op\":\"subscribe\", \"unsubscribe\" or \"ping\""
                            : $"op '{op}' is not one of subscribe, unsubscribe, ping"
                    );
            }
        }
        catch (JsonException e)
        {
            client.Reply(Error(id, $"the message is not JSON ({e.Message.Split('\n')[0]})"));
        }
        catch (LiveSocketError e)
        {
            client.Reply(Error(id, e.Message));
        }
        catch (ApiProblem p)
        {
            client.Reply(Error(id, p.Message));
        }
    }

    private static async Task<List<LiveTopic>> TopicsAsync(JsonElement root, InstrumentDirectory directory, CancellationToken ct)
    {
        var instruments =
            Strings(root, "instruments")
            ?? throw new LiveSocketError(
                "\"instruments\" is missing: give a list of instrument keys, e.g. \"instruments\":[\"binance:BTC/USDT:spot\"]"
            );
        if (instruments.Count == 0)
            throw new LiveSocketError("\"instruments\" is empty: give at least one instrument key");
        var keys = new List<string>();
        foreach (var i in instruments)
        {
            try
            {
                keys.Add(await LiveInstruments.ResolveAsync(directory, i, "instruments", ct));
            }
            catch (ApiProblem p)
            {
                throw new LiveSocketError($"instruments: {p.Message}");
            }
        }
        var intervals = new List<string>();
        foreach (var i in Strings(root, "intervals") ?? ["1m"])
            intervals.Add(
                CandleInterval.TryParse(i, out var iv)
                    ? iv.Name
                    : throw new LiveSocketError($"intervals: '{i}' is not one of {string.Join(", ", CandleInterval.Names)}")
            );
        var channels = Strings(root, "channels") ?? [LiveTopic.Updates, LiveTopic.Closes];
        foreach (var c in channels)
            if (!LiveTopic.Channels.Contains(c))
                throw new LiveSocketError($"channels: '{c}' is not one of {string.Join(", ", LiveTopic.Channels)}");
        var topics = new List<LiveTopic>();
        foreach (var k in keys)
        foreach (var c in channels.Distinct())
        {
            if (c == LiveTopic.Trades)
                topics.Add(new LiveTopic(k, null, c));
            else
                topics.AddRange(intervals.Distinct().Select(i => new LiveTopic(k, i, c)));
        }
        return topics;
    }

    private static List<string>? Strings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            return null;
        if (e.ValueKind == JsonValueKind.String)
            return [e.GetString()!];
        if (e.ValueKind != JsonValueKind.Array || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            throw new LiveSocketError($"\"{name}\" must be a list of strings");
        return [.. e.EnumerateArray().Select(x => x.GetString()!)];
    }

    private static void Write(IBufferWriter<byte> buffer, LiveSocketClient.Message m)
    {
        if (m.Payload is byte[] reply)
        {
            buffer.Write(reply);
            return;
        }
        using var w = new Utf8JsonWriter(buffer);
        w.WriteStartObject();
        w.WriteString("type", m.Kind);
        w.WritePropertyName("data");
        switch (m.Payload)
        {
            case Candle c:
                LiveJson.WriteCandle(w, c);
                break;
            case Trade t:
                LiveJson.WriteTrade(w, t);
                break;
            case IndicatorValue v:
                LiveJson.WriteIndicator(w, v);
                break;
        }
        w.WriteEndObject();
    }

    private static byte[] Error(JsonElement id, string text) =>
        Json(w =>
        {
            w.WriteString("type", "error");
            WriteId(w, id);
            w.WriteString("error", text);
        });

    private static void WriteId(Utf8JsonWriter w, JsonElement id)
    {
        if (id.ValueKind is JsonValueKind.Undefined)
            return;
        w.WritePropertyName("id");
        id.WriteTo(w);
    }

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
