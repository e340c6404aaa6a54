// A fault-injection stand-in for an S3 endpoint that dies mid-response: radosgw cannot be made to tear a response on
// demand, so this TCP server on 127.0.0.1 answers each request with the bytes its script gives (a status line cut
// short, or a proper object) and closes the connection.
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Archive.Tests;

public sealed class DyingS3Endpoint : IAsyncDisposable
{
    /// <summary>What a dying server leaves of a response: a status line cut after the first digits of the code.</summary>
    public const string TornStatusLine = "HTTP/1.1 20\r\n";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<int, string> _answer;
    private readonly Task _serving;
    private int _requests;

    /// <param name="answer">The raw response to the n-th request (1-based).</param>
    public DyingS3Endpoint(Func<int, string> answer)
    {
        _answer = answer;
        _listener.Start();
        _serving = ServeAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Requests that reached the endpoint.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>A GetObject answer carrying <paramref name="body"/>.</summary>
    public static string Object(string body) =>
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        + $"Content-Length: {Encoding.ASCII.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient connection;
            try
            {
                connection = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            using (connection)
                await AnswerAsync(connection.GetStream());
        }
    }

    private async Task AnswerAsync(NetworkStream stream)
    {
        // The SDK's reads are bodiless GETs: the request ends at its blank line.
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n"))
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
                return;
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        var n = Interlocked.Increment(ref _requests);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(_answer(n)), _stop.Token);
        stream.Socket.Shutdown(SocketShutdown.Send);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
