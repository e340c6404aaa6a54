// Records this process's garbage-collection pauses (execution engine suspended → restarted) from the runtime's own
// events, with wall-clock times, so that a latency spike seen by the load client can be matched with a pause of the API
// or of the client itself (both processes record; wall-clock UTC is common to them).
using System.Diagnostics.Tracing;

namespace Pipeline.Benchmarks.Api;

internal sealed class GcPauseRecorder : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const EventKeywords ThreadingKeyword = (EventKeywords)0x10000;
    private const int ThreadPoolAdjustment = 55;
    private const int StarvationReason = 6;
    private const int GcStart = 1;
    private const int RestartEeEnd = 3;
    private const int SuspendEeBegin = 9;

    private readonly List<GcPause> _pauses = [];
    private readonly List<DateTime> _starved = [];
    private DateTime? _suspended;
    private int _generation;

    /// <summary>One pause: when threads were stopped, for how long, and the generation collected (-1: a suspension
    /// without a collection).</summary>
    public readonly record struct GcPause(DateTime Start, double Milliseconds, int Generation);

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == RuntimeSource)
            EnableEvents(source, EventLevel.Informational, GcKeyword | ThreadingKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        lock (_pauses)
        {
            switch (e.EventId)
            {
                case SuspendEeBegin:
                    _suspended = e.TimeStamp.ToUniversalTime();
                    _generation = -1;
                    break;
                case GcStart when e.Payload is { Count: > 1 } payload:
                    _generation = Convert.ToInt32(payload[1], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case ThreadPoolAdjustment when e.Payload is { Count: > 2 } payload:
                    if (Convert.ToInt32(payload[2], System.Globalization.CultureInfo.InvariantCulture) == StarvationReason)
                        _starved.Add(e.TimeStamp.ToUniversalTime());
                    break;
                case RestartEeEnd when _suspended is { } start:
                    _pauses.Add(new GcPause(start, (e.TimeStamp.ToUniversalTime() - start).TotalMilliseconds, _generation));
                    _suspended = null;
                    break;
            }
        }
    }

    /// <summary>When the thread pool added a thread because its queue stood still (starvation), since a moment.</summary>
    public IReadOnlyList<DateTime> StarvedSince(DateTime since)
    {
        lock (_pauses)
            return _starved.Where(t => t >= since).ToList();
    }

    /// <summary>The pauses that began at or after <paramref name="since"/>.</summary>
    public IReadOnlyList<GcPause> Since(DateTime since)
    {
        lock (_pauses)
            return _pauses.Where(p => p.Start >= since).ToList();
    }
}
