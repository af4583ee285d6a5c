// Response models of the SDK API (openapi/openapi.json), bound by exact snake_case field names; absent values are null.
using System.Collections.Generic;
using System.Runtime.Serialization;

namespace Rapport
{
    /// <summary>Values of outcome / session_outcome.</summary>
    public static class Outcomes
    {
        public const string Accept = "ACCEPT";
        public const string Reject = "REJECT";
        public const string KickOut = "KICK_OUT";
    }

    /// <summary>Values of decision.</summary>
    public static class Decisions
    {
        public const string Pass = "pass";
        public const string Redirect = "redirect";
        public const string Reject = "reject";
        public const string KickOut = "kick_out";
    }

    /// <summary>A published persona of the API key's owner. Timestamps are ISO 8601 UTC strings.</summary>
    [DataContract]
    public sealed class Persona
    {
        [DataMember(Name = "id")] public string Id { get; set; }
        [DataMember(Name = "name")] public string Name { get; set; }
        [DataMember(Name = "description")] public string Description { get; set; }
        [DataMember(Name = "created_at")] public string CreatedAt { get; set; }
        [DataMember(Name = "updated_at")] public string UpdatedAt { get; set; }
    }

    /// <summary>A started session and the NPC's greeting (Message).</summary>
    [DataContract]
    public sealed class SessionInit
    {
        [DataMember(Name = "session_id")] public string SessionId { get; set; }
        [DataMember(Name = "user_session_id")] public string UserSessionId { get; set; }
        [DataMember(Name = "persona_name")] public string PersonaName { get; set; }
        [DataMember(Name = "persona_description")] public string PersonaDescription { get; set; }
        [DataMember(Name = "player_name")] public string PlayerName { get; set; }
        [DataMember(Name = "player_gender")] public string PlayerGender { get; set; }
        [DataMember(Name = "message")] public string Message { get; set; }
        [DataMember(Name = "machine_id")] public string MachineId { get; set; }
    }

    /// <summary>A machine newly unlocked by completing the current one.</summary>
    [DataContract]
    public sealed class UnlockedMachine
    {
        [DataMember(Name = "machine_id")] public string MachineId { get; set; }
        [DataMember(Name = "machine_key")] public string MachineKey { get; set; }
        [DataMember(Name = "name")] public string Name { get; set; }
        [DataMember(Name = "is_auto_advance")] public bool IsAutoAdvance { get; set; }
    }

    /// <summary>The result of one turn. In a stream's metadata event Message is null.</summary>
    [DataContract]
    public sealed class ChatResponse
    {
        [DataMember(Name = "message")] public string Message { get; set; }
        [DataMember(Name = "current_state")] public string CurrentState { get; set; }
        [DataMember(Name = "score")] public int Score { get; set; }
        [DataMember(Name = "outcome")] public string Outcome { get; set; }
        [DataMember(Name = "decision")] public string Decision { get; set; }
        [DataMember(Name = "follow_up")] public bool FollowUp { get; set; }
        [DataMember(Name = "session_id")] public string SessionId { get; set; }
        [DataMember(Name = "scoring_mode")] public string ScoringMode { get; set; }
        [DataMember(Name = "redirect_count")] public int RedirectCount { get; set; }
        [DataMember(Name = "machine_completed")] public bool MachineCompleted { get; set; }
        [DataMember(Name = "unlocked_machines")] public List<UnlockedMachine> UnlockedMachines { get; set; }

        public override string ToString()
        {
            return "ChatResponse { CurrentState = " + CurrentState + ", Score = " + Score + ", Decision = " + Decision +
                ", Outcome = " + Outcome + ", Message = " + Message + " }";
        }
    }

    /// <summary>The state of a session.</summary>
    [DataContract]
    public class SessionStatus
    {
        [DataMember(Name = "session_id")] public string SessionId { get; set; }
        [DataMember(Name = "persona_id")] public string PersonaId { get; set; }
        [DataMember(Name = "machine_id")] public string MachineId { get; set; }
        [DataMember(Name = "current_state")] public string CurrentState { get; set; }
        [DataMember(Name = "score")] public int Score { get; set; }
        [DataMember(Name = "outcome")] public string Outcome { get; set; }
        [DataMember(Name = "player_name")] public string PlayerName { get; set; }
        [DataMember(Name = "player_gender")] public string PlayerGender { get; set; }
        [DataMember(Name = "started_at")] public string StartedAt { get; set; }
        [DataMember(Name = "last_message_at")] public string LastMessageAt { get; set; }
    }

