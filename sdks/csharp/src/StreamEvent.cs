// Typed events of a message stream (SPEC §7), delivered to the caller's callback one by one as they arrive.
namespace Rapport
{
    /// <summary>Kind of a stream event.</summary>
    public enum StreamEventType
    {
        /// <summary>The turn's result without the message, once, before any text (Response set, Response.Message null).</summary>
        Metadata,
        /// <summary>A chunk of the NPC's reply (Text set).</summary>
        TextDelta,
        /// <summary>The full result after the turn was committed (Response set).</summary>
        Done,
        /// <summary>The turn failed after the stream began; nothing was committed (ErrorMessage set).</summary>
        Error,
    }

    /// <summary>One event of StreamMessageAsync.</summary>
    public sealed class StreamEvent
    {
        internal StreamEvent(StreamEventType type, ChatResponse response, string text, string errorMessage)
        {
            Type = type;
            Response = response;
            Text = text;
            ErrorMessage = errorMessage;
        }

        public StreamEventType Type { get; private set; }
        /// <summary>Metadata and Done: the turn's result; otherwise null.</summary>
        public ChatResponse Response { get; private set; }
        /// <summary>TextDelta: the chunk; otherwise null.</summary>
        public string Text { get; private set; }
        /// <summary>Error: the server's message; otherwise null.</summary>
        public string ErrorMessage { get; private set; }

        public override string ToString()
        {
            switch (Type)
            {
                case StreamEventType.TextDelta: return "TextDelta: " + Text;
                case StreamEventType.Error: return "Error: " + ErrorMessage;
                default: return Type + ": " + Response;
            }
        }
    }
}
