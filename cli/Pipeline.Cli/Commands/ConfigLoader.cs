using System.CommandLine;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers;
using Pipeline.Producers.Venues;

namespace Pipeline.Cli.Commands;

internal static class ConfigLoader
{
    public static PipelineOptions Load(ParseResult parse, Option<string?> config) =>
        PipelineConfiguration.Load(parse.GetValue(config), venues: VenueRegistry.Default);
}
