using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Broker.Tests;

/// <summary>
/// A Kafka request built by hand, field by field, apart from the broker's own codec (so a test on the wire does not check
/// the broker against itself), and the framing and reading of requests and responses on a raw socket.
/// </summary>
internal sealed class RawRequest
{
    private readonly MemoryStream _body = new();

    public byte[] Body => _body.ToArray();

    public RawRequest I8(byte v)
    {
        _body.WriteByte(v);
        return this;
    }

    public RawRequest I16(short v) => BigEndian(v, 2);

    public RawRequest I32(int v) => BigEndian(v, 4);

    public RawRequest I64(long v) => BigEndian(v, 8);

    private RawRequest BigEndian(long v, int bytes)
    {
        for (int i = bytes - 1; i >= 0; i--)
            _body.WriteByte((byte)(v >> (i * 8)));
        return this;
    }

    /// <summary>A classic string: int16 length, then UTF-8.</summary>
    public RawRequest Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        I16((short)bytes.Length);
        _body.Write(bytes);
        return this;
    }

    public RawRequest Raw(ReadOnlySpan<byte> bytes)
    {
        _body.Write(bytes);
        return this;
    }

    /// <summary>A size-prefixed frame with request header v1 (api key, version, correlation id, client id; null is sent as "").</summary>
    public static byte[] Frame(short apiKey, short version, int correlationId, byte[] body, string? clientId)
    {
        var payload = new RawRequest().I16(apiKey).I16(version).I32(correlationId).Str(clientId ?? "").Raw(body).Body;
        return new RawRequest().I32(payload.Length).Raw(payload).Body;
    }

    /// <summary>Reads one response frame (without its size), or null when the broker closed the connection.</summary>
    public static async Task<byte[]?> ReadResponseAsync(Socket s, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var size = new byte[4];
        if (!await ReadExactlyAsync(s, size, cts.Token))
            return null;
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        return await ReadExactlyAsync(s, body, cts.Token) ? body : null;
    }

    private static async Task<bool> ReadExactlyAsync(Socket s, byte[] buffer, CancellationToken ct)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await s.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
            }
            catch (SocketException)
            {
                return false;
            }
            if (n == 0)
                return false;
            read += n;
        }
        return true;
    }
}
