// Accepts postgres:// URLs as well as Npgsql key=value connection strings.
using Npgsql;

namespace Pipeline.Plumbing.Configuration;

public static class DatabaseConnectionString
{
    /// <summary>Returns an Npgsql connection string; throws FormatException when the text is neither form.</summary>
    public static string Normalize(string text)
    {
        if (
            text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        )
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
                throw new FormatException("the URL has no host");
            var b = new NpgsqlConnectionStringBuilder
            {
                Host = uri.Host,
                Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
                Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
            };
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var parts = uri.UserInfo.Split(':', 2);
                b.Username = Uri.UnescapeDataString(parts[0]);
                if (parts.Length == 2)
                    b.Password = Uri.UnescapeDataString(parts[1]);
            }
            return b.ConnectionString;
        }
        try
        {
            return new NpgsqlConnectionStringBuilder(text).ConnectionString;
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message);
        }
    }
}
