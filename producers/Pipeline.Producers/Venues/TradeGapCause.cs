namespace Pipeline.Producers.Venues;

public enum TradeGapCause
{
    /// <summary>A trade id jumped by more than one (venues with sequential ids).</summary>
    IdJump,

    /// <summary>The connection was down; what happened meanwhile is unknown (venues without sequential ids).</summary>
    Disconnect,
}
