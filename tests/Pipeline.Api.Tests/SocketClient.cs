// A test's WebSocket client for /stream/ws (System.Net.WebSockets.ClientWebSocket): send JSON, receive JSON or the close.
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Pipeline.Api.Tests;

public sealed class SocketClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[64 * 1024];

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;
    public string? CloseReason => _socket.CloseStatusDescription;

    /// <summary>Connects; <paramref name="receiveBuffer"/> shrinks the kernel's receive buffer so a client that does not read
    /// stops the server's sends soon (as a slow consumer on a real network would).</summary>
    public static async Task<SocketClient> ConnectAsync(RunningApi api, int? receiveBuffer = null)
    {
        var client = new SocketClient();
        var uri = new Uri(api.Http.BaseAddress!.ToString().Replace("http://", "ws://") + "stream/ws");
        var handler = new SocketsHttpHandler();
        if (receiveBuffer is { } size)
            handler.ConnectCallback = async (context, ct) =>
            {
                var s = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = size };
                await s.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(s, ownsSocket: true);
            };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client._socket.ConnectAsync(uri, new HttpMessageInvoker(handler), timeout.Token);
        return client;
    }

    public Task SendAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendBinaryAsync(byte[] bytes) => _socket.SendAsync(bytes, WebSocketMessageType.Binary, true, CancellationToken.None);

    /// <summary>The next message, or null when the server closed (see <see cref="CloseStatus"/>).</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var message = new MemoryStream();
        while (true)
        {
            var r = await _socket.ReceiveAsync(_buffer, cts.Token);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
                return null;
            }
            message.Write(_buffer, 0, r.Count);
            if (r.EndOfMessage)
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
        }
    }

    /// <summary>Receives until a message of <paramref name="type"/> arrives and returns it
    /// (earlier ones go to <paramref name="seen"/>).</summary>
    public async Task<JsonElement> ReceiveTypeAsync(string type, List<JsonElement>? seen = null, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var m =
                await ReceiveAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero)
                ?? throw new InvalidOperationException($"the server closed ({CloseStatus}: {CloseReason}) before a '{type}' message");
            if (m.GetProperty("type").GetString() == type)
                return m;
            seen?.Add(m);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "test done", cts.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        _socket.Dispose();
    }
}
