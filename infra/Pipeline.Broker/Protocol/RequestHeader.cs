namespace Pipeline.Broker;

/// <summary>Request header v1/v2 fields.</summary>
internal readonly record struct RequestHeader(ApiKey ApiKey, short ApiVersion, int CorrelationId, string? ClientId, bool Flexible);
