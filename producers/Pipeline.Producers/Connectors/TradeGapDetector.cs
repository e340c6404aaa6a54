// Decides, per incoming live trade, whether it continues the stream, repeats what was delivered, or follows a gap.
using Pipeline.Producers.Venues;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Connectors;

internal sealed class TradeGapDetector(bool sequentialIds)
{
    internal enum Verdict
    {
        Next,
        Duplicate,
        Gap,
    }

    private long? _lastId;
    private long _lastTimeUs;
    private bool _reconnected;

    public TradeGap? LastGap { get; private set; }

    public void Resume(long lastId, long lastTimeUs)
    {
        _lastId = lastId;
        _lastTimeUs = lastTimeUs;
        _reconnected = true;
    }

    public void Disconnected()
    {
        if (_lastId is not null)
            _reconnected = true;
    }

    public Verdict Observe(Trade trade)
    {
        var verdict = Verdict.Next;
        if (_lastId is { } last)
        {
            if (sequentialIds)
            {
                // Everything up to the last id was delivered (live or filled), so older ids are repeats
                // (e.g. Kraken's snapshot of recent trades on resubscribe).
                if (trade.TradeId <= last)
                    return Verdict.Duplicate;
                if (trade.TradeId > last + 1)
                {
                    LastGap = new TradeGap(
                        last,
                        _lastTimeUs,
                        trade.TradeId,
                        trade.EventTimeUs,
                        _reconnected ? TradeGapCause.Disconnect : TradeGapCause.IdJump
                    );
                    verdict = Verdict.Gap;
                }
            }
            else if (_reconnected)
            {
                LastGap = new TradeGap(last, _lastTimeUs, trade.TradeId, trade.EventTimeUs, TradeGapCause.Disconnect);
                verdict = Verdict.Gap;
            }
        }
        _reconnected = false;
        if (!sequentialIds || _lastId is null || trade.TradeId > _lastId)
        {
            _lastId = trade.TradeId;
            _lastTimeUs = Math.Max(_lastTimeUs, trade.EventTimeUs);
        }
        return verdict;
    }
}
