// What a version's republish was started with (archive address, range, instruments), kept under key "archive" of the
// version's plan topic (replay.<V>.plan). A rerun resumes by skipping the records an earlier run committed, which is right
// only for the same sequence: the republisher compares the rerun's request with this and refuses another one.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Archive;

public sealed record RepublishSource(
    [property: JsonPropertyName("archive")] string Archive,
    [property: JsonPropertyName("from_us")] long FromUs,
    [property: JsonPropertyName("to_us")] long ToUs,
    [property: JsonPropertyName("instruments")] IReadOnlyList<string> Instruments
)
{
    /// <summary>Key of the record in replay.<V>.plan.</summary>
    public const string Key = "archive";

    public static RepublishSource Of(string archive, RepublishRequest request) =>
        new(archive, request.FromUs, request.ToUs, (request.Instruments ?? new HashSet<string>()).Order(StringComparer.Ordinal).ToList());

    public bool SameAs(RepublishSource other) =>
        Archive == other.Archive && FromUs == other.FromUs && ToUs == other.ToUs && Instruments.SequenceEqual(other.Instruments);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this);

    public static RepublishSource FromJson(byte[] json) =>
        JsonSerializer.Deserialize<RepublishSource>(json) ?? throw new InvalidDataException("republish source: empty JSON");

    public override string ToString() =>
        $"{Archive} [{ArchiveTime.ToUtc(FromUs):yyyy-MM-dd'T'HH:mm:ss'Z'}, {ArchiveTime.ToUtc(ToUs):yyyy-MM-dd'T'HH:mm:ss'Z'})"
        + (Instruments.Count == 0 ? ", all instruments" : $", {string.Join(" ", Instruments)}");
}
