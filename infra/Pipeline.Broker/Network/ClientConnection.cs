using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Pipeline.Broker;

/// <summary>
/// One client TCP connection: reads size-prefixed frames and answers them strictly in order, one at a time
/// (as Kafka does, so a long-polling fetch delays later requests on the same connection only).
/// Malformed input closes this connection and nothing else.
/// </summary>
internal sealed class ClientConnection(Socket socket, KafkaApis apis, BrokerOptions options, ILogger logger)
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    public string RemoteAddress { get; } = socket.RemoteEndPoint?.ToString() ?? "?";

    public void Close()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception) { }
        _stream.Dispose();
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 128 * 1024, minimumReadSize: 32 * 1024));
        var sizeBytes = new byte[4];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var result = await reader.ReadAsync(ct);
                var buffer = result.Buffer;
                if (buffer.Length < 4)
                {
                    if (result.IsCompleted)
                        return;
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }
                buffer.Slice(0, 4).CopyTo(sizeBytes);
                int size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
                if (size < 8 || size > options.MaxRequestBytes)
                {
                    logger.LogWarning("Closing {Remote}: request size {Size} out of range", RemoteAddress, size);
                    return;
                }
                if (buffer.Length < 4 + size)
                {
                    if (result.IsCompleted)
                        return;
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }
                var frame = ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    buffer.Slice(4, size).CopyTo(frame);
                    reader.AdvanceTo(buffer.GetPosition(4 + size));
                    if (!await HandleFrameAsync(frame, size, ct))
                        return;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the client went away or the broker is stopping
        }
        catch (ProtocolException e)
        {
            logger.LogWarning("Closing {Remote}: {Reason}", RemoteAddress, e.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Closing {Remote} after an unexpected error", RemoteAddress);
        }
        finally
        {
            await reader.CompleteAsync();
            Close();
        }
    }

    private bool DropNow() => options.ConnectionDropProbability > 0 && Random.Shared.NextDouble() < options.ConnectionDropProbability / 2;

    private async Task<bool> HandleFrameAsync(byte[] frame, int size, CancellationToken ct)
    {
        if (DropNow())
            return false; // test mode: lose the request
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var request = new ProtocolReader(frame, 0, size);
        using var response = await apis.HandleAsync(request, RemoteAddress, ct);
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(frame);
        if (response is null) // acks=0 produce
        {
            BrokerMetrics.Request(apiKey, size + 4, 0, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return true;
        }
        if (DropNow())
            return false; // test mode: processed, but the response is lost
        await _stream.WriteAsync(response.WrittenMemory, ct);
        BrokerMetrics.Request(apiKey, size + 4, response.WrittenMemory.Length, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        return true;
    }
}
