// Builds the HttpClient every S3 client sends through: the SDK's own settings, with torn responses made retryable.
using System.Net;
using Amazon.Runtime;

namespace Pipeline.Plumbing.ObjectStorage;

/// <summary>What the SDK's default factory sets (no redirects for S3, no decompression, the configured timeouts,
/// connection limit and proxy), with <see cref="TornResponseHandler"/> in front of the socket handler.</summary>
/// <remarks>Each S3 client gets a connection pool of its own, disposed with it (<see cref="GetConfigUniqueString"/> is null):
/// with the SDK's default one pool is shared by every client of the same settings in the process, so a request cancelled
/// in one (an archive role stopped mid-upload) left the next request of another on a connection that failed to parse its
/// status line (docs/archive.md, Limits).</remarks>
internal sealed class S3HttpClientFactory(Func<HttpMessageHandler>? transport = null) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var handler = new TornResponseHandler(transport?.Invoke() ?? Sockets(clientConfig));
        var client = new HttpClient(handler);
        if (clientConfig.Timeout is { } timeout)
            client.Timeout = timeout;
        return client;
    }

    public override string? GetConfigUniqueString(IClientConfig clientConfig) => null;

    private static SocketsHttpHandler Sockets(IClientConfig clientConfig)
    {
        var sockets = new SocketsHttpHandler
        {
            AllowAutoRedirect = clientConfig.AllowAutoRedirect,
            AutomaticDecompression = DecompressionMethods.None,
        };
        if (clientConfig.MaxConnectionsPerServer is { } limit)
            sockets.MaxConnectionsPerServer = limit;
        if (clientConfig.ConnectTimeout is { } connectTimeout)
            sockets.ConnectTimeout = connectTimeout;
        if (clientConfig.GetWebProxy() is { } proxy)
            sockets.Proxy = proxy;
        return sockets;
    }
}
