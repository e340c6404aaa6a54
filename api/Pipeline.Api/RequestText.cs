// Rejects NUL and other control characters in query and route values before they reach a reader: PostgreSQL cannot
// store a NUL in text, and none of our parameters has a use for control characters.
namespace Pipeline.Api;

public static class RequestText
{
    public static Task RejectControlCharactersInQuery(HttpContext http, RequestDelegate next)
    {
        foreach (var (name, values) in http.Request.Query)
        {
            if (HasControl(name))
                throw Bad(name);
            foreach (var v in values)
                if (v is not null && HasControl(v))
                    throw Bad(name);
        }
        return next(http);
    }

    public static Task RejectControlCharactersInRoute(HttpContext http, RequestDelegate next)
    {
        foreach (var (name, value) in http.Request.RouteValues)
            if (value is string s && HasControl(s))
                throw Bad(name);
        return next(http);
    }

    private static bool HasControl(string text)
    {
        foreach (var c in text)
            if (char.IsControl(c))
                return true;
        return false;
    }

    private static ApiProblem Bad(string name) =>
        ApiProblem.BadParameter(name, $"parameter '{name}' contains a NUL or other control character; send plain text (e.g. rsi(14))");
}
