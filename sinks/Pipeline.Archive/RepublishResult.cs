namespace Pipeline.Archive;

/// <summary>What a republish wrote: the topic, trades and end-of-input marks written by this run, and how many records of
/// the plan an earlier (interrupted) run had already committed.</summary>
public sealed record RepublishResult(string Topic, long Trades, int Marks, long AlreadyCommitted, long PlannedTotal);
