// The OpenAPI document generated from the endpoints (Microsoft.AspNetCore.OpenApi) at /openapi/v1.json (and the
// older /openapi.json), browsable with Scalar at /docs: its bundle is embedded in its package and its web fonts are
// off, so the page needs no CDN.
using Microsoft.AspNetCore.OpenApi;
using Scalar.AspNetCore;

namespace Pipeline.Api;

public static class ApiDocuments
{
    public const string DocumentPath = "/openapi/v1.json";

    public static void Configure(OpenApiOptions o) =>
        o.AddDocumentTransformer(
            (document, _, _) =>
            {
                document.Info.Title = "Market-data pipeline API";
                document.Info.Version = "v1";
                document.Info.Description =
                    "Candles, indicators, trades and coverage from the pipeline's PostgreSQL store, and live candles over "
                    + "Server-Sent Events. "
                    + "Decimals are strings (exact); times are ISO-8601 UTC with 6 fractional digits, or Unix milliseconds on input. "
                    + "Every 4xx and 5xx answer is application/problem+json saying what is wrong and how to fix it.";
                return Task.CompletedTask;
            }
        );

    public static void Map(WebApplication app)
    {
        app.MapOpenApi(DocumentPath).CacheOutput();
        // The path earlier releases served; the same generated document.
        app.MapOpenApi("/openapi.json").CacheOutput();
        app.MapScalarApiReference(
            "/docs",
            o =>
            {
                o.WithTitle("Market-data pipeline API").WithOpenApiRoutePattern(DocumentPath);
                o.DefaultFonts = false; // Scalar would fetch its fonts from fonts.scalar.com: the page must work offline
            }
        );
    }
}
