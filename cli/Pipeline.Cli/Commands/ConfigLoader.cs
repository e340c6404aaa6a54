using System.CommandLine;
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Cli.Commands;

internal static class ConfigLoader
{
    public static PipelineOptions Load(ParseResult parse, Option<string?> config) => PipelineConfiguration.Load(parse.GetValue(config));
}
