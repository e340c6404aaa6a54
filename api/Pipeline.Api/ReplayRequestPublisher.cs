// Publishes replay requests on replay.requests (key: the version), where the replay worker picks them up: the API and
// the worker meet only in that topic.
using Confluent.Kafka;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;

namespace Pipeline.Api;

public sealed class ReplayRequestPublisher(KafkaClientSettings kafka) : IDisposable
{
    private readonly Lazy<IProducer<string, byte[]>> _producer = new(() =>
        new ProducerBuilder<string, byte[]>(kafka.Producer("pipeline-api-replays")).Build()
    );

    /// <exception cref="ProduceException{TKey,TValue}">Kafka did not take the request.</exception>
    public async Task PublishAsync(RequestedReplay request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        await _producer.Value.ProduceAsync(
            TopicCatalog.ReplayRequests.Name,
            new Message<string, byte[]> { Key = request.Version, Value = request.ToJson() },
            timeout.Token
        );
    }

    public void Dispose()
    {
        if (_producer.IsValueCreated)
            _producer.Value.Dispose();
    }
}
