// A TopicReader that parses one message type: topics carry more than one (end-of-input marks among trades), and a
// record whose pipeline.type header names another type is skipped.
using Google.Protobuf;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Schemas.V1;

namespace Pipeline.Testing;

public sealed class TopicReader<T> : IDisposable
    where T : IMessage<T>, new()
{
    private static readonly string TypeName = new T().Descriptor.FullName;
    private static readonly bool ReadsMarks = TypeName == EndOfInput.Descriptor.FullName;
    private static readonly MessageParser<T> Parser = new(() => new T());
    private readonly TopicReader _reader;
    private int _seen;

    public TopicReader(KafkaClientSettings settings, string topic) => _reader = new TopicReader(settings, topic);

    /// <summary>Every record of type T read so far: its key, value and pipeline.type header.</summary>
    public List<(string Key, T Value, string? Type)> Records { get; } = [];

    /// <summary>The values of <see cref="Records"/>.</summary>
    public List<T> Received { get; } = [];

    /// <summary>Reads what is available now (up to a short poll) and returns every record of type T read so far.</summary>
    public List<(string Key, T Value, string? Type)> Poll()
    {
        _reader.Poll();
        Take();
        return Records;
    }

    /// <summary><see cref="Poll"/> off the test's thread, returning the values (for Eventually).</summary>
    public Task<List<T>> PollAsync() =>
        Task.Run(() =>
        {
            Poll();
            return Received;
        });

    /// <summary>Polls until at least <paramref name="count"/> records of type T have been read; returns them all.</summary>
    public Task<List<(string Key, T Value, string? Type)>> ReadAtLeastAsync(int count, TimeSpan? timeout = null, string? what = null) =>
        Eventually.GetAsync(
            () => Task.FromResult(Poll()),
            r => r.Count >= count,
            timeout ?? TimeSpan.FromSeconds(30),
            what ?? $"{count} records"
        );

    /// <summary>Reads until every partition is at its end; returns every value of type T read.</summary>
    public List<T> ReadToEnd(TimeSpan? timeout = null)
    {
        _reader.ReadToEnd(timeout);
        Take();
        return Received;
    }

    /// <summary>Every committed value of type T in a topic, from its beginning to its end at the time of the call.</summary>
    public static List<T> ReadAll(KafkaClientSettings settings, string topic, TimeSpan? timeout = null)
    {
        using var reader = new TopicReader<T>(settings, topic);
        return reader.ReadToEnd(timeout);
    }

    private void Take()
    {
        for (; _seen < _reader.Records.Count; _seen++)
        {
            var r = _reader.Records[_seen];
            var type = MessageHeaders.TypeOf(r.Message.Headers);
            if (type is not null && type != TypeName && !(ReadsMarks && MessageHeaders.IsEndOfInput(r.Message.Headers)))
                continue;
            if (r.Message.Value is null)
                continue;
            var value = Parser.ParseFrom(r.Message.Value);
            Records.Add((r.Message.Key is null ? "" : System.Text.Encoding.UTF8.GetString(r.Message.Key), value, type));
            Received.Add(value);
        }
    }

    public void Dispose() => _reader.Dispose();
}
