using Pipeline.Plumbing.Errors;

namespace Pipeline.Plumbing.Configuration;

/// <summary>Configuration is missing or invalid; each problem is one line saying what and how to fix it.</summary>
public sealed class PipelineConfigurationException(IReadOnlyList<string> problems)
    : PipelineException(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
