// IHttpTransport over System.Net.Http.HttpClient: .NET, Mono and Unity outside WebGL; streams read as they arrive.
using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace Rapport.Http
{
    /// <summary>The default transport. One instance (one HttpClient) may serve many clients.</summary>
    public sealed class HttpClientTransport : IHttpTransport, IDisposable
    {
        private static readonly Lazy<HttpClientTransport> SharedInstance = new Lazy<HttpClientTransport>(() => new HttpClientTransport());
        private readonly HttpClient http;
        private readonly bool ownsClient;

        public HttpClientTransport() : this(new HttpClient(), true) { }

        /// <summary>Uses the caller's HttpClient (its Timeout should be infinite: the SDK applies its own).</summary>
        public HttpClientTransport(HttpClient httpClient) : this(httpClient, false) { }

        private HttpClientTransport(HttpClient httpClient, bool ownsClient)
        {
            http = httpClient;
            this.ownsClient = ownsClient;
            if (ownsClient) http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
        }

        /// <summary>A process-wide instance, the default of RapportClientOptions.Transport.</summary>
        public static HttpClientTransport Shared
        {
            get { return SharedInstance.Value; }
        }

        public async Task<TransportResponse> SendAsync(TransportRequest request, CancellationToken cancellationToken)
        {
            var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
            string contentType = null;
            foreach (var header in request.Headers)
            {
                if (string.Equals(header.Key, "Content-Type", StringComparison.OrdinalIgnoreCase)) contentType = header.Value;
                else message.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            if (request.Body != null)
            {
                message.Content = new ByteArrayContent(request.Body);
                if (contentType != null) message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
            var completion = request.Streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead;
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(message, completion, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                message.Dispose();
            }
            try
            {
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                Collect(headers, response.Headers);
                if (response.Content != null) Collect(headers, response.Content.Headers);
                var body = response.Content == null ? null : await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                return new TransportResponse((int)response.StatusCode, headers, body, response.Dispose);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        private static void Collect(Dictionary<string, string> into, HttpHeaders headers)
        {
            foreach (var header in headers) into[header.Key] = string.Join(", ", header.Value);
        }

        public void Dispose()
        {
            if (ownsClient) http.Dispose();
        }
    }
}
