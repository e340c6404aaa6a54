namespace Pipeline.Producers.Twap;

/// <summary>A row of an object that cannot become a TWAP status (row number within the object, why, the row as JSON).</summary>
public sealed record TwapRowRejection(long Row, string Reason, string RawJson);
