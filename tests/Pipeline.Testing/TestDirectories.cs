namespace Pipeline.Testing;

/// <summary>Throwaway folders under /tmp/pipeline-tests, readable by the postgres user.</summary>
public static class TestDirectories
{
    public static string Root { get; } = CreateRoot();

    private static string CreateRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "pipeline-tests");
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        return root;
    }

    public static string Create(string name)
    {
        var dir = Path.Combine(Root, $"{name}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 20, 60)]);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        return dir;
    }
}