    /// <summary>A session's state and its messages, oldest first (the greeting first).</summary>
    [DataContract]
    public sealed class ChatHistory : SessionStatus
    {
        [DataMember(Name = "messages")] public List<HistoryMessage> Messages { get; set; }
    }

    /// <summary>One message of a session; Trace only with includeTrace for the persona owner.</summary>
    [DataContract]
    public sealed class HistoryMessage
    {
        [DataMember(Name = "id")] public string Id { get; set; }
        [DataMember(Name = "role")] public string Role { get; set; }
        [DataMember(Name = "content")] public string Content { get; set; }
        [DataMember(Name = "state_key_at_time")] public string StateKeyAtTime { get; set; }
        [DataMember(Name = "score_at_time")] public int? ScoreAtTime { get; set; }
        [DataMember(Name = "decision")] public string Decision { get; set; }
        [DataMember(Name = "follow_up_triggered")] public bool FollowUpTriggered { get; set; }
        [DataMember(Name = "created_at")] public string CreatedAt { get; set; }
        [DataMember(Name = "trace")] public TurnTrace Trace { get; set; }
    }

    /// <summary>How a turn was decided and what it cost.</summary>
    [DataContract]
    public sealed class TurnTrace
    {
        [DataMember(Name = "transition_id")] public string TransitionId { get; set; }
        [DataMember(Name = "decision")] public string Decision { get; set; }
        [DataMember(Name = "evaluator_reason")] public string EvaluatorReason { get; set; }
        [DataMember(Name = "fallback")] public bool Fallback { get; set; }
        [DataMember(Name = "steps")] public TraceSteps Steps { get; set; }
    }

    /// <summary>The LLM calls of a turn (Evaluate and Extract may be null).</summary>
    [DataContract]
    public sealed class TraceSteps
    {
        [DataMember(Name = "evaluate")] public TraceStep Evaluate { get; set; }
        [DataMember(Name = "reply")] public TraceStep Reply { get; set; }
        [DataMember(Name = "extract")] public TraceStep Extract { get; set; }
    }

    /// <summary>One LLM call: model, tokens and latency.</summary>
    [DataContract]
    public sealed class TraceStep
    {
        [DataMember(Name = "model")] public string Model { get; set; }
        [DataMember(Name = "tokens_in")] public int TokensIn { get; set; }
        [DataMember(Name = "tokens_out")] public int TokensOut { get; set; }
        [DataMember(Name = "latency_ms")] public int LatencyMs { get; set; }
    }

    /// <summary>Answer of a reset: the deleted session's id and a confirmation.</summary>
    [DataContract]
    public sealed class ResetResult
    {
        [DataMember(Name = "session_id")] public string SessionId { get; set; }
        [DataMember(Name = "message")] public string Message { get; set; }
    }

    /// <summary>A machine available to the player.</summary>
    [DataContract]
    public sealed class MachineInfo
    {
        [DataMember(Name = "machine_id")] public string MachineId { get; set; }
        [DataMember(Name = "machine_key")] public string MachineKey { get; set; }
        [DataMember(Name = "name")] public string Name { get; set; }
        [DataMember(Name = "description")] public string Description { get; set; }
        [DataMember(Name = "has_session")] public bool HasSession { get; set; }
        [DataMember(Name = "session_outcome")] public string SessionOutcome { get; set; }
        [DataMember(Name = "is_linked")] public bool IsLinked { get; set; }
    }

    /// <summary>Result of trying an LLM key: Error says why it was rejected, else null.</summary>
    [DataContract]
    public sealed class KeyValidation
    {
        [DataMember(Name = "valid")] public bool Valid { get; set; }
        [DataMember(Name = "model")] public string Model { get; set; }
        [DataMember(Name = "error")] public string Error { get; set; }
    }
}
