namespace Pipeline.Producers.Twap;

/// <summary>One source object as listed: its key, ETag, last-modified time and size.</summary>
public sealed record TwapObjectInfo(string Key, string ETag, DateTimeOffset LastModified, long Size);
