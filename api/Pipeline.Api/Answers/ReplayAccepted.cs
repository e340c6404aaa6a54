// The JSON shape of an API answer, for the generated OpenAPI document.
using System.ComponentModel;

namespace Pipeline.Api.Answers;

/// <summary>POST /replays: the request was recorded and published; the replay worker runs it.</summary>
[Description(
    "The replay was accepted: its version is planned and the request published for the replay worker. Poll status (GET /replays/{id})."
)]
public sealed record ReplayAccepted(string Id, string State, string Status);
