// Coroutine-friendly callback form: every call also exists as an operation that invokes callbacks and can be yielded in Unity.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Rapport
{
    /// <summary>A running SDK call. In a Unity coroutine, <c>yield return operation;</c> waits for it; then read
    /// Result or Error. The callbacks run on the SynchronizationContext that started the call (Unity's main thread).</summary>
    public sealed class RapportOperation<T> : IEnumerator
    {
        private readonly Task<T> task;

        internal RapportOperation(Task<T> task, Action<T> onSuccess, Action<Exception> onError)
        {
            this.task = task;
            var context = SynchronizationContext.Current;
            task.ContinueWith(finished =>
            {
                Action report = () =>
                {
                    if (finished.IsFaulted || finished.IsCanceled)
                    {
                        Error = finished.IsCanceled ? new OperationCanceledException() : finished.Exception.Flatten().InnerExceptions[0];
                        IsDone = true;
                        if (onError != null) onError(Error);
                    }
                    else
                    {
                        Result = finished.Result;
                        IsDone = true;
                        if (onSuccess != null) onSuccess(Result);
                    }
                };
                if (context == null) report();
                else context.Post(state => report(), null);
            }, TaskContinuationOptions.ExecuteSynchronously);
        }

        /// <summary>True once the call has ended and its callback has run.</summary>
        public bool IsDone { get; private set; }
        /// <summary>The answer, once IsDone and Error is null.</summary>
        public T Result { get; private set; }
        /// <summary>The failure (usually a RapportException), once IsDone; null on success.</summary>
        public Exception Error { get; private set; }
        /// <summary>The underlying task, for callers who prefer await.</summary>
        public Task<T> Task
        {
            get { return task; }
        }

        object IEnumerator.Current
        {
            get { return null; }
        }

        bool IEnumerator.MoveNext()
        {
            return !IsDone;
        }

        void IEnumerator.Reset() { }
    }

    /// <summary>Callback overloads of every call (same arguments as the …Async methods, plus onSuccess / onError).</summary>
    public static class RapportCallbacks
    {
        public static RapportOperation<IReadOnlyList<Persona>> List(this PersonasResource personas, Action<IReadOnlyList<Persona>> onSuccess, Action<Exception> onError = null)
        {
            return Start(() => personas.ListAsync(), onSuccess, onError);
        }

        public static RapportOperation<IReadOnlyList<MachineInfo>> List(this MachinesResource machines, string personaId, string userSessionId,
            Action<IReadOnlyList<MachineInfo>> onSuccess, Action<Exception> onError = null)
        {
            return Start(() => machines.ListAsync(personaId, userSessionId), onSuccess, onError);
        }

        public static RapportOperation<SessionInit> InitSession(this ChatResource chat, string personaId, string userSessionId, string playerName,
            string playerGender, Action<SessionInit> onSuccess, Action<Exception> onError = null, string machineId = null)
        {
            return Start(() => chat.InitSessionAsync(personaId, userSessionId, playerName, playerGender, machineId), onSuccess, onError);
        }

        public static RapportOperation<ChatResponse> SendMessage(this ChatResource chat, string personaId, string userSessionId, string message,
            Action<ChatResponse> onSuccess, Action<Exception> onError = null, string machineId = null)
        {
            return Start(() => chat.SendMessageAsync(personaId, userSessionId, message, machineId), onSuccess, onError);
        }

        public static RapportOperation<ChatResponse> StreamMessage(this ChatResource chat, string personaId, string userSessionId, string message,
            Action<StreamEvent> onEvent, Action<ChatResponse> onSuccess, Action<Exception> onError = null, string machineId = null)
        {
            return Start(() => chat.StreamMessageAsync(personaId, userSessionId, message, onEvent, machineId), onSuccess, onError);
        }

        public static RapportOperation<SessionStatus> GetSession(this ChatResource chat, string personaId, string userSessionId,
            Action<SessionStatus> onSuccess, Action<Exception> onError = null, string machineId = null)
        {
            return Start(() => chat.GetSessionAsync(personaId, userSessionId, machineId), onSuccess, onError);
        }

        public static RapportOperation<ChatHistory> GetHistory(this ChatResource chat, string personaId, string userSessionId,
            Action<ChatHistory> onSuccess, Action<Exception> onError = null, string machineId = null, bool includeTrace = false)
        {
            return Start(() => chat.GetHistoryAsync(personaId, userSessionId, machineId, includeTrace), onSuccess, onError);
        }

        public static RapportOperation<ResetResult> Reset(this ChatResource chat, string personaId, string userSessionId,
            Action<ResetResult> onSuccess, Action<Exception> onError = null, string machineId = null)
        {
            return Start(() => chat.ResetAsync(personaId, userSessionId, machineId), onSuccess, onError);
        }

        public static RapportOperation<KeyValidation> ValidateLlmKey(this RapportClient client, Action<KeyValidation> onSuccess,
            Action<Exception> onError = null, string model = null)
        {
            return Start(() => client.ValidateLlmKeyAsync(model), onSuccess, onError);
        }

        private static RapportOperation<T> Start<T>(Func<Task<T>> call, Action<T> onSuccess, Action<Exception> onError)
        {
            Task<T> task;
            try
            {
                task = call();
            }
            catch (Exception error)
            {
                var failed = new TaskCompletionSource<T>();
                failed.SetException(error);
                task = failed.Task;
            }
            return new RapportOperation<T>(task, onSuccess, onError);
        }
    }
}
