// What a program that ran to its end printed, and how it exited (ChildProcess.RunAsync / RunProgramAsync).
namespace Pipeline.Testing;

public sealed record ProcessResult(int Exit, string Out, string Err)
{
    public override string ToString() => $"exit {Exit}\nstdout:\n{Out}\nstderr:\n{Err}";
}
