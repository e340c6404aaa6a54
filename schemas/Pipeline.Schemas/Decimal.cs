// Conversions between the wire Decimal and System.Decimal: exact, scale (trailing zeros) kept.
namespace Pipeline.Schemas.V1;

public sealed partial class Decimal
{
    public static Decimal From(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        System.Decimal.GetBits(value, bits);
        return new Decimal
        {
            Lo = (uint)bits[0] | ((ulong)(uint)bits[1] << 32),
            Hi = (uint)bits[2],
            Scale = (uint)((bits[3] >> 16) & 0xFF),
            Negative = bits[3] < 0,
        };
    }

    public decimal ToDecimal()
    {
        if (Scale > 28)
            throw new FormatException($"decimal scale {Scale} is out of range 0..28");
        return new decimal((int)(uint)Lo, (int)(uint)(Lo >> 32), (int)Hi, Negative, (byte)Scale);
    }

    public static implicit operator decimal(Decimal value) => value.ToDecimal();

    public string ToInvariantString() => ToDecimal().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
