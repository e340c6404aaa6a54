// The compose stack as docker-compose resolves it (anchors merged, variables filled in), read into plain dictionaries.
using Pipeline.Testing;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Production.Tests;

public sealed class ComposeStack
{
    public const string File = "infra/compose/docker-compose.yml";
    public const string ExampleEnvironment = "infra/compose/env.example";

    private ComposeStack(YamlMappingNode root, string text)
    {
        Root = root;
        Text = text;
    }

    public YamlMappingNode Root { get; }
    public string Text { get; }

    public IReadOnlyDictionary<string, YamlMappingNode> Services =>
        ((YamlMappingNode)Root["services"]).Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlMappingNode)c.Value);

    /// <summary>`docker-compose config` of the file (with the example environment file, or none as in a fresh clone).</summary>
    public static async Task<(ProcessResult Result, ComposeStack? Stack)> ResolveAsync(
        bool withExampleEnvironment,
        params string[] profiles
    )
    {
        var args = new List<string>();
        if (withExampleEnvironment)
            args.AddRange(["--env-file", RepositoryFiles.Path(ExampleEnvironment)]);
        args.AddRange(["-f", RepositoryFiles.Path(File)]);
        foreach (var p in profiles)
            args.AddRange(["--profile", p]);
        args.Add("config");
        // Variables of the test run must not fill in the file's ${...}: only the environment file may.
        var clear = new Dictionary<string, string?>();
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
            if (
                name
                is "POSTGRES_PASSWORD"
                    or "MINIO_ROOT_USER"
                    or "MINIO_ROOT_PASSWORD"
                    or "PIPELINE_IMAGE"
                    or "AWS_ACCESS_KEY_ID"
                    or "AWS_SECRET_ACCESS_KEY"
            )
                clear[name] = null;
        var result = await ChildProcess.RunProgramAsync("docker-compose", args, clear, RepositoryFiles.Root);
        if (result.Exit != 0)
            return (result, null);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(result.Out));
        return (result, new ComposeStack((YamlMappingNode)yaml.Documents[0].RootNode, result.Out));
    }

    public static IReadOnlyDictionary<string, string> EnvironmentOf(YamlMappingNode service) =>
        service.Children.TryGetValue("environment", out var env) && env is YamlMappingNode map
            ? map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value ?? "")
            : new Dictionary<string, string>();

    public static string? Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(key, out var next))
                return null;
            current = next;
        }
        return (current as YamlScalarNode)?.Value;
    }

    public static List<string> Sequence(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(key, out var next))
                return [];
            current = next;
        }
        return current is YamlSequenceNode seq ? seq.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList() : [];
    }
}
