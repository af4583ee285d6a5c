// IHttpTransport over UnityWebRequest (Unity only, required for WebGL where HttpClient has no sockets). The body is fed
// to a ChunkPipeStream as it arrives, so streams are delivered live where the platform streams (WebGL hands it over at the end).
#if UNITY_5_3_OR_NEWER
using System;
using System.Threading;
using System.Threading.Tasks;
using UnityEngine.Networking;

namespace Rapport.Http
{
    /// <summary>Use on WebGL (and anywhere you prefer Unity's networking): new RapportClientOptions { Transport = new UnityWebRequestTransport() }.
    /// Call the SDK from the main thread.</summary>
    public sealed class UnityWebRequestTransport : IHttpTransport
    {
        public Task<TransportResponse> SendAsync(TransportRequest request, CancellationToken cancellationToken)
        {
            var answered = new TaskCompletionSource<TransportResponse>();
            var pipe = new ChunkPipeStream();
            var context = SynchronizationContext.Current;
            var web = new UnityWebRequest(request.Url, request.Method);
            web.downloadHandler = new PipeDownloadHandler(pipe);
            if (request.Body != null)
            {
                string contentType;
                var upload = new UploadHandlerRaw(request.Body);
                if (request.Headers.TryGetValue("Content-Type", out contentType)) upload.contentType = contentType;
                web.uploadHandler = upload;
            }
            foreach (var header in request.Headers) web.SetRequestHeader(header.Key, header.Value);
            var finished = false;
            Action abort = () =>
            {
                if (finished) return;
                finished = true;
                web.Abort();
                web.Dispose();
                pipe.Complete(new OperationCanceledException());
                answered.TrySetCanceled();
            };
            var registration = cancellationToken.Register(() =>
            {
                if (context != null) context.Post(state => abort(), null);
                else abort();
            });
            Action publish = () =>
            {
                if (answered.Task.IsCompleted) return;
                var response = new TransportResponse((int)web.responseCode, web.GetResponseHeaders(), pipe, () =>
                {
                    registration.Dispose();
                    pipe.Dispose();
                    if (context != null) context.Post(state => abort(), null);
                    else abort();
                });
                answered.TrySetResult(response);
            };
            if (request.Streaming) ((PipeDownloadHandler)web.downloadHandler).FirstData = publish;
            var operation = web.SendWebRequest();
            operation.completed += ignored =>
            {
                if (finished) return;
                if (web.result == UnityWebRequest.Result.ConnectionError || web.responseCode == 0)
                {
                    var error = new RapportConnectionException("Could not reach the server: " + request + " (" + web.error + ")");
                    pipe.Complete(error);
                    answered.TrySetException(error);
                }
                else
                {
                    pipe.Complete();
                    publish();
                }
                finished = true;
                registration.Dispose();
                web.Dispose();
            };
            return answered.Task;
        }

        private sealed class PipeDownloadHandler : DownloadHandlerScript
        {
            private readonly ChunkPipeStream pipe;

            public PipeDownloadHandler(ChunkPipeStream pipe) : base(new byte[16384])
            {
                this.pipe = pipe;
            }

            public Action FirstData { get; set; }

            protected override bool ReceiveData(byte[] data, int dataLength)
            {
                pipe.Append(data, dataLength);
                var first = FirstData;
                FirstData = null;
                if (first != null) first();
                return true;
            }
        }
    }
}
#endif
