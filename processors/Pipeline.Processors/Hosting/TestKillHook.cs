// Crash tests only: an environment variable says at which event (counted from 1) the process kills itself with SIGKILL,
// so a test crashes a run at a named point instead of racing it with an outside kill -9. Unset: never.
namespace Pipeline.Processors.Hosting;

internal sealed class TestKillHook(string variable)
{
    /// <summary>The event the process dies at; null when the variable is unset.</summary>
    public int? After { get; } = int.TryParse(Environment.GetEnvironmentVariable(variable), out var n) ? n : null;

    private int _seen;

    /// <summary>Counts one event; true when it is the one to die at (the caller finishes what must get out, then calls
    /// <see cref="Kill"/>).</summary>
    public bool Due() => After is { } n && ++_seen >= n;

    /// <summary>Says so on stdout (tests wait for the line "test hook: killing …") and kills the process.</summary>
    public static void Kill(string what)
    {
        Console.Out.WriteLine($"test hook: killing {what}");
        Console.Out.Flush();
        System.Diagnostics.Process.GetCurrentProcess().Kill();
    }
}
