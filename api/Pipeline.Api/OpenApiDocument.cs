// Serves the hand-written OpenAPI document (/openapi.json) and a small browsable page for it (/docs).
// Hand-written because Microsoft.AspNetCore.OpenApi is not on the package mirror; ApiDocumentTests keeps it in step with the routes.
using System.Reflection;

namespace Pipeline.Api;

public static class OpenApiDocument
{
    private static readonly Lazy<byte[]> Json = new(() => Read("openapi.json"));
    private static readonly Lazy<byte[]> Page = new(() => Read("docs.html"));

    public static void Map(WebApplication app)
    {
        app.MapGet("/openapi.json", () => Results.Bytes(Json.Value, "application/json"));
        app.MapGet("/docs", () => Results.Bytes(Page.Value, "text/html; charset=utf-8"));
    }

    private static byte[] Read(string name)
    {
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream("docs/" + name)
            ?? throw new InvalidOperationException($"embedded resource docs/{name} is missing from Pipeline.Api");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }
}
