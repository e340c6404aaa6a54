// A replay's processing settings: the live ones, overridden by a --processing file and the command's flags.
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Cli.Replay;

public static class ReplayProcessingSettings
{
    /// <summary>The live processing settings, overridden by the --processing file's Processing section, then the flags.</summary>
    public static ProcessingOptions From(ProcessingOptions live, string? file, string[] indicators, int? lateness, int? horizon)
    {
        var settings = JsonSerializer.Deserialize<ProcessingOptions>(JsonSerializer.Serialize(live))!;
        if (file is not null)
        {
            if (!File.Exists(file))
                throw new InvalidRequestException(
                    $"--processing: file '{file}' does not exist; pass a JSON file with a Processing section"
                );
            IConfigurationRoot root;
            try
            {
                root = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(file), optional: false).Build();
            }
            catch (Exception e) when (e is FormatException or InvalidDataException)
            {
                throw new InvalidRequestException($"--processing: {file} is not valid JSON ({e.InnerException?.Message ?? e.Message})");
            }
            var section = root.GetSection("Processing");
            if (!section.Exists())
                throw new InvalidRequestException(
                    $"--processing: {file} has no Processing section; write {{\"Processing\": {{\"Indicators\": [\"rsi(21)\"]}}}}"
                );
            if (section.GetSection("Indicators").Exists())
                settings.Indicators.Clear();
            try
            {
                section.Bind(settings);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidRequestException($"--processing: {e.InnerException?.Message ?? e.Message}");
            }
        }
        if (indicators.Length > 0)
            settings.Indicators = indicators.Select(IndicatorSpec).ToList();
        if (lateness is { } l)
            settings.AllowedLatenessMs = l;
        if (horizon is { } h)
            settings.RevisionHorizonMs = h;
        return settings;
    }

    /// <summary>"rsi:21" → "rsi(21)", "macd:12,26,9" → "macd(12,26,9)"; "rsi(21)" and "obv" stay as they are.</summary>
    public static string IndicatorSpec(string flag)
    {
        var colon = flag.IndexOf(':');
        return colon < 0 ? flag : $"{flag[..colon]}({flag[(colon + 1)..]})";
    }
}
