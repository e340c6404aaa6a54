// POST /replays (ADR 0006): protected by X-API-Key, checked like the CLI (a valid unused name, from before to, configured
// instruments, known intervals), then recorded as planned and published on replay.requests for the replay worker.
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class ReplayRequestTests : IAsyncLifetime
{
    private const string Key = "replay-key";
    private TestKafka _kafka = null!;
    private RunningApi _api = null!;

    public async Task InitializeAsync()
    {
        _kafka = await TestKafka.StartAsync(partitions: 1);
        _api = await RunningApi.StartAsync(_kafka.Settings, configure: o => o.Api.ApiKeys = [Key]);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _kafka.DisposeAsync();
    }

    [Fact]
    public async Task A_replay_request_without_a_valid_key_is_refused_with_401()
    {
        foreach (var key in new[] { null, "guess" })
        {
            using var response = await PostAsync(
                """{"version": "v2", "from": "2025-01-15T00:00:00Z", "to": "2025-01-16T00:00:00Z"}""",
                key
            );
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(
            0,
            (await _api.GetJsonAsync("/versions"))
                .GetProperty("data")
                .EnumerateArray()
                .Count(v => v.GetProperty("name").GetString() == "v2")
        );
    }

    [Theory]
    [InlineData("""{"version": "v2", "from": "2025-01-16T00:00:00Z", "to": "2025-01-15T00:00:00Z"}""", 400, "must be before to")]
    [InlineData("""{"version": "v2", "from": "2025-01-15T00:00:00Z", "to": "2025-01-15T00:00:00Z"}""", 400, "must be before to")]
    [InlineData("""{"version": "v2", "from": "yesterday"}""", 400, "from 'yesterday'")]
    [InlineData("""{"version": "v2"}""", 400, "from is required")]
    [InlineData("""{"version": "V 2", "from": "2025-01-15T00:00:00Z"}""", 400, "not a valid version name")]
    [InlineData("""{"from": "2025-01-15T00:00:00Z"}""", 400, "a version name is required")]
    [InlineData("""{"version": "live", "from": "2025-01-15T00:00:00Z"}""", 400, "'live' is the live processors' version")]
    [InlineData(
        """{"version": "v2", "from": "2025-01-15T00:00:00Z", "instruments": ["binance:DOGE/USDT:spot"]}""",
        400,
        "instrument 'binance:DOGE/USDT:spot' is not configured"
    )]
    [InlineData("""{"version": "v2", "from": "2025-01-15T00:00:00Z", "intervals": ["7m"]}""", 400, "interval '7m' is not one of")]
    [InlineData("""{"version": "v2", "from": "2025-01-15T00:00:00Z", "intervals": "1m"}""", 400, "must be an array of strings")]
    [InlineData("""{"version": "v2", "from": "2025-01-15T00:00:00Z", "allowed_lateness_ms": -5}""", 400, "whole number of milliseconds")]
    [InlineData("""{"version": "v2", "from": "2025-01-15T00:00:00Z", "period": 21}""", 400, "unknown field 'period'")]
    [InlineData("""{"version": "v2", "from": """, 400, "not valid JSON")]
    [InlineData("""[1, 2]""", 400, "must be a JSON object")]
    public async Task A_bad_replay_request_gets_a_400_problem_and_nothing_is_started(string body, int status, string mentions)
    {
        using var response = await PostAsync(body, Key);

        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(mentions, await response.Content.ReadAsStringAsync());
        Assert.Equal(
            ["live"],
            (await _api.GetJsonAsync("/versions")).GetProperty("data").EnumerateArray().Select(v => v.GetProperty("name").GetString())
        );
    }

    [Fact]
    public async Task An_accepted_request_is_planned_and_published_once_and_its_name_cannot_be_reused()
    {
        using var response = await PostAsync(
            """
            {"version": "rsi-21", "from": "2025-01-15T00:00:00Z", "to": "2025-01-16T00:00:00Z",
             "instruments": ["binance:BTC/USDT:spot"], "intervals": ["1m", "1h"], "indicators": ["rsi(21)"]}
            """,
            Key
        );

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/replays/rsi-21", response.Headers.Location?.ToString());
        var status = await _api.GetJsonAsync("/replays/rsi-21");
        Assert.Equal("planned", status.GetProperty("state").GetString());
        Assert.Equal("2025-01-15T00:00:00.000000Z", status.GetProperty("from").GetString());
        Assert.Equal(["1m", "1h"], status.GetProperty("intervals").EnumerateArray().Select(i => i.GetString()));

        // The request on the topic, read with a plain consumer and decoded as the worker does.
        using var consumer = new ConsumerBuilder<string, byte[]>(_kafka.Settings.Consumer("check", "check-" + Guid.NewGuid())).Build();
        consumer.Assign(new TopicPartitionOffset(TopicCatalog.ReplayRequests.Name, 0, Offset.Beginning));
        var record = await Eventually.GetAsync(
            () => Task.FromResult(consumer.Consume(TimeSpan.FromMilliseconds(200))),
            r => r is { Message: not null },
            what: "the request on replay.requests"
        );
        Assert.Equal("rsi-21", record.Message.Key);
        var request = RequestedReplay.FromJson(record.Message.Value);
        Assert.Equal((1_736_899_200_000_000L, 1_736_985_600_000_000L), (request.FromUs, request.ToUs));
        Assert.Equal(["rsi(21)"], request.Indicators);
        Assert.Equal(["binance:BTC/USDT:spot"], request.Instruments);

        using var again = await PostAsync("""{"version": "rsi-21", "from": "2025-01-15T00:00:00Z", "to": "2025-01-16T00:00:00Z"}""", Key);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already exists", await again.Content.ReadAsStringAsync());
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(500))); // nothing more was published
    }

    private Task<HttpResponseMessage> PostAsync(string body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/replays")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
            request.Headers.Add("X-API-Key", key);
        return _api.Http.SendAsync(request);
    }
}
