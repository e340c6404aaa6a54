// A live client as the feed sees it: what it wants and where the feed hands records. Checks come before offers, so
// records nobody wants are never decoded.
using Pipeline.Schemas.V1;

namespace Pipeline.Api;

public interface ILiveSubscriber
{
    bool WantsCandles(string instrumentKey);
    void OfferCandle(string instrumentKey, Candle candle);
    bool WantsTrades(string instrumentKey) => false;
    void OfferTrade(string instrumentKey, Trade trade) { }
    bool WantsIndicators(string instrumentKey) => false;
    void OfferIndicator(string instrumentKey, IndicatorValue value) { }
}
