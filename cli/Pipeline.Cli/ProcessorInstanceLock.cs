// One processor per instance id on a host. Two `pipeline process` (or `up`) with the default id (the machine name)
// share one transactional id and fence each other in turn (issue 18); the id must stay stable across restarts so a
// restarted instance fences its crashed predecessor, so a second one is refused with a clear line instead.
// The lock is a file held open exclusively: the OS releases it when the process ends, also on kill -9.
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Cli;

public sealed class ProcessorInstanceLock : IDisposable
{
    private readonly FileStream _file;

    private ProcessorInstanceLock(FileStream file) => _file = file;

    public static ProcessorInstanceLock Acquire(ProcessingOptions processing)
    {
        var safe = string.Concat(
            $"{processing.GroupId}-{processing.InstanceId}".Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')
        );
        var path = Path.Combine(Path.GetTempPath(), $"pipeline-processor-{safe}.lock");
        try
        {
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            file.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString());
            file.Write(pid);
            file.Flush();
            return new ProcessorInstanceLock(file);
        }
        catch (IOException)
        {
            string other;
            try
            {
                other = File.ReadAllText(path).Trim();
            }
            catch (IOException)
            {
                other = "?";
            }
            throw new PipelineConfigurationException([
                $"configuration: a processor with Processing:InstanceId '{processing.InstanceId}' already runs on this host (pid {other}); "
                    + "two would fence each other. Give this one its own id, e.g. PIPELINE__PROCESSING__INSTANCEID="
                    + $"{processing.InstanceId}-2 (and keep it across restarts)",
            ]);
        }
    }

    public void Dispose() => _file.Dispose();
}
