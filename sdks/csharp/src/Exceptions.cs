// Typed exceptions per HTTP status (error-codes.txt): one base class carrying StatusCode and the server's message.
using System;

namespace Rapport
{
    /// <summary>Base of every error the SDK raises. StatusCode is the HTTP status, or 0 when no answer arrived.</summary>
    public class RapportException : Exception
    {
        public RapportException(string message, int statusCode, Exception inner = null) : base(message, inner)
        {
            StatusCode = statusCode;
        }

        /// <summary>HTTP status of the answer (0: no answer, e.g. connection refused or timeout).</summary>
        public int StatusCode { get; private set; }

        /// <summary>Maps a status and the envelope's message to the matching exception type.</summary>
        public static RapportException FromStatus(int statusCode, string message, TimeSpan? retryAfter)
        {
            switch (statusCode)
            {
                case 400: return new BadRequestException(message);
                case 401: return new AuthenticationException(message);
                case 403: return new ForbiddenException(message);
                case 404: return new NotFoundException(message);
                case 429: return new RateLimitException(message, retryAfter);
                default:
                    return statusCode >= 500 ? new ServerException(message, statusCode, retryAfter) : new RapportException(message, statusCode);
            }
        }
    }

    /// <summary>400: invalid input (bad id, missing field, invalid player_gender, missing LLM key, ended conversation).</summary>
    public class BadRequestException : RapportException
    {
        public BadRequestException(string message) : base(message, 400) { }
    }

    /// <summary>401: missing or invalid API key, or the LLM provider rejected the LLM key.</summary>
    public class AuthenticationException : RapportException
    {
        public AuthenticationException(string message) : base(message, 401) { }
    }

    /// <summary>403: another owner's or an unpublished persona, or a locked machine.</summary>
    public class ForbiddenException : RapportException
    {
        public ForbiddenException(string message) : base(message, 403) { }
    }

    /// <summary>404: persona, machine or session does not exist.</summary>
    public class NotFoundException : RapportException
    {
        public NotFoundException(string message) : base(message, 404) { }
    }

    /// <summary>429: rate limit still exceeded after the retries; RetryAfter is the server's hint.</summary>
    public class RateLimitException : RapportException
    {
        public RateLimitException(string message, TimeSpan? retryAfter) : base(message, 429)
        {
            RetryAfter = retryAfter;
        }

        /// <summary>The Retry-After of the last answer, when it had one.</summary>
        public TimeSpan? RetryAfter { get; private set; }
    }

    /// <summary>5xx (500 server or LLM provider error, 503 overloaded or maintenance), after the retries.</summary>
    public class ServerException : RapportException
    {
        public ServerException(string message, int statusCode = 500, TimeSpan? retryAfter = null) : base(message, statusCode)
        {
            RetryAfter = retryAfter;
        }

        /// <summary>The Retry-After of the last answer (503), when it had one.</summary>
        public TimeSpan? RetryAfter { get; private set; }
    }

    /// <summary>The error event of a stream that had begun: the turn failed on the server's side (StatusCode 500)
    /// and nothing was committed; the same message can be sent again.</summary>
    public class StreamException : ServerException
    {
        public StreamException(string message) : base(message, 500) { }
    }

    /// <summary>No HTTP answer: connection refused or reset, the stream cut short, or the timeout elapsed (StatusCode 0).</summary>
    public class RapportConnectionException : RapportException
    {
        public RapportConnectionException(string message, Exception inner = null) : base(message, 0, inner) { }
    }

    /// <summary>The request took longer than the Timeout option (never retried: the caller has waited long enough).</summary>
    public class RapportTimeoutException : RapportConnectionException
    {
        public RapportTimeoutException(string message) : base(message) { }
    }
}
