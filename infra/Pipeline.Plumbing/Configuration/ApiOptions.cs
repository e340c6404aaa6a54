namespace Pipeline.Plumbing.Configuration;

public sealed class ApiOptions
{
    public string Urls { get; set; } = "http://127.0.0.1:8080";
    /// <summary>Keys accepted in X-API-Key for mutating routes.</summary>
    public List<string> ApiKeys { get; set; } = new();
    /// <summary>Origins allowed by CORS; empty allows none.</summary>
    public List<string> CorsOrigins { get; set; } = new();
}
