using System.Globalization;
using Pipeline.Schemas;

namespace Pipeline.Foundation.Tests;

public class UnixMicrosContractTests
{
    [Fact]
    public void Now_comes_from_the_given_clock()
    {
        var clock = new StoppedClock(new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1_234_567));
        // 1709287200 s is 2024-03-01T10:00:00Z (date -u -d @1709287200); 1,234,567 ticks are 123,456.7 µs.
        Assert.Equal(1_709_287_200_123_456L, UnixMicros.Now(clock).Value);
    }

    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00.000000Z")]
    [InlineData(1_709_287_200_000_001L, "2024-03-01T10:00:00.000001Z")]
    [InlineData(1_709_287_200_100_000L, "2024-03-01T10:00:00.100000Z")]
    public void Iso_text_always_has_six_fractional_digits(long micros, string iso)
    {
        Assert.Equal(iso, new UnixMicros(micros).ToIso());
        Assert.True(UnixMicros.TryParseIso(iso, out var parsed));
        Assert.Equal(micros, parsed.Value);
    }

    [Fact]
    public void DateTime_round_trips_and_unspecified_kind_is_utc()
    {
        var utc = new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc).AddTicks(10);
        var micros = UnixMicros.FromDateTime(utc);
        Assert.Equal(1_709_287_200_000_001L, micros.Value);
        Assert.Equal(utc, micros.ToDateTime());
        Assert.Equal(micros, UnixMicros.FromDateTime(DateTime.SpecifyKind(utc, DateTimeKind.Unspecified)));
        Assert.Equal(micros, UnixMicros.FromDateTimeOffset(new DateTimeOffset(utc).ToOffset(TimeSpan.FromHours(9))));
        Assert.Equal(
            DateTimeOffset.Parse("2024-03-01T10:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(),
            micros.ToMilliseconds()
        );
    }

    [Fact]
    public void Milliseconds_floor_towards_the_past_before_the_epoch()
    {
        Assert.Equal(-1, new UnixMicros(-1).ToMilliseconds());
        Assert.Equal(1_500, UnixMicros.FromMilliseconds(1_500).ToMilliseconds());
    }

    private sealed class StoppedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
