// `pipeline replay worker`: the replay worker alone (it also runs inside `pipeline up`): runs the replays requested with
// POST /replays. A single-role command like the others (RoleCommands): --fail-fast, --metrics-port.
using System.CommandLine;
using Pipeline.Cli.Replay;

namespace Pipeline.Cli.Commands;

public static class ReplayWorkerCommand
{
    public static Command Create(Option<string?> config) =>
        RoleCommands.Role(
            "worker",
            "Run the replays requested through the API (topic replay.requests), one at a time, each with its version sink",
            config,
            needsDatabase: true,
            ReplayWorker.RunAsync,
            metrics: true,
            role: "replay-worker"
        );
}
