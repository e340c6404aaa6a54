using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Confluent.Kafka;

namespace Pipeline.Broker.Tests;

/// <summary>Fetch long polling (max wait, min bytes) and byte limits, on the wire.</summary>
public sealed class FetchTests
{
    private static byte[] FetchRequest(
        int correlationId,
        string topic,
        long offset,
        int maxWaitMs,
        int minBytes,
        int maxBytes,
        int partitionMaxBytes
    )
    {
        var body = new RawRequest()
            .I32(-1) // replica id
            .I32(maxWaitMs)
            .I32(minBytes)
            .I32(maxBytes)
            .I8(0) // isolation level
            .I32(1)
            .Str(topic)
            .I32(1)
            .I32(0)
            .I64(offset)
            .I32(partitionMaxBytes)
            .Body;
        return RawRequest.Frame(1, 4, correlationId, body, "fetch-test"); // Fetch v4
    }

    private static async Task<byte[]> RoundTripAsync(Socket s, byte[] request)
    {
        await s.SendAsync(request);
        return await RawRequest.ReadResponseAsync(s, TimeSpan.FromSeconds(30)) ?? throw new IOException("connection closed");
    }

    /// <summary>Record bytes length of the single partition in a Fetch v4 response.</summary>
    private static int RecordsLength(byte[] response, string topic)
    {
        // correlation(4) throttle(4) topics(4) name(2+n) partitions(4) index(4) error(2) hw(8) lso(8) aborted(4) records(4)
        int p = 4 + 4 + 4 + 2 + topic.Length + 4 + 4 + 2 + 8 + 8;
        int aborted = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(p));
        p += 4 + Math.Max(aborted, 0) * 16;
        return BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(p));
    }

    [Fact]
    public async Task Fetch_on_an_empty_partition_waits_max_wait_then_answers_empty()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("quiet");
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync("127.0.0.1", broker.Broker.Port);
        var sw = Stopwatch.StartNew();
        var response = await RoundTripAsync(
            s,
            FetchRequest(1, "quiet", 0, maxWaitMs: 400, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20)
        );
        Assert.InRange(sw.ElapsedMilliseconds, 350, 5000);
        Assert.Equal(0, RecordsLength(response, "quiet"));
    }

    [Fact]
    public async Task Waiting_fetch_is_answered_as_soon_as_data_arrives()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("wakeup");
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync("127.0.0.1", broker.Broker.Port);
        var sw = Stopwatch.StartNew();
        var fetch = RoundTripAsync(
            s,
            FetchRequest(1, "wakeup", 0, maxWaitMs: 20_000, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20)
        );
        using (var producer = Clients.Producer(broker.BootstrapServers))
            await producer.ProduceAsync("wakeup", new Message<string, string> { Key = "k", Value = "ping" });
        var response = await fetch;
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"answered after {sw.Elapsed}");
        Assert.True(RecordsLength(response, "wakeup") > 0);
    }

    [Fact]
    public async Task Fetch_respects_partition_byte_limits_but_always_returns_one_whole_batch()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("sized");
        var log = broker.Broker.Logs.Get("sized", 0)!;
        var batch = RawBatches.Plain(new string('x', 500));
        for (int i = 0; i < 10; i++)
            Assert.Equal(ErrorCode.None, log.Append(batch.ToArray(), out _, out _));

        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync("127.0.0.1", broker.Broker.Port);
        var limited = await RoundTripAsync(s, FetchRequest(1, "sized", 0, 0, 1, 1 << 20, partitionMaxBytes: batch.Length * 3 + 10));
        Assert.Equal(batch.Length * 3, RecordsLength(limited, "sized"));
        var tiny = await RoundTripAsync(s, FetchRequest(2, "sized", 0, 0, 1, 1 << 20, partitionMaxBytes: 10));
        Assert.Equal(batch.Length, RecordsLength(tiny, "sized")); // KIP-74: progress even when one batch exceeds the limit
        var fromMiddle = await RoundTripAsync(s, FetchRequest(3, "sized", 5, 0, 1, 1 << 20, partitionMaxBytes: 1 << 20));
        Assert.Equal(batch.Length * 5, RecordsLength(fromMiddle, "sized"));
    }
}
