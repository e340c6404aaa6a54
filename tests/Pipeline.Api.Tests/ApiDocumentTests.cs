// The OpenAPI document lists every route the app serves, and /docs renders it.
using System.Text.Json;
using Microsoft.AspNetCore.Routing;

namespace Pipeline.Api.Tests;

public sealed class ApiDocumentTests
{
    [Fact]
    public async Task Openapi_document_describes_every_mapped_route_and_docs_page_is_served()
    {
        await using var api = await RunningApi.StartAsync();

        var doc = await api.GetJsonAsync("/openapi.json");
        using var page = await api.Http.GetAsync("/docs");

        Assert.Equal("3.1.0", doc.GetProperty("openapi").GetString());
        var documented = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        var mapped = api.Routes.ToList();
        Assert.NotEmpty(mapped);
        Assert.All(mapped, route => Assert.Contains(route, documented));
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/openapi.json", await page.Content.ReadAsStringAsync());
    }
}
