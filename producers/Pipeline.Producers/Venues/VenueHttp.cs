// REST calls to a venue: rate-limited and circuit-broken per venue, with bounded retries that honour Retry-After.
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Resilience;
using Polly.CircuitBreaker;

namespace Pipeline.Producers.Venues;

public sealed class VenueHttp(HttpClient http, VenueGuard guard, ILogger log)
{
    private const int Attempts = 5;

    public VenueGuard Guard => guard;

    public Task<JsonDocument> GetAsync(Uri uri, CancellationToken ct) => SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), ct);

    public Task<JsonDocument> PostJsonAsync(Uri uri, string json, CancellationToken ct) =>
        SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(json, Encoding.UTF8, "application/json") },
            ct
        );

    /// <summary>Like GetAsync, also returning one response header (Coinbase pages with CB-AFTER).</summary>
    public async Task<(JsonDocument Body, string? Header)> GetWithHeaderAsync(Uri uri, string header, CancellationToken ct)
    {
        string? value = null;
        var body = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Get, uri),
            ct,
            r => value = r.Headers.TryGetValues(header, out var v) ? v.FirstOrDefault() : null
        );
        return (body, value);
    }

    private async Task<JsonDocument> SendAsync(
        Func<HttpRequestMessage> request,
        CancellationToken ct,
        Action<HttpResponseMessage>? onResponse = null
    )
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await guard.RequestAsync(
                    async t =>
                    {
                        using var response = await http.SendAsync(request(), t);
                        if (!response.IsSuccessStatusCode)
                        {
                            var text = await response.Content.ReadAsStringAsync(t);
                            throw new VenueRequestException(
                                $"{guard.Exchange} REST {response.RequestMessage?.RequestUri?.AbsolutePath} answered "
                                    + $"{(int)response.StatusCode}: {Truncate(text)}",
                                (int)response.StatusCode,
                                response.Headers.RetryAfter?.Delta,
                                text
                            );
                        }
                        onResponse?.Invoke(response);
                        await using var stream = await response.Content.ReadAsStreamAsync(t);
                        return await JsonDocument.ParseAsync(stream, cancellationToken: t);
                    },
                    ct
                );
            }
            catch (Exception e)
                when (attempt < Attempts
                    && !ct.IsCancellationRequested
                    && e
                        is HttpRequestException
                            or BrokenCircuitException
                            or VenueRequestException { Transient: true }
                            or IOException
                            or TaskCanceledException
                )
            {
                var wait = e switch
                {
                    VenueRequestException { RetryAfter: { } after } => after,
                    BrokenCircuitException => guard.BreakDuration,
                    _ => Backoff.Delay(attempt + 1, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1)),
                };
                log.LogWarning(
                    "{Exchange} REST request failed ({Message}); retry {Attempt}/{Attempts} in {Wait}",
                    guard.Exchange,
                    e.Message,
                    attempt,
                    Attempts - 1,
                    wait
                );
                await Task.Delay(wait, ct);
            }
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";

    /// <summary>Appends query parameters to a base address and path.</summary>
    public static Uri Build(Uri @base, string path, params (string Name, object? Value)[] query)
    {
        var sb = new StringBuilder(@base.ToString().TrimEnd('/')).Append(path);
        var first = true;
        foreach (var (name, value) in query)
        {
            if (value is null)
                continue;
            sb.Append(first ? '?' : '&')
                .Append(name)
                .Append('=')
                .Append(WebUtility.UrlEncode(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)));
            first = false;
        }
        return new Uri(sb.ToString());
    }
}
