// A client message the WebSocket cannot act on; its text goes back to that client as an "error" reply.
namespace Pipeline.Api;

public sealed class LiveSocketError(string message) : Exception(message);
