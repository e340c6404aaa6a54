namespace Pipeline.SchemaRegistry;

/// <summary>A request the registry refuses, with Confluent's HTTP status and error code (e.g. 404/40401, 409/409, 422/42201).</summary>
/// <remarks>Internal control flow of the server, not a <see cref="Pipeline.Plumbing.Errors.PipelineException"/>:
/// SchemaRegistryServer turns it into the HTTP error answer Confluent's clients expect; it never ends a command.</remarks>
public sealed class RegistryException(int status, int errorCode, string message) : Exception(message)
{
    public int Status { get; } = status;
    public int ErrorCode { get; } = errorCode;
}
