// A tiny HTTP server on 127.0.0.1 (HttpListener) standing in for Rapport in the unit tests: records every request
// and answers each with the next scripted responder.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Rapport.Tests
{
    internal sealed class Recorded
    {
        public string Method;
        public string PathAndQuery;
        public Dictionary<string, string> Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        public string Body;

        public string Header(string name)
        {
            string value;
            return Headers.TryGetValue(name, out value) ? value : null;
        }
    }

    internal sealed class FakeServer : IDisposable
    {
        private readonly HttpListener listener = new HttpListener();
        private readonly Queue<Func<HttpListenerResponse, Task>> script = new Queue<Func<HttpListenerResponse, Task>>();
        private readonly List<Recorded> requests = new List<Recorded>();

        public FakeServer()
        {
            Port = FreePort();
            listener.Prefixes.Add("http://127.0.0.1:" + Port + "/");
            listener.Start();
            Task.Run(Loop);
        }

        public int Port { get; private set; }

        public string BaseUrl
        {
            get { return "http://127.0.0.1:" + Port; }
        }

        /// <summary>Answer used once the script is exhausted.</summary>
        public Func<HttpListenerResponse, Task> Fallback = Json(500, "{\"error\":{\"message\":\"unscripted\"}}");

        public List<Recorded> Requests
        {
            get { lock (requests) return new List<Recorded>(requests); }
        }

        public FakeServer Then(Func<HttpListenerResponse, Task> responder)
        {
            lock (script) script.Enqueue(responder);
            return this;
        }

        public static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        public static Func<HttpListenerResponse, Task> Json(int status, string body, params string[] headers)
        {
            return async response =>
            {
                response.StatusCode = status;
                response.ContentType = "application/json";
                for (var i = 0; i + 1 < headers.Length; i += 2) response.AddHeader(headers[i], headers[i + 1]);
                var bytes = Encoding.UTF8.GetBytes(body);
                response.ContentLength64 = bytes.Length;
                await response.OutputStream.WriteAsync(bytes, 0, bytes.Length);
                response.Close();
            };
        }

        public static Func<HttpListenerResponse, Task> Error(int status, string message, params string[] headers)
        {
            return Json(status, "{\"error\":{\"message\":\"" + message + "\"}}", headers);
        }

        /// <summary>A 200 event stream written part by part; before each part, its gate (if any) is awaited.</summary>
        public static Func<HttpListenerResponse, Task> Sse(params object[] parts)
        {
            return async response =>
            {
                response.StatusCode = 200;
                response.ContentType = "text/event-stream";
                response.SendChunked = true;
                foreach (var part in parts)
                {
                    var gate = part as Func<Task>;
                    if (gate != null)
                    {
                        await gate();
                        continue;
                    }
                    var bytes = part as byte[] ?? Encoding.UTF8.GetBytes((string)part);
                    await response.OutputStream.WriteAsync(bytes, 0, bytes.Length);
                    await response.OutputStream.FlushAsync();
                }
                response.Close();
            };
        }

        /// <summary>Writes part of a body then drops the connection.</summary>
        public static Func<HttpListenerResponse, Task> SseThenCut(string part)
        {
            return async response =>
            {
                response.StatusCode = 200;
                response.ContentType = "text/event-stream";
                response.SendChunked = true;
                var bytes = Encoding.UTF8.GetBytes(part);
                await response.OutputStream.WriteAsync(bytes, 0, bytes.Length);
                await response.OutputStream.FlushAsync();
                response.Abort();
            };
        }

        private async Task Loop()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception)
                {
                    return;
                }
                ThreadPool.QueueUserWorkItem(state => Handle(context).Wait());
            }
        }

        private async Task Handle(HttpListenerContext context)
        {
            var recorded = new Recorded { Method = context.Request.HttpMethod, PathAndQuery = context.Request.Url.PathAndQuery };
            foreach (string name in context.Request.Headers.AllKeys) recorded.Headers[name] = context.Request.Headers[name];
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)) recorded.Body = await reader.ReadToEndAsync();
            lock (requests) requests.Add(recorded);
            Func<HttpListenerResponse, Task> responder;
            lock (script) responder = script.Count > 0 ? script.Dequeue() : Fallback;
            try
            {
                await responder(context.Response);
            }
            catch (Exception)
            {
                context.Response.Abort();
            }
        }

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
        }
    }
}
