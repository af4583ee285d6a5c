// Sends SDK requests: headers, per-attempt timeout, retries on 429 / 5xx / connection failure with jittered
// exponential backoff honouring Retry-After, one Idempotency-Key reused by every retry, status → typed exception.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Rapport.Http;

namespace Rapport
{
    internal sealed class RequestSpec
    {
        public string Method;
        public string Path;
        public string Query;
        public object Body;
        public bool Idempotent;
        public bool Streaming;
    }

    internal sealed class RequestRunner
    {
        private static readonly Random SharedRandom = new Random();
        private readonly RapportClientOptions options;
        private readonly IHttpTransport transport;
        private readonly Func<TimeSpan, CancellationToken, Task> delay;

        public RequestRunner(RapportClientOptions options)
        {
            this.options = options;
            transport = options.Transport ?? HttpClientTransport.Shared;
            delay = options.Delay ?? ((span, token) => Task.Delay(span, token));
        }

        public RapportClientOptions Options
        {
            get { return options; }
        }

        /// <summary>Backoff before retry number attempt (0-based): uniform in [0.25·2^attempt, 0.5·2^attempt] seconds,
        /// never shorter than the server's Retry-After.</summary>
        public static TimeSpan Backoff(int attempt, TimeSpan? retryAfter, double random)
        {
            var baseSeconds = 0.25 * Math.Pow(2, attempt);
            var wait = TimeSpan.FromSeconds(baseSeconds * (1 + random));
            return retryAfter.HasValue && retryAfter.Value > wait ? retryAfter.Value : wait;
        }

        public async Task<T> SendJsonAsync<T>(RequestSpec spec, CancellationToken cancellationToken)
        {
            using (var response = await SendAsync(spec, cancellationToken).ConfigureAwait(false))
            {
                var body = await ReadAllAsync(response.Body).ConfigureAwait(false);
                try
                {
                    return RapportJson.Deserialize<T>(body);
                }
                catch (Exception error)
                {
                    throw new RapportException("The server answered " + response.StatusCode + " with a body that is not the expected JSON", response.StatusCode, error);
                }
            }
        }

        /// <summary>The first 2xx answer (the caller disposes it), else the typed exception of the last answer.</summary>
        public async Task<TransportResponse> SendAsync(RequestSpec spec, CancellationToken cancellationToken)
        {
            var request = Build(spec);
            for (var attempt = 0; ; attempt++)
            {
                var canRetry = !spec.Streaming && attempt < options.MaxRetries;
                RapportException failure;
                try
                {
                    var response = await AttemptAsync(request, cancellationToken).ConfigureAwait(false);
                    if (response.StatusCode >= 200 && response.StatusCode < 300) return response;
                    failure = await ToExceptionAsync(response).ConfigureAwait(false);
                }
                catch (RapportTimeoutException)
                {
                    throw;
                }
                catch (RapportConnectionException error)
                {
                    if (!canRetry) throw;
                    failure = error;
                }
                var retryable = failure.StatusCode == 0 || failure.StatusCode == 429 || failure.StatusCode >= 500;
                var retryAfter = RetryAfterOf(failure);
                if (!canRetry || !retryable || (retryAfter.HasValue && retryAfter.Value > options.MaxRetryAfter)) throw failure;
                double random;
                lock (SharedRandom) random = SharedRandom.NextDouble();
                await delay(Backoff(attempt, retryAfter, random), cancellationToken).ConfigureAwait(false);
            }
        }

        private TransportRequest Build(RequestSpec spec)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in options.Headers()) headers[pair.Key] = pair.Value;
            headers["Content-Type"] = "application/json";
            headers["Accept"] = spec.Streaming ? "text/event-stream" : "application/json";
            if (spec.Idempotent) headers["Idempotency-Key"] = Guid.NewGuid().ToString();
            byte[] body = null;
            if (spec.Body != null) body = RapportJson.Serialize(spec.Body);
            else if (spec.Method == "POST") body = new byte[0];
            var url = options.ApiRoot() + spec.Path + (string.IsNullOrEmpty(spec.Query) ? string.Empty : "?" + spec.Query);
            return new TransportRequest(spec.Method, url, headers, body, spec.Streaming);
        }

        private async Task<TransportResponse> AttemptAsync(TransportRequest request, CancellationToken cancellationToken)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(options.Timeout);
                try
                {
                    return await transport.SendAsync(request, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception error) when (!(error is RapportException))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (timeout.IsCancellationRequested) throw new RapportTimeoutException("No answer within " + options.Timeout.TotalSeconds + " s: " + request);
                    throw new RapportConnectionException("Could not reach the server: " + request + " (" + error.GetBaseException().Message + ")", error);
                }
            }
        }

        private static async Task<RapportException> ToExceptionAsync(TransportResponse response)
        {
            using (response)
            {
                byte[] body;
                try
                {
                    body = await ReadAllAsync(response.Body).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    body = null;
                }
                var message = RapportJson.ErrorMessage(body) ?? "HTTP " + response.StatusCode;
                return RapportException.FromStatus(response.StatusCode, message, ParseRetryAfter(response.Header("Retry-After")));
            }
        }

        private static TimeSpan? RetryAfterOf(RapportException failure)
        {
            var limited = failure as RateLimitException;
            if (limited != null) return limited.RetryAfter;
            var server = failure as ServerException;
            return server != null ? server.RetryAfter : null;
        }

        /// <summary>Retry-After as seconds or as an HTTP date; null when absent or unreadable.</summary>
        public static TimeSpan? ParseRetryAfter(string value)
        {
            if (string.IsNullOrEmpty(value)) return null;
            double seconds;
            if (double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
                return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            DateTimeOffset date;
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
            return null;
        }

        internal static async Task<byte[]> ReadAllAsync(Stream stream)
        {
            using (var copy = new MemoryStream())
            {
                await stream.CopyToAsync(copy).ConfigureAwait(false);
                return copy.ToArray();
            }
        }
    }
}
