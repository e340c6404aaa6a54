// Roles running in this process report here why they are not ready (e.g. the archive holding data S3 refuses), so whatever
// answers readiness for the process (the API's /ready in `pipeline up`, a role's --metrics-port server) includes them
// without the roles knowing each other.
using System.Collections.Concurrent;

namespace Pipeline.Plumbing.Health;

public static class RoleReadiness
{
    private static readonly ConcurrentDictionary<string, Func<string?>> Checks = new();

    /// <summary>Registers (or replaces) the role's check: it returns why the role is not ready, or null when it is.</summary>
    public static void Register(string role, Func<string?> notReadyReason) => Checks[role] = notReadyReason;

    /// <summary>Every registered role's reason for not being ready; empty when all are ready (or none registered).</summary>
    public static IReadOnlyList<string> Problems() =>
        Checks.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value()).OfType<string>().ToList();
}
