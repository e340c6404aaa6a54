using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.SchemaRegistry;

/// <summary>
/// The subset of Confluent Schema Registry's REST API that serializers, deserializers and tools use, for Protobuf:
/// subjects and versions (register, look up, get, list), schemas by id (text, or format=serialized), compatibility
/// checks and /config (BACKWARD by default). State is one JSON file in the data directory. docs/schema-registry.md.
/// </summary>
public sealed class SchemaRegistryServer : IAsyncDisposable
{
    private const string ContentType = "application/vnd.schemaregistry.v1+json";
    private readonly WebApplication _app;

    public string Url { get; }

    private SchemaRegistryServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Starts on 127.0.0.1:<paramref name="port"/> (0 picks a free port) with its state in <paramref name="dataDir"/>.</summary>
    public static async Task<SchemaRegistryServer> StartAsync(
        string dataDir,
        int port,
        ILoggerFactory? loggers = null,
        CancellationToken ct = default
    )
    {
        var store = new RegistryStore(dataDir);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (loggers is not null)
            builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        Map(app, store);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SchemaRegistryServer(app, address.Replace("[::]", "127.0.0.1").TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static void Map(WebApplication app, RegistryStore store)
    {
        app.Use(
            async (context, next) =>
            {
                try
                {
                    await next(context);
                }
                catch (RegistryException e)
                {
                    await Write(context, e.Status, new JsonObject { ["error_code"] = e.ErrorCode, ["message"] = e.Message });
                }
                catch (JsonException e)
                {
                    await Write(
                        context,
                        422,
                        new JsonObject { ["error_code"] = 42201, ["message"] = $"Invalid request body: {e.Message}" }
                    );
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or NullReferenceException or FormatException)
                {
                    await Write(context, 500, new JsonObject { ["error_code"] = 50001, ["message"] = $"{e.GetType().Name}: {e.Message}" });
                }
            }
        );

        app.MapGet("/", () => Json(new JsonObject()));
        app.MapGet("/schemas/types", () => Json(new JsonArray("PROTOBUF")));
        app.MapGet("/subjects", () => Json(new JsonArray(store.Subjects().Select(s => (JsonNode)s!).ToArray())));
        app.MapGet(
            "/subjects/{rawSubject}/versions",
            (string rawSubject) => Json(new JsonArray(store.Versions(Subject(rawSubject)).Select(v => (JsonNode)v!).ToArray()))
        );
        app.MapGet(
            "/subjects/{rawSubject}/versions/{version}",
            (string rawSubject, string version, string? format) =>
            {
                string subject = Subject(rawSubject);
                var (v, s) = store.Get(subject, version);
                var body = SchemaBody(s, format);
                body["subject"] = subject;
                body["version"] = v.Version;
                body["id"] = s.Id;
                return Json(body);
            }
        );
        app.MapGet(
            "/subjects/{rawSubject}/versions/{version}/schema",
            (string rawSubject, string version) =>
                Results.Text(
                    ProtobufSchemaText.Render(RegistryStore.Parse(store.Get(Subject(rawSubject), version).Schema.Serialized)),
                    "text/plain"
                )
        );
        app.MapPost(
            "/subjects/{rawSubject}/versions",
            async (string rawSubject, HttpRequest request) =>
            {
                var (schema, references) = await ReadSchemaAsync(request);
                var (id, _) = store.Register(Subject(rawSubject), schema, references);
                return Json(new JsonObject { ["id"] = id });
            }
        );
        app.MapPost(
            "/subjects/{rawSubject}",
            async (string rawSubject, HttpRequest request) =>
            {
                var (schema, _) = await ReadSchemaAsync(request);
                string subject = Subject(rawSubject);
                var (v, s) = store.Lookup(subject, schema);
                var body = SchemaBody(s, null);
                body["subject"] = subject;
                body["version"] = v.Version;
                body["id"] = s.Id;
                return Json(body);
            }
        );
        app.MapGet("/schemas/ids/{id:int}", (int id, string? format) => Json(SchemaBody(store.ById(id), format)));
        app.MapGet(
            "/schemas/ids/{id:int}/versions",
            (int id) =>
            {
                store.ById(id);
                return Json(
                    new JsonArray(
                        store
                            .SubjectVersionsOf(id)
                            .Select(sv => (JsonNode)new JsonObject { ["subject"] = sv.Subject, ["version"] = sv.Version })
                            .ToArray()
                    )
                );
            }
        );
        app.MapPost(
            "/compatibility/subjects/{rawSubject}/versions/{version}",
            async (string rawSubject, string version, HttpRequest request, bool? verbose) =>
            {
                var (schema, _) = await ReadSchemaAsync(request);
                var problems = store.CheckAgainst(Subject(rawSubject), schema, version);
                var body = new JsonObject { ["is_compatible"] = problems.Count == 0 };
                if (verbose == true)
                    body["messages"] = new JsonArray(problems.Select(p => (JsonNode)p!).ToArray());
                return Json(body);
            }
        );
        app.MapGet("/config", () => Json(new JsonObject { ["compatibilityLevel"] = RegistryStore.Name(store.LevelOf(null)) }));
        app.MapGet(
            "/config/{rawSubject}",
            (string rawSubject, bool? defaultToGlobal) =>
            {
                string subject = Subject(rawSubject);
                if (!store.HasSubjectLevel(subject) && defaultToGlobal != true)
                    throw new RegistryException(404, 40408, $"Subject '{rawSubject}' does not have subject-level compatibility configured");
                return Json(new JsonObject { ["compatibilityLevel"] = RegistryStore.Name(store.LevelOf(subject)) });
            }
        );
        app.MapPut("/config", async (HttpRequest request) => Json(await SetLevelAsync(store, null, request)));
        app.MapPut(
            "/config/{rawSubject}",
            async (string rawSubject, HttpRequest request) => Json(await SetLevelAsync(store, Subject(rawSubject), request))
        );
    }

    private static async Task<JsonObject> SetLevelAsync(RegistryStore store, string? subject, HttpRequest request)
    {
        var body =
            await JsonNode.ParseAsync(request.Body) as JsonObject
            ?? throw new RegistryException(422, 42203, "Expected {\"compatibility\": \"BACKWARD\"}");
        string level =
            body["compatibility"]?.GetValue<string>()
            ?? body["compatibilityLevel"]?.GetValue<string>()
            ?? throw new RegistryException(422, 42203, "Expected {\"compatibility\": \"BACKWARD\"}");
        store.SetLevel(subject, level);
        return new JsonObject { ["compatibility"] = level };
    }

    private static JsonObject SchemaBody(RegistryStore.StoredSchema s, string? format)
    {
        var body = new JsonObject
        {
            ["schemaType"] = "PROTOBUF",
            ["schema"] = format == "serialized" ? s.Serialized : ProtobufSchemaText.Render(RegistryStore.Parse(s.Serialized)),
        };
        if (s.References.Count > 0)
            body["references"] = new JsonArray(
                s.References.Select(r =>
                        (JsonNode)
                            new JsonObject
                            {
                                ["name"] = r.Name,
                                ["subject"] = r.Subject,
                                ["version"] = r.Version,
                            }
                    )
                    .ToArray()
            );
        return body;
    }

    private static async Task<(string Schema, List<SchemaReference> References)> ReadSchemaAsync(HttpRequest request)
    {
        var body =
            await JsonNode.ParseAsync(request.Body) as JsonObject
            ?? throw new RegistryException(422, 42201, "Expected a JSON object with \"schema\"");
        string type = body["schemaType"]?.GetValue<string>() ?? "AVRO";
        if (type != "PROTOBUF")
            throw new RegistryException(422, 42201, $"Schema type {type} is not supported here: this registry serves PROTOBUF only");
        string schema = body["schema"]?.GetValue<string>() ?? throw new RegistryException(422, 42201, "Missing \"schema\"");
        var references = new List<SchemaReference>();
        if (body["references"] is JsonArray refs)
            foreach (var r in refs)
                references.Add(
                    new SchemaReference(r!["name"]!.GetValue<string>(), r["subject"]!.GetValue<string>(), r["version"]!.GetValue<int>())
                );
        return (schema, references);
    }

    /// <summary>Subjects may contain '/' (file-named reference subjects); Kestrel leaves %2F encoded in route values.</summary>
    private static string Subject(string raw) => Uri.UnescapeDataString(raw);

    private static IResult Json(JsonNode node) => Results.Text(node.ToJsonString(), ContentType);

    private static Task Write(HttpContext context, int status, JsonNode node)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        return context.Response.WriteAsync(node.ToJsonString());
    }
}
