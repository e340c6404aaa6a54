// A /candles request resolved to its instrument and version, with the recent-candle store's window when the store holds
// everything the answer needs (null: PostgreSQL answers).
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public sealed record CandleRead(CandleRequest Request, int InstrumentId, InstrumentRef Instrument, string Version, CandleWindow? Window);
