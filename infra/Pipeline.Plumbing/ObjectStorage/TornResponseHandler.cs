// Tells the AWS SDK what a response torn by a dying S3 connection is: a transient I/O failure, which its retry policy retries.
namespace Pipeline.Plumbing.ObjectStorage;

/// <summary>Sits between the SDK and the socket handler. The SDK retries an <see cref="IOException"/>, and an
/// <see cref="HttpRequestException"/> (with an I/O cause it unwraps and retries that), so a connection closed, reset or cut
/// mid-status-line is retried already. Not so an <see cref="ArgumentOutOfRangeException"/> out of
/// HttpConnection.ParseStatusLine, seen after radosgw or an archive process was stopped mid-request: not an I/O error to
/// the SDK, so it gave up at once. It becomes an HttpRequestException with an IOException inside, and the SDK's own
/// retries (their limit and back-off) handle it like any broken connection.</summary>
/// <remarks>Classified by exception type, not by message. A cancelled request is left alone.</remarks>
internal sealed class TornResponseHandler(HttpMessageHandler transport) : DelegatingHandler(transport)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentOutOfRangeException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Retryable(request, e);
        }
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return base.Send(request, cancellationToken);
        }
        catch (ArgumentOutOfRangeException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Retryable(request, e);
        }
    }

    private static HttpRequestException Retryable(HttpRequestMessage request, ArgumentOutOfRangeException torn)
    {
        var what =
            $"S3 connection to {request.RequestUri?.Authority} broke while the response to {request.Method} "
            + $"{request.RequestUri?.AbsolutePath} was read ({torn.GetType().Name}: {torn.Message})";
        return new HttpRequestException(HttpRequestError.InvalidResponse, what, new IOException(what, torn));
    }
}
