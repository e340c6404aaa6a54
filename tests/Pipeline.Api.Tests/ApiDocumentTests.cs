// The OpenAPI document is generated from the endpoints: it lists every mapped route, its 4xx answers are problem+json,
// and its response schemas have exactly the fields real answers have.
using System.Net;
using System.Text.Json;

namespace Pipeline.Api.Tests;

public sealed class ApiDocumentTests
{
    [Fact]
    public async Task Every_mapped_route_is_in_the_generated_document_and_every_documented_4xx_is_problem_json()
    {
        await using var api = await RunningApi.StartAsync();

        var doc = await api.GetJsonAsync("/openapi/v1.json");

        Assert.StartsWith("3.1", doc.GetProperty("openapi").GetString());
        var paths = doc.GetProperty("paths");
        var documented = paths.EnumerateObject().Select(p => p.Name).ToHashSet();
        var mapped = api.DescribedRoutes.ToList();
        Assert.Contains("/candles/{exchange}/{base}/{quote}/{market}/{interval}", mapped);
        Assert.All(mapped, route => Assert.Contains(route, documented));
        var errorAnswers = 0;
        foreach (var path in paths.EnumerateObject())
        foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "delete"))
        foreach (var answer in operation.Value.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('4')))
        {
            errorAnswers++;
            var types = answer.Value.GetProperty("content").EnumerateObject().Select(c => c.Name).ToList();
            Assert.True(
                types.SequenceEqual(["application/problem+json"]),
                $"{operation.Name} {path.Name} {answer.Name}: {string.Join(", ", types)}"
            );
        }
        Assert.True(errorAnswers >= 10, $"only {errorAnswers} documented 4xx answers");
    }

    [Fact]
    public async Task The_older_document_path_still_answers_with_the_generated_document()
    {
        await using var api = await RunningApi.StartAsync();
        var old = await api.GetJsonAsync("/openapi.json");
        var generated = await api.GetJsonAsync("/openapi/v1.json");
        Assert.Equal(generated.GetRawText(), old.GetRawText());
    }

    [Fact]
    public async Task Documented_answer_fields_equal_the_fields_of_real_answers()
    {
        await using var api = await RunningApi.StartAsync();
        await api.InsertCandleAsync("2025-01-15T00:00:00Z", "1", "1", "1", "1", "1");
        await api.ExecuteAsync("SELECT pipeline_ensure_day_partitions('trades', '2025-01-15'::timestamptz, '2025-01-15'::timestamptz)");
        await api.ExecuteAsync(
            """
            INSERT INTO trades (time, instrument_id, trade_id, price, size, aggressor, origin)
            SELECT '2025-01-15T00:00:00Z', id, 1, 1, 1, 1,
                1 FROM instruments WHERE exchange = 'binance' AND base = 'BTC' AND quote = 'USDT' AND market = 'spot'
            """
        );
        await api.ExecuteAsync(
            """
            INSERT INTO indicators (time, instrument_id, interval, indicator, fields)
            SELECT '2025-01-15T00:00:00Z', id, '1m', 'sma(2)', '{"sma": 1}' FROM instruments
            WHERE exchange = 'binance' AND base = 'BTC' AND quote = 'USDT' AND market = 'spot'
            """
        );
        var doc = await api.GetJsonAsync("/openapi/v1.json");
        const string range = "?start=2025-01-15T00:00:00Z&end=2025-01-15T00:05:00Z";

        foreach (
            var (route, url) in new[]
            {
                ("/candles/{exchange}/{base}/{quote}/{market}/{interval}", "/candles/binance/BTC/USDT/spot/1m" + range),
                ("/trades/{exchange}/{base}/{quote}/{market}", "/trades/binance/BTC/USDT/spot" + range),
                ("/indicators/{exchange}/{base}/{quote}/{market}/{interval}", "/indicators/binance/BTC/USDT/spot/1m" + range),
                ("/coverage/{exchange}/{base}/{quote}/{market}/{interval}", "/coverage/binance/BTC/USDT/spot/1m" + range),
                ("/instruments", "/instruments"),
            }
        )
        {
            var answer = await api.GetJsonAsync(url);
            var schema = Resolve(
                doc,
                doc.GetProperty("paths")
                    .GetProperty(route)
                    .GetProperty("get")
                    .GetProperty("responses")
                    .GetProperty("200")
                    .GetProperty("content")
                    .GetProperty("application/json")
                    .GetProperty("schema")
            );
            AssertSameFields(doc, schema, answer, route);
        }
    }

    private static void AssertSameFields(JsonElement doc, JsonElement schema, JsonElement value, string where)
    {
        schema = Resolve(doc, schema);
        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties))
        {
            Assert.Equal(properties.EnumerateObject().Select(p => p.Name).Order(), value.EnumerateObject().Select(p => p.Name).Order());
            foreach (var p in value.EnumerateObject())
                AssertSameFields(doc, properties.GetProperty(p.Name), p.Value, $"{where}.{p.Name}");
        }
        else if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && schema.TryGetProperty("items", out var items))
            AssertSameFields(doc, items, value[0], where + "[0]");
    }

    private static JsonElement Resolve(JsonElement doc, JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var r))
            return doc.GetProperty("components").GetProperty("schemas").GetProperty(r.GetString()!.Split('/')[^1]);
        if (schema.TryGetProperty("oneOf", out var one) || schema.TryGetProperty("anyOf", out one))
            return Resolve(
                doc,
                one.EnumerateArray()
                    .First(s => !(s.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null"))
            );
        return schema;
    }

    [Fact]
    public async Task Docs_page_is_served_from_the_binary_without_a_cdn()
    {
        await using var api = await RunningApi.StartAsync();
        using var page = await api.Http.GetAsync("/docs");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("cdn.", html);
        Assert.DoesNotContain("https://", html.Replace("https://github.com", ""));
    }
}
