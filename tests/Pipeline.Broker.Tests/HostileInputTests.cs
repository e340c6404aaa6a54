using System.Buffers.Binary;
using System.Net.Sockets;
using Confluent.Kafka;

namespace Pipeline.Broker.Tests;

/// <summary>Scenario 12: malformed frames, absurd sizes, unknown APIs and versions get an error or a closed connection, never a
/// crash.</summary>
public sealed class HostileInputTests
{
    private static async Task<Socket> ConnectAsync(KafkaBroker broker)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync("127.0.0.1", broker.Port);
        return s;
    }

    private static byte[] Frame(short apiKey, short version, int correlationId, byte[] body) =>
        RawRequest.Frame(apiKey, version, correlationId, body, "hostile");

    /// <summary>Reads one response frame, or null when the broker closed the connection.</summary>
    private static Task<byte[]?> ReadResponseAsync(Socket s) => RawRequest.ReadResponseAsync(s, TimeSpan.FromSeconds(10));

    private static async Task AssertClosedAsync(KafkaBroker broker, byte[] bytes)
    {
        using var s = await ConnectAsync(broker);
        await s.SendAsync(bytes);
        Assert.Null(await ReadResponseAsync(s));
    }

    private static async Task AssertHealthyAsync(KafkaBroker broker)
    {
        using var s = await ConnectAsync(broker);
        await s.SendAsync(Frame(18, 0, 7, []));
        var response = await ReadResponseAsync(s);
        Assert.NotNull(response);
        Assert.Equal(7, BinaryPrimitives.ReadInt32BigEndian(response));
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(4)));
    }

    [Fact]
    public async Task Oversized_negative_and_truncated_frames_close_only_their_own_connection()
    {
        await using var broker = await InProcessBroker.StartAsync();
        using var bystander = await ConnectAsync(broker.Broker); // connected before the abuse, must keep working

        await AssertClosedAsync(broker.Broker, [0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3]);
        await AssertClosedAsync(broker.Broker, [0xFF, 0xFF, 0xFF, 0xFB]);
        await AssertClosedAsync(broker.Broker, [0, 0, 0, 3, 0, 18, 0]);
        // A Metadata v1 request whose topic array claims a billion entries.
        await AssertClosedAsync(broker.Broker, Frame(3, 1, 1, [0x3B, 0x9A, 0xCA, 0x00]));
        // A Produce v3 request cut off in the middle of its records.
        await AssertClosedAsync(
            broker.Broker,
            Frame(0, 3, 1, [0xFF, 0xFF, 0, 1, 0, 0, 0x75, 0x30, 0, 0, 0, 1, 0, 1, (byte)'t', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0])
        );

        await bystander.SendAsync(Frame(18, 2, 99, []));
        var answer = await ReadResponseAsync(bystander);
        Assert.Equal(99, BinaryPrimitives.ReadInt32BigEndian(answer));
        await AssertHealthyAsync(broker.Broker);
    }

    [Fact]
    public async Task Unknown_api_keys_and_versions_are_refused_and_ApiVersions_answers_per_KIP_511()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await AssertClosedAsync(broker.Broker, Frame(999, 0, 1, []));
        await AssertClosedAsync(broker.Broker, Frame(3, 99, 1, []));

        using var s = await ConnectAsync(broker.Broker);
        await s.SendAsync(Frame(18, 42, 5, [1, 2, 3]));
        var response = await ReadResponseAsync(s);
        Assert.NotNull(response);
        Assert.Equal(5, BinaryPrimitives.ReadInt32BigEndian(response));
        Assert.Equal(35, BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(4))); // UNSUPPORTED_VERSION, v0 body
        int apis = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(6));
        Assert.True(apis > 20);
        bool listsApiVersionsV3 = Enumerable
            .Range(0, apis)
            .Any(i =>
                BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(10 + i * 6)) == 18
                && BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(14 + i * 6)) == 3
            );
        Assert.True(listsApiVersionsV3);
        await AssertHealthyAsync(broker.Broker);
    }

    [Fact]
    public async Task Corrupt_record_batch_gets_CORRUPT_MESSAGE_and_nothing_is_appended()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("guarded");
        var batch = RawBatches.Plain("hello");
        batch[^1] ^= 0x55; // breaks the CRC
        var body = new RawRequest()
            .I16(-1) // transactional id: null
            .I16(-1) // acks
            .I32(30000)
            .I32(1)
            .Str("guarded")
            .I32(1)
            .I32(0)
            .I32(batch.Length)
            .Raw(batch)
            .Body;
        using var s = await ConnectAsync(broker.Broker);
        await s.SendAsync(Frame(0, 3, 11, body));
        var response = await ReadResponseAsync(s);
        Assert.NotNull(response);
        // correlation(4) topics(4) name(2+7) partitions(4) index(4) error(2)
        Assert.Equal(2, BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(4 + 4 + 9 + 4 + 4)));
        Assert.Equal(0, broker.Broker.Logs.Get("guarded", 0)!.HighWatermark);
    }

    [Fact]
    public async Task Random_garbage_never_crashes_the_broker_and_real_clients_keep_being_served()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("survivor");
        var random = new Random(12345);
        for (int i = 0; i < 300; i++)
        {
            using var s = await ConnectAsync(broker.Broker);
            var body = new byte[random.Next(0, 200)];
            random.NextBytes(body);
            short key = (short)random.Next(0, 50);
            short version = (short)random.Next(0, 12);
            await s.SendAsync(Frame(key, version, i, body));
            await ReadResponseAsync(s); // any answer or a close is fine
        }
        await AssertHealthyAsync(broker.Broker);
        using var producer = Clients.Producer(broker.BootstrapServers);
        var delivered = await producer.ProduceAsync("survivor", new Message<string, string> { Key = "k", Value = "still here" });
        Assert.Equal(0, delivered.Offset.Value);
    }
}
