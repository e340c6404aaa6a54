// The JSON shape of an API answer, for the generated OpenAPI document.
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>GET /versions: every version of the derived data.</summary>
[Description("GET /versions: every version of the derived data, live first.")]
public sealed record VersionList(IReadOnlyList<VersionAnswer> Data, CountMetadata Metadata);
