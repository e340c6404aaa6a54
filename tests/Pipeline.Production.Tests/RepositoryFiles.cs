// Finds files of this checkout (the Dockerfile, the compose stack) from the test output folder.
namespace Pipeline.Production.Tests;

public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "pipeline.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no pipeline.sln above {AppContext.BaseDirectory}");
    }
}
