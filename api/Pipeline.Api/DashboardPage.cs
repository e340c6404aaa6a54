// Serves the dashboard (GET / and /dashboard/*) from resources embedded at build time, including the
// lightweight-charts bundle that setup builds from npm (no CDN).
using System.Reflection;

namespace Pipeline.Api;

public static class DashboardPage
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Serve("index.html"))
            .WithTags("dashboard")
            .WithSummary("The dashboard page")
            .Produces(200, contentType: "text/html");
        app.MapGet("/dashboard/{file}", (string file) => Serve(file))
            .WithTags("dashboard")
            .WithSummary("A dashboard asset (script, style)")
            .Produces(200, contentType: "text/javascript")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static IResult Serve(string file)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + file);
        if (stream is null)
            return file == "lightweight-charts.js"
                ? Results.Problem(
                    statusCode: 404,
                    title: "dashboard asset missing",
                    detail: "lightweight-charts was not built into this binary; run 'make setup' (infra/setup/setup.sh) and rebuild"
                )
                : Results.Problem(statusCode: 404, title: "not found", detail: $"no dashboard file '{file}'");
        var type = Types.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
        return Results.Stream(stream, type);
    }
}
