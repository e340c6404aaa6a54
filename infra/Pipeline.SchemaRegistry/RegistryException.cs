namespace Pipeline.SchemaRegistry;

/// <summary>A request the registry refuses, with Confluent's HTTP status and error code (e.g. 404/40401, 409/409, 422/42201).</summary>
public sealed class RegistryException(int status, int errorCode, string message) : Exception(message)
{
    public int Status { get; } = status;
    public int ErrorCode { get; } = errorCode;
}
