// Caps the live streams held open per client (API key, else remote address) and in total; a refused stream gets 429.
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Api;

public sealed class StreamAdmission(ApiOptions api, ApiKeyGate gate)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>Takes a place for one stream of this client, or throws a 429 problem; dispose the result when the stream ends.</summary>
    public IDisposable Admit(HttpContext http)
    {
        var client = ClientRateLimit.ClientKey(http, gate);
        lock (_lock)
        {
            if (_total >= api.StreamsTotal)
                throw TooMany($"the API holds {api.StreamsTotal} live streams in total; retry later or use fewer streams per client");
            var mine = _perClient.GetValueOrDefault(client);
            if (mine >= api.StreamsPerClient)
                throw TooMany(
                    $"this client already holds {api.StreamsPerClient} live streams; close one first or subscribe to several "
                        + "instruments and intervals on one stream (instruments=a,b&intervals=1m,5m)"
                );
            _perClient[client] = mine + 1;
            _total++;
        }
        return new Place(this, client);
    }

    private void Release(string client)
    {
        lock (_lock)
        {
            _total--;
            if (--_perClient[client] == 0)
                _perClient.Remove(client);
        }
    }

    private static ApiProblem TooMany(string detail) => new(StatusCodes.Status429TooManyRequests, "too many live streams", detail);

    private sealed class Place(StreamAdmission owner, string client) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                owner.Release(client);
        }
    }
}
