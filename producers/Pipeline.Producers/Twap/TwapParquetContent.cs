// What one Parquet object held: the status rows, and the rows rejected because of a bad value.
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Twap;

public sealed class TwapParquetContent
{
    public List<TwapStatus> Rows { get; } = new();
    public List<TwapRowRejection> Rejected { get; } = new();
    public long RowsRead { get; set; }
}
