// One thing a WebSocket client subscribed to: an instrument, an interval (none for trades) and a channel.
namespace Pipeline.Api;

public readonly record struct LiveTopic(string Instrument, string? Interval, string Channel)
{
    public const string Updates = "updates";
    public const string Closes = "closes";
    public const string Trades = "trades";
    public const string Indicators = "indicators";

    public static readonly string[] Channels = [Updates, Closes, Trades, Indicators];
}
