// Mutating requests (anything but GET, HEAD, OPTIONS) need a configured key in X-API-Key; reads stay open.
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Api;

public sealed class ApiKeyGate(IReadOnlyList<string> keys)
{
    public const string Header = "X-API-Key";
    private readonly byte[][] _keys = keys.Where(k => k.Length > 0).Select(Encoding.UTF8.GetBytes).ToArray();

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
        {
            await next(http);
            return;
        }
        if (_keys.Length == 0)
        {
            await new ApiProblem(
                StatusCodes.Status403Forbidden,
                "mutating routes are disabled",
                "no API keys are configured; set Api:ApiKeys (PIPELINE__API__APIKEYS__0=...) to enable them"
            )
                .ToResult()
                .ExecuteAsync(http);
            return;
        }
        var given = http.Request.Headers[Header].ToString();
        if (given.Length == 0 || !IsKnown(Encoding.UTF8.GetBytes(given)))
        {
            http.Response.Headers.WWWAuthenticate = Header;
            await new ApiProblem(
                StatusCodes.Status401Unauthorized,
                "missing or unknown API key",
                $"send one of the configured keys in the {Header} header"
            )
                .ToResult()
                .ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    public bool IsKnown(byte[] given)
    {
        var known = false;
        foreach (var k in _keys)
            known |= CryptographicOperations.FixedTimeEquals(k, given); // no early exit: timing tells nothing
        return known;
    }
}
