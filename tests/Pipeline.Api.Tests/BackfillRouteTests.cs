// POST /backfills and GET /backfills/{id} (issue 16): a job request is a record on the backfill.jobs topic, its progress
// is whatever the producers write there, so both survive a restart of the API; /coverage marks the venue's own gaps.
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class BackfillRouteTests
{
    private const string Key = "test-key-1";
    private static readonly FixedClock Clock = new(new DateTimeOffset(2025, 1, 20, 12, 0, 30, TimeSpan.Zero));

    [Fact]
    public async Task The_backfill_route_needs_a_key_and_answers_bad_requests_with_one_line_problems()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings, Clock, o => o.Api.ApiKeys = [Key]);
        const string good = """{"instruments":["binance:BTC/USDT:spot"],"start":"2025-01-01","intervals":["1m"]}""";

        using (var none = await api.Http.PostAsync("/backfills", Json(good)))
            await AssertProblemAsync(none, HttpStatusCode.Unauthorized, "X-API-Key");
        using (var wrong = await Post(api, good, "not-the-key"))
            await AssertProblemAsync(wrong, HttpStatusCode.Unauthorized, "X-API-Key");

        foreach (
            var (body, says) in new[]
            {
                ("{", "not a backfill request"),
                ("""{"start":"2025-01-01"}""", "at least one instrument"),
                (
                    """{"instruments":["binance:DOGE/USDT:spot"],"start":"2025-01-01"}""",
                    "'binance:DOGE/USDT:spot' is not a configured instrument"
                ),
                ("""{"instruments":["sim:BTC/USD:spot"],"start":"2025-01-01"}""", "is not a configured instrument on a real venue"),
                ("""{"instruments":["binance:BTC/USDT:spot"],"start":"yesterday"}""", "start 'yesterday' is not an ISO-8601 UTC time"),
                ("""{"instruments":["binance:BTC/USDT:spot"],"start":"2025-01-01","end":"2030-01-01"}""", "is in the future"),
                ("""{"instruments":["binance:BTC/USDT:spot"],"start":"2025-01-10","end":"2025-01-01"}""", "the range is empty"),
                ("""{"instruments":["binance:BTC/USDT:spot"],"start":"2025-01-01","intervals":["7m"]}""", "interval '7m' is not one of"),
                ("""{"instruments":["binance:BTC/USDT:spot"],"start":"2025-01-01","intervals":[],"trades":false}""", "nothing to fetch"),
            }
        )
        {
            using var response = await Post(api, body, Key);
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, says);
        }
        using var unknown = await api.Http.GetAsync("/backfills/no-such-job");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "no backfill job 'no-such-job'");
    }

    [Fact]
    public async Task A_requested_job_is_a_record_on_the_jobs_topic_and_its_progress_survives_a_restart_of_the_api()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        string id;
        await using (var api = await RunningApi.StartAsync(kafka.Settings, Clock, o => o.Api.ApiKeys = [Key]))
        {
            using var response = await Post(
                api,
                """
                {"instruments":["binance:BTC/USDT:spot","kraken:BTC/USD:spot"],"start":"2025-01-01T00:00:00Z","end":"2025-01-02",
                 "intervals":["1m","1h"],"trades":true}
                """,
                Key
            );
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            id = answer.GetProperty("id").GetString()!;
            Assert.Equal("requested", answer.GetProperty("state").GetString());
            Assert.Equal(6, answer.GetProperty("parts").GetArrayLength());

            // What the producers read: the job's record on the topic, keyed by its id.
            var record = ReadJobs(kafka).Single(r => r.Key == id).Value;
            Assert.Equal(
                (
                    new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000,
                    new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000
                ),
                (record.FromUs, record.ToUs)
            );
            Assert.Equal(
                [
                    "binance:BTC/USDT:spot 1m",
                    "binance:BTC/USDT:spot 1h",
                    "binance:BTC/USDT:spot trades",
                    "kraken:BTC/USD:spot 1m",
                    "kraken:BTC/USD:spot 1h",
                    "kraken:BTC/USD:spot trades",
                ],
                record.Parts.Select(p => $"{p.Instrument.Key} {p.Data}")
            );

            // The producers' progress, written to the same key.
            record.State = BackfillState.Running;
            record.UpdatedAtUs += 10;
            record.Parts[0].State = BackfillState.Succeeded;
            record.Parts[0].Rows = 1440;
            record.Parts[0].CursorUs = record.ToUs;
            record.Parts[0].VenueGaps.Add(new TimeRange { FromUs = record.FromUs + 3_600_000_000, ToUs = record.FromUs + 7_200_000_000 });
            await PublishAsync(kafka, TopicCatalog.BackfillJobs.Name, id, record);
            var seen = await Eventually.GetAsync(
                () => api.GetJsonAsync($"/backfills/{id}"),
                j => j.GetProperty("state").GetString() == "running",
                TimeSpan.FromSeconds(30),
                "the producers' progress"
            );
            Assert.Equal(1440, seen.GetProperty("parts")[0].GetProperty("rows").GetInt64());
        }

        await using var restarted = await RunningApi.StartAsync(kafka.Settings, Clock, o => o.Api.ApiKeys = [Key]);
        var job = await restarted.GetJsonAsync($"/backfills/{id}");
        Assert.Equal("running", job.GetProperty("state").GetString());
        var part = job.GetProperty("parts")[0];
        Assert.Equal(
            ("succeeded", 1440L, 1.0),
            (part.GetProperty("state").GetString(), part.GetProperty("rows").GetInt64(), part.GetProperty("progress").GetDouble())
        );
        var gap = Assert.Single(part.GetProperty("venue_gaps").EnumerateArray().ToList());
        Assert.Equal(
            ("2025-01-01T01:00:00.000000Z", "2025-01-01T02:00:00.000000Z"),
            (gap.GetProperty("start").GetString(), gap.GetProperty("end").GetString())
        );
        Assert.Equal(
            ("requested", 0.0),
            (job.GetProperty("parts")[1].GetProperty("state").GetString(), job.GetProperty("parts")[1].GetProperty("progress").GetDouble())
        );
    }

    [Fact]
    public async Task Coverage_marks_the_missing_minutes_the_venue_itself_has_no_data_for()
    {
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        await using var api = await RunningApi.StartAsync(kafka.Settings);
        foreach (var m in new[] { 0, 1, 2, 5, 6, 9 })
            await api.InsertCandleAsync($"2025-01-15T00:0{m}:00Z", "1", "1", "1", "1", "1");
        // The producers' catch-up found no venue candles 00:02:30-00:05 (a halt that began mid-minute).
        var t0 = new DateTimeOffset(2025, 1, 15, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        var coverage = new VenueCoverage
        {
            Instrument = new InstrumentRef
            {
                Exchange = "binance",
                Base = "BTC",
                Quote = "USDT",
                Market = MarketType.Spot,
            },
            Interval = "1m",
            ThroughUs = t0 + 600_000_000,
            UpdatedAtUs = 1,
        };
        coverage.VenueGaps.Add(new TimeRange { FromUs = t0 + 150_000_000, ToUs = t0 + 300_000_000 });
        await PublishAsync(kafka, TopicCatalog.VenueCoverage.Name, "binance:BTC/USDT:spot|1m", coverage);

        var data = (
            await Eventually.GetAsync(
                () => api.GetJsonAsync("/coverage/binance/BTC/USDT/spot/1m?end=2025-01-15T00:10:00Z"),
                j => j.GetProperty("data").GetProperty("gaps").EnumerateArray().Any(g => g.GetProperty("venue_gap").GetBoolean()),
                TimeSpan.FromSeconds(30),
                "the venue gap in /coverage"
            )
        ).GetProperty("data");

        var gaps = data.GetProperty("gaps")
            .EnumerateArray()
            .Select(g =>
                (
                    g.GetProperty("start").GetString()![11..16],
                    g.GetProperty("end").GetString()![11..16],
                    g.GetProperty("missing").GetInt32(),
                    g.GetProperty("venue_gap").GetBoolean()
                )
            )
            .ToList();
        // 00:03 and 00:04 lie wholly inside the venue's gap; 00:07-00:09 is ours to fill.
        Assert.Equal([("00:03", "00:05", 2, true), ("00:07", "00:09", 2, false)], gaps);
        Assert.Equal(4, data.GetProperty("missing").GetInt32());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> Post(RunningApi api, string body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/backfills") { Content = Json(body) };
        request.Headers.Add("X-API-Key", key);
        return api.Http.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string says)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(says, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
    }

    private static async Task PublishAsync<T>(TestKafka kafka, string topic, string key, T value)
        where T : IMessage<T>, new()
    {
        using var producer = new ProducerBuilder<string, byte[]>(kafka.Settings.Producer("test")).Build();
        await producer.ProduceAsync(
            topic,
            new Message<string, byte[]>
            {
                Key = key,
                Value = value.ToByteArray(),
                Headers = MessageHeaders.For<T>(),
            }
        );
    }

    private static List<(string Key, BackfillJob Value)> ReadJobs(TestKafka kafka)
    {
        using var reader = new TopicReader<BackfillJob>(kafka.Settings, TopicCatalog.BackfillJobs.Name);
        reader.ReadToEnd();
        return reader.Records.Select(r => (r.Key, r.Value)).ToList();
    }
}
