// Stand-in for the few UnityEngine types the UnityWebRequest transport uses, so mcs can check that file outside Unity.
// Signatures follow Unity 2021.3's scripting reference; this file is never shipped or run.
using System;
using System.Collections.Generic;

namespace UnityEngine
{
    public class AsyncOperation
    {
        public bool isDone { get { return false; } }
        public event Action<AsyncOperation> completed { add { } remove { } }
    }
}

namespace UnityEngine.Networking
{
    public class UnityWebRequestAsyncOperation : AsyncOperation { }

    public class DownloadHandler : IDisposable
    {
        protected virtual bool ReceiveData(byte[] data, int dataLength) { return true; }
        protected virtual void CompleteContent() { }
        public void Dispose() { }
    }

    public class DownloadHandlerScript : DownloadHandler
    {
        public DownloadHandlerScript() { }
        public DownloadHandlerScript(byte[] preallocatedBuffer) { }
    }

    public class UploadHandler : IDisposable
    {
        public string contentType { get; set; }
        public void Dispose() { }
    }

    public sealed class UploadHandlerRaw : UploadHandler
    {
        public UploadHandlerRaw(byte[] data) { }
    }

    public class UnityWebRequest : IDisposable
    {
        public enum Result { InProgress, Success, ConnectionError, ProtocolError, DataProcessingError }

        public UnityWebRequest(string url, string method) { }
        public DownloadHandler downloadHandler { get; set; }
        public UploadHandler uploadHandler { get; set; }
        public long responseCode { get { return 0; } }
        public Result result { get { return Result.InProgress; } }
        public string error { get { return null; } }
        public int timeout { get; set; }
        public void SetRequestHeader(string name, string value) { }
        public Dictionary<string, string> GetResponseHeaders() { return null; }
        public UnityWebRequestAsyncOperation SendWebRequest() { return new UnityWebRequestAsyncOperation(); }
        public void Abort() { }
        public void Dispose() { }
    }
}
