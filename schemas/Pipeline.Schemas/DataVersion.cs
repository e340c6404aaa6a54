// The name of one version of the derived data (candles, indicators): "live" for what the live processors produce,
// or the name a replay was given with --into. Every role, the CLI and the API agree on these rules (ADR 0006).
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Pipeline.Schemas;

/// <summary>A version name: lower-case letters, digits and '-', starting with a letter, at most 32 characters
/// (it becomes part of topic names and must stay a legal Kafka topic name on every cluster).</summary>
public sealed partial record DataVersion
{
    /// <summary>The version the live processors write; it always exists and can never be dropped.</summary>
    public static DataVersion Live { get; } = new("live");

    private DataVersion(string name) => Name = name;

    public string Name { get; }

    public bool IsLive => Name == Live.Name;

    public override string ToString() => Name;

    /// <summary>Parses a name; on failure <paramref name="problem"/> says what is wrong and how to fix it.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out DataVersion? version, [NotNullWhen(false)] out string? problem)
    {
        version = null;
        if (string.IsNullOrEmpty(text))
        {
            problem = "a version name is required (e.g. v2 or rsi-21)";
            return false;
        }
        if (!NamePattern().IsMatch(text))
        {
            problem =
                $"'{text}' is not a valid version name: use 1-32 lower-case letters, digits or '-', "
                + "starting with a letter (e.g. v2 or rsi-21)";
            return false;
        }
        version = text == Live.Name ? Live : new DataVersion(text);
        problem = null;
        return true;
    }

    public static DataVersion Parse(string text) =>
        TryParse(text, out var version, out var problem) ? version : throw new FormatException(problem);

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$")]
    private static partial Regex NamePattern();
}
