// Opaque page cursors: base64url of "kind|position". The kind stops a trades cursor being replayed on candles.
using System.Text;

namespace Pipeline.Api;

public static class ApiCursor
{
    public static string Encode(string kind, string position) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{kind}|{position}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The position in the request's cursor parameter (null when there is none); a cursor that is not
    /// one of ours for this route is a 400.</summary>
    public static string? Read(IQueryCollection query, string kind) => Read(query["cursor"].ToString(), kind);

    public static string? Read(string? text, string kind)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        try
        {
            var b64 = text.Replace('-', '+').Replace('_', '/');
            b64 += new string('=', (4 - b64.Length % 4) % 4);
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            var bar = decoded.IndexOf('|');
            if (bar > 0 && decoded[..bar] == kind)
                return decoded[(bar + 1)..];
        }
        catch (FormatException) { }
        throw Invalid();
    }

    public static ApiProblem Invalid() =>
        ApiProblem.BadParameter(
            "cursor",
            "cursor is not one this API issued for this route; pass the metadata.next_cursor of the previous page unchanged, with "
                + "the same start and end"
        );
}
