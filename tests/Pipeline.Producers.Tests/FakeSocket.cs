// One WebSocket connection of the fake exchange, as its script sees it.
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;

namespace Pipeline.Producers.Tests;

internal sealed class FakeSocket(WebSocket ws, int number, string path, ConcurrentQueue<string> received)
{
    public int Number { get; } = number;
    public string Path { get; } = path;
    public WebSocket WebSocket => ws;

    public Task SendAsync(string frame, CancellationToken ct = default) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, ct);

    /// <summary>Waits for the client's next text frame (e.g. its subscribe request).</summary>
    public async Task<string> ReceiveAsync(CancellationToken ct = default)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        ValueWebSocketReceiveResult r;
        do
        {
            r = await ws.ReceiveAsync(buffer.AsMemory(length), ct);
            length += r.Count;
        } while (!r.EndOfMessage);
        var text = Encoding.UTF8.GetString(buffer, 0, length);
        received.Enqueue(text);
        return text;
    }

    /// <summary>Drops the TCP connection without a close handshake, as a crashing venue or a network fault would.</summary>
    public void Drop() => ws.Abort();

    /// <summary>The drop a gap test scripts: the first connection sends <paramref name="beforeDrop"/>, waits until the test
    /// has them in Kafka (a TCP reset discards frames the client has not read yet) and drops; every later connection sends
    /// <paramref name="afterReconnect"/> and holds.</summary>
    public async Task DropOnceAsync(IEnumerable<string> beforeDrop, Task delivered, IEnumerable<string> afterReconnect)
    {
        if (Number == 1)
        {
            foreach (var frame in beforeDrop)
                await SendAsync(frame);
            await delivered;
            Drop();
            return;
        }
        foreach (var frame in afterReconnect)
            await SendAsync(frame);
        await HoldAsync();
    }

    /// <summary>Keeps the connection open, answering nothing, until the client goes away.</summary>
    public async Task HoldAsync()
    {
        var buffer = new byte[1024];
        try
        {
            while (ws.State == WebSocketState.Open && !(await ws.ReceiveAsync(buffer, CancellationToken.None)).CloseStatus.HasValue) { }
        }
        catch (WebSocketException) { }
    }
}
