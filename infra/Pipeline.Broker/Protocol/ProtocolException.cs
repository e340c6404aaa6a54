namespace Pipeline.Broker;

/// <summary>A request that cannot be parsed: the connection that sent it is closed.</summary>
internal sealed class ProtocolException(string message) : Exception(message);
