// The generated OpenAPI document describes the version routes (GET /versions, POST /replays with its body and answers,
// GET /replays/{id}) and the ?version= parameter of the history routes.
namespace Pipeline.Api.Tests;

public sealed class VersionDocumentTests
{
    [Fact]
    public async Task The_version_routes_and_the_version_parameter_are_in_the_generated_document()
    {
        await using var api = await RunningApi.StartAsync();

        var paths = (await api.GetJsonAsync("/openapi/v1.json")).GetProperty("paths");

        Assert.True(paths.GetProperty("/versions").GetProperty("get").GetProperty("responses").TryGetProperty("200", out _));
        var post = paths.GetProperty("/replays").GetProperty("post");
        var body = post.GetProperty("requestBody")
            .GetProperty("content")
            .GetProperty("application/json")
            .GetProperty("schema")
            .GetRawText();
        Assert.Contains("ReplayRequestBody", body);
        var answers = post.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
        Assert.Subset(answers, new HashSet<string> { "202", "400", "401", "409" });
        Assert.True(paths.GetProperty("/replays/{id}").GetProperty("get").GetProperty("responses").TryGetProperty("404", out _));
        foreach (
            var route in new[]
            {
                "/candles/{exchange}/{base}/{quote}/{market}/{interval}",
                "/indicators/{exchange}/{base}/{quote}/{market}/{interval}",
            }
        )
            Assert.Contains(
                paths.GetProperty(route).GetProperty("get").GetProperty("parameters").EnumerateArray(),
                p => p.GetProperty("name").GetString() == "version" && p.GetProperty("in").GetString() == "query"
            );
    }
}
