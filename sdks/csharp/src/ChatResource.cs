// Chat resource: init-session, message, message/stream (events delivered as they arrive), session, history, reset.
using System;
using System.Threading;
using System.Threading.Tasks;

namespace Rapport
{
    /// <summary>Sessions and turns with one persona. machineId null means the persona's primary machine.</summary>
    public sealed class ChatResource
    {
        private readonly RequestRunner runner;

        internal ChatResource(RequestRunner runner)
        {
            this.runner = runner;
        }

        /// <summary>Starts (or restarts) the player's session and returns the NPC's greeting. playerGender: female, male or non-binary.</summary>
        public Task<SessionInit> InitSessionAsync(string personaId, string userSessionId, string playerName, string playerGender,
            string machineId = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var body = new InitSessionBody { UserSessionId = userSessionId, PlayerName = playerName, PlayerGender = playerGender };
            var spec = new RequestSpec { Method = "POST", Path = ChatPath(personaId, "/init-session"), Query = MachineQuery(machineId), Body = body, Idempotent = true };
            return runner.SendJsonAsync<SessionInit>(spec, cancellationToken);
        }

        /// <summary>Plays one turn. Retried on 429 / 5xx with the same Idempotency-Key, so a retry never applies the turn twice.</summary>
        public Task<ChatResponse> SendMessageAsync(string personaId, string userSessionId, string message,
            string machineId = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var spec = new RequestSpec { Method = "POST", Path = ChatPath(personaId, "/message"), Query = MachineQuery(machineId), Body = Message(userSessionId, message), Idempotent = true };
            return runner.SendJsonAsync<ChatResponse>(spec, cancellationToken);
        }

        /// <summary>Plays one turn and streams the reply: onEvent gets Metadata, TextDelta…, then Done or Error, each as it
        /// arrives (on the SynchronizationContext of the caller, e.g. Unity's main thread). The task ends with the Done
        /// event's ChatResponse; an Error event ends it with a StreamException. Never retried.</summary>
        public async Task<ChatResponse> StreamMessageAsync(string personaId, string userSessionId, string message,
            Action<StreamEvent> onEvent = null, string machineId = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var context = SynchronizationContext.Current;
            var spec = new RequestSpec { Method = "POST", Path = ChatPath(personaId, "/message/stream"), Query = MachineQuery(machineId), Body = Message(userSessionId, message), Idempotent = true, Streaming = true };
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            using (var response = await runner.SendAsync(spec, idle.Token).ConfigureAwait(false))
            using (idle.Token.Register(response.Dispose))
            {
                var reader = new SseReader(response.Body);
                while (true)
                {
                    idle.CancelAfter(runner.Options.Timeout);
                    SseEvent raw;
                    try
                    {
                        raw = await reader.ReadAsync().ConfigureAwait(false);
                    }
                    catch (Exception error)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        if (idle.IsCancellationRequested) throw new RapportTimeoutException("The stream was silent for " + runner.Options.Timeout.TotalSeconds + " s");
                        throw new RapportConnectionException("The stream was cut before its done event (" + error.GetBaseException().Message + ")", error);
                    }
                    if (raw == null)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new RapportConnectionException("The stream ended before its done event");
                    }
                    var streamEvent = ToEvent(raw);
                    if (streamEvent == null) continue;
                    Deliver(context, onEvent, streamEvent);
                    if (streamEvent.Type == StreamEventType.Done) return streamEvent.Response;
                    if (streamEvent.Type == StreamEventType.Error) throw new StreamException(streamEvent.ErrorMessage);
                }
            }
        }

        /// <summary>The player's session; NotFoundException when there is none.</summary>
        public Task<SessionStatus> GetSessionAsync(string personaId, string userSessionId, string machineId = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var spec = new RequestSpec { Method = "GET", Path = ChatPath(personaId, "/session"), Query = RapportClient.Query("user_session_id", userSessionId, "machine_id", machineId) };
            return runner.SendJsonAsync<SessionStatus>(spec, cancellationToken);
        }

        /// <summary>The session and its messages, oldest first; includeTrace adds each turn's trace (persona owner only).</summary>
        public Task<ChatHistory> GetHistoryAsync(string personaId, string userSessionId, string machineId = null, bool includeTrace = false,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var query = RapportClient.Query("user_session_id", userSessionId, "machine_id", machineId, "include_trace", includeTrace ? "true" : null);
            var spec = new RequestSpec { Method = "GET", Path = ChatPath(personaId, "/history"), Query = query };
            return runner.SendJsonAsync<ChatHistory>(spec, cancellationToken);
        }

        /// <summary>Deletes the player's session and its messages; unlocked machines and outcomes are kept.</summary>
        public Task<ResetResult> ResetAsync(string personaId, string userSessionId, string machineId = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var spec = new RequestSpec { Method = "POST", Path = ChatPath(personaId, "/reset"), Query = RapportClient.Query("user_session_id", userSessionId, "machine_id", machineId), Idempotent = true };
            return runner.SendJsonAsync<ResetResult>(spec, cancellationToken);
        }

        private static string ChatPath(string personaId, string tail)
        {
            return "/sdk/chat/" + RapportClient.Segment(personaId, "personaId") + tail;
        }

        private static string MachineQuery(string machineId)
        {
            return RapportClient.Query("machine_id", machineId);
        }

        private static MessageBody Message(string userSessionId, string message)
        {
            return new MessageBody { UserSessionId = userSessionId, Message = message };
        }

        internal static StreamEvent ToEvent(SseEvent raw)
        {
            try
            {
                switch (raw.Name)
                {
                    case "metadata": return new StreamEvent(StreamEventType.Metadata, RapportJson.Deserialize<ChatResponse>(raw.Data), null, null);
                    case "text_delta": return new StreamEvent(StreamEventType.TextDelta, null, RapportJson.Deserialize<TextDelta>(raw.Data).Text, null);
                    case "done": return new StreamEvent(StreamEventType.Done, RapportJson.Deserialize<ChatResponse>(raw.Data), null, null);
                    case "error": return new StreamEvent(StreamEventType.Error, null, null, RapportJson.ErrorMessage(System.Text.Encoding.UTF8.GetBytes(raw.Data)) ?? "The turn failed");
                    default: return null;
                }
            }
            catch (Exception error)
            {
                throw new RapportException("The stream sent a " + raw.Name + " event that is not the expected JSON", 200, error);
            }
        }

        private static void Deliver(SynchronizationContext context, Action<StreamEvent> onEvent, StreamEvent streamEvent)
        {
            if (onEvent == null) return;
            if (context == null) onEvent(streamEvent);
            else context.Post(state => onEvent((StreamEvent)state), streamEvent);
        }
    }
}
