using Pipeline.Schemas;

namespace Pipeline.Archive;

/// <summary>Which archived trades to republish, and into which replay version: exchange time [FromUs, ToUs), all instruments
/// or the given instrument keys.</summary>
public sealed record RepublishRequest(DataVersion Version, long FromUs, long ToUs, IReadOnlySet<string>? Instruments = null);
