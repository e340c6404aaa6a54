namespace Pipeline.Processors.Replay;

/// <summary>The end of one run of a replay: Complete when every instrument was closed through the range's end and
/// that was committed; false when the run was cancelled (it resumes from its last commit).</summary>
public sealed record ReplayResult(bool Complete, long Records, long Outputs, TimeSpan Elapsed, bool Resumed);
