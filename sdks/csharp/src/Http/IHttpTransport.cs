// The HTTP seam: the client builds a TransportRequest, a transport (HttpClient, UnityWebRequest, a test double) answers it.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Rapport.Http
{
    /// <summary>Sends one HTTP request. Throwing means no answer arrived (connection failure); any status is an answer.</summary>
    public interface IHttpTransport
    {
        /// <summary>Answers when the status and headers are known. For a Streaming request the body is read as it
        /// arrives; otherwise it may be buffered whole. Cancelling the token aborts the request and its body.</summary>
        Task<TransportResponse> SendAsync(TransportRequest request, CancellationToken cancellationToken);
    }

    /// <summary>One HTTP request.</summary>
    public sealed class TransportRequest
    {
        public TransportRequest(string method, string url, IDictionary<string, string> headers, byte[] body, bool streaming)
        {
            Method = method;
            Url = url;
            Headers = headers;
            Body = body;
            Streaming = streaming;
        }

        public string Method { get; private set; }
        public string Url { get; private set; }
        /// <summary>Request headers; Content-Type is among them and applies to the body.</summary>
        public IDictionary<string, string> Headers { get; private set; }
        /// <summary>The body, or null for none.</summary>
        public byte[] Body { get; private set; }
        /// <summary>True for a server-sent-events answer that must be delivered as it arrives.</summary>
        public bool Streaming { get; private set; }

        public override string ToString()
        {
            return Method + " " + Url;
        }
    }

    /// <summary>One HTTP answer; disposing it releases the connection.</summary>
    public sealed class TransportResponse : IDisposable
    {
        private Action dispose;

        public TransportResponse(int statusCode, IDictionary<string, string> headers, Stream body, Action dispose = null)
        {
            StatusCode = statusCode;
            Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (headers != null)
            {
                foreach (var pair in headers) Headers[pair.Key] = pair.Value;
            }
            Body = body ?? new MemoryStream(new byte[0]);
            this.dispose = dispose;
        }

        public int StatusCode { get; private set; }
        /// <summary>Response headers, case-insensitive.</summary>
        public IDictionary<string, string> Headers { get; private set; }
        public Stream Body { get; private set; }

        public string Header(string name)
        {
            string value;
            return Headers.TryGetValue(name, out value) ? value : null;
        }

        /// <summary>Releases the body and the connection; safe to call more than once.</summary>
        public void Dispose()
        {
            var release = Interlocked.Exchange(ref dispose, null);
            Body.Dispose();
            if (release != null) release();
        }
    }
}
