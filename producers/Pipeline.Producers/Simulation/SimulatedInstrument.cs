// One simulated listing's random walk: price, tick and lot sizes, and its own trade id sequence.
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Simulation;

public sealed class SimulatedInstrument
{
    private readonly Random _random;
    private readonly decimal _startPrice;
    private decimal _price;

    public SimulatedInstrument(InstrumentRef instrument, string venueSymbol, int seed, long firstTradeId)
    {
        Instrument = instrument;
        VenueSymbol = venueSymbol;
        _random = new Random(seed);
        _startPrice = StartPrice(instrument.Base);
        _price = _startPrice;
        // Tick ~ 1e-6 of the price and lot ~ 1e-4 of a $10k notional keep decimals realistic for any level.
        Tick = PowerOfTen((int)Math.Floor(Math.Log10((double)_startPrice)) - 5);
        Lot = PowerOfTen(Math.Min(0, (int)Math.Floor(Math.Log10(10_000 / (double)_startPrice)) - 4));
        NextTradeId = firstTradeId;
    }

    public InstrumentRef Instrument { get; }
    public string VenueSymbol { get; }
    public decimal Tick { get; }
    public decimal Lot { get; }
    public decimal Price => _price;
    public long NextTradeId { get; private set; }

    /// <summary>Draws the next trade: a small log-normal step (σ ≈ 2 bp) pulled gently back towards the start price,
    /// a heavy-tailed size, and a side that leans with the step.</summary>
    public Trade Next(long eventTimeUs)
    {
        var step = Gaussian() * 0.0002 - 0.001 * Math.Log((double)(_price / _startPrice));
        var price = Math.Round(_price * (decimal)Math.Exp(step) / Tick) * Tick;
        if (price <= 0)
            price = Tick;
        var side =
            price > _price ? AggressorSide.Buy
            : price < _price ? AggressorSide.Sell
            : _random.Next(2) == 0 ? AggressorSide.Buy
            : AggressorSide.Sell;
        _price = price;
        // Log-normal notional around $500 with a long tail of large prints.
        var notional = 500 * Math.Exp(Gaussian() * 1.2);
        var size = Math.Max(Lot, Math.Round((decimal)(notional / (double)price) / Lot) * Lot);
        return new Trade
        {
            Instrument = Instrument,
            TradeId = NextTradeId++,
            Price = Schemas.V1.Decimal.From(price),
            Size = Schemas.V1.Decimal.From(size),
            Aggressor = side,
            EventTimeUs = eventTimeUs,
            ReceiveTimeUs = eventTimeUs,
            Origin = Origin.Simulated,
            VenueSymbol = VenueSymbol,
        };
    }

    /// <summary>How many trades happen in the next <paramref name="seconds"/>: Poisson around the rate, with an
    /// occasional burst (a sweep of the book, ~one per 10 s) of 10-60 trades.</summary>
    public int TradesIn(double seconds, double tradesPerSecond)
    {
        var count = Poisson(tradesPerSecond * seconds);
        if (_random.NextDouble() < 0.1 * seconds)
            count += _random.Next(10, 61);
        return count;
    }

    private int Poisson(double mean)
    {
        if (mean > 30)
            return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Gaussian()));
        var limit = Math.Exp(-mean);
        var k = 0;
        for (var p = _random.NextDouble(); p > limit; p *= _random.NextDouble())
            k++;
        return k;
    }

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());

    private static decimal PowerOfTen(int exponent)
    {
        var value = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++)
            value = exponent > 0 ? value * 10 : value / 10;
        return value;
    }

    private static decimal StartPrice(string @base) =>
        @base.ToUpperInvariant() switch
        {
            "BTC" => 60_000m,
            "ETH" => 3_000m,
            "SOL" => 150m,
            "BNB" => 550m,
            "XRP" => 0.6m,
            "DOGE" => 0.15m,
            _ => 100m,
        };
}
