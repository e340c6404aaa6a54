// A local fake exchange for connector tests: Kestrel on 127.0.0.1 with a free port, WebSocket plus HTTP routes,
// each WebSocket connection driven by a script the test writes in the venue's native frames.
using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Producers.Tests;

internal sealed class FakeExchangeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;

    private FakeExchangeServer(WebApplication app) => _app = app;

    public Uri WebSocketBase { get; private set; } = null!;
    public Uri RestBase { get; private set; } = null!;
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Frames clients sent (subscribe requests, pings).</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    /// <summary>Exceptions thrown by connection scripts (e.g. failed assertions on what the client sent).</summary>
    public ConcurrentQueue<Exception> Faults { get; } = new();

    /// <summary>REST requests as path and query.</summary>
    public ConcurrentQueue<string> RestRequests { get; } = new();

    /// <param name="script">Runs per WebSocket connection, with its 1-based number; when it returns the socket is closed normally.</param>
    /// <param name="routes">Adds the venue's REST routes.</param>
    public static async Task<FakeExchangeServer> StartAsync(Func<FakeSocket, Task> script, Action<WebApplication>? routes = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeExchangeServer(app);
        app.UseWebSockets();
        app.Use(
            async (context, next) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    server.RestRequests.Enqueue(context.Request.Path + context.Request.QueryString);
                    await next(context);
                    return;
                }
                using var ws = await context.WebSockets.AcceptWebSocketAsync();
                var socket = new FakeSocket(
                    ws,
                    Interlocked.Increment(ref server._connections),
                    Uri.UnescapeDataString(context.Request.Path + context.Request.QueryString),
                    server.Received
                );
                try
                {
                    await script(socket);
                    if (ws.State == WebSocketState.Open)
                        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException or ConnectionAbortedException) { }
                catch (Exception e)
                {
                    // A failed assertion inside a script must fail the test, not just drop the socket.
                    server.Faults.Enqueue(e);
                    ws.Abort();
                }
            }
        );
        routes?.Invoke(app);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server.WebSocketBase = new Uri($"ws://127.0.0.1:{address.Port}");
        server.RestBase = new Uri($"http://127.0.0.1:{address.Port}");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
