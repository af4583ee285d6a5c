// Client options: credentials, server address, timeout, retries and the LLM key/model options sent as X-LLM-* headers.
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Rapport.Http;

namespace Rapport
{
    /// <summary>Options of a <see cref="RapportClient"/>. Keys are never shown by <see cref="ToString"/>.</summary>
    public sealed class RapportClientOptions
    {
        /// <summary>The SDK API key (pk_live_…), sent as X-API-Key.</summary>
        public string ApiKey { get; set; }

        /// <summary>Server root, e.g. http://127.0.0.1:3000 (a trailing /api/v1 is accepted too).</summary>
        public string BaseUrl { get; set; } = "http://127.0.0.1:3000";

        /// <summary>Per-attempt timeout; for a stream, the longest silence allowed between two reads. Default 30 s.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Retries after a 429, a 5xx or a connection failure (never for streams). Default 3.</summary>
        public int MaxRetries { get; set; } = 3;

        /// <summary>How long Personas.ListAsync keeps its answer. Default 60 s; zero disables the cache.</summary>
        public TimeSpan PersonaCacheTtl { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>A Retry-After longer than this is not waited for: the RateLimitException or ServerException is thrown at once. Default 60 s.</summary>
        public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>LLM provider key for every step (X-LLM-API-Key).</summary>
        public string LlmApiKey { get; set; }
        /// <summary>Model for every step (X-LLM-Model), e.g. gpt-4o-mini or anthropic/claude-….</summary>
        public string LlmModel { get; set; }
        /// <summary>Model of the evaluation step (X-LLM-Eval-Model).</summary>
        public string EvalModel { get; set; }
        /// <summary>Model of the reply step (X-LLM-Response-Model).</summary>
        public string ResponseModel { get; set; }
        /// <summary>Model of the summarization step (X-LLM-Summarization-Model).</summary>
        public string SummarizationModel { get; set; }
        /// <summary>Key of the evaluation step (X-LLM-Eval-API-Key).</summary>
        public string EvalApiKey { get; set; }
        /// <summary>Key of the reply step (X-LLM-Response-API-Key).</summary>
        public string ResponseApiKey { get; set; }
        /// <summary>Key of the summarization step (X-LLM-Summarization-API-Key).</summary>
        public string SummarizationApiKey { get; set; }

        /// <summary>The HTTP transport; default a shared <see cref="HttpClientTransport"/>. In Unity WebGL use UnityWebRequestTransport.</summary>
        public IHttpTransport Transport { get; set; }

        /// <summary>How the client waits between retries; default Task.Delay. Replace it where timers are unavailable.</summary>
        public Func<TimeSpan, CancellationToken, Task> Delay { get; set; }

        internal RapportClientOptions Copy()
        {
            return (RapportClientOptions)MemberwiseClone();
        }

        internal IEnumerable<KeyValuePair<string, string>> Headers()
        {
            var pairs = new[]
            {
                new KeyValuePair<string, string>("X-API-Key", ApiKey),
                new KeyValuePair<string, string>("X-LLM-API-Key", LlmApiKey),
                new KeyValuePair<string, string>("X-LLM-Model", LlmModel),
                new KeyValuePair<string, string>("X-LLM-Eval-Model", EvalModel),
                new KeyValuePair<string, string>("X-LLM-Response-Model", ResponseModel),
                new KeyValuePair<string, string>("X-LLM-Summarization-Model", SummarizationModel),
                new KeyValuePair<string, string>("X-LLM-Eval-API-Key", EvalApiKey),
                new KeyValuePair<string, string>("X-LLM-Response-API-Key", ResponseApiKey),
                new KeyValuePair<string, string>("X-LLM-Summarization-API-Key", SummarizationApiKey),
            };
            foreach (var pair in pairs)
            {
                if (!string.IsNullOrEmpty(pair.Value)) yield return pair;
            }
        }

        internal string ApiRoot()
        {
            var root = (BaseUrl ?? string.Empty).Trim().TrimEnd('/');
            if (root.EndsWith("/api/v1", StringComparison.Ordinal)) root = root.Substring(0, root.Length - 7);
            return root + "/api/v1";
        }

        /// <summary>The options with every key masked.</summary>
        public override string ToString()
        {
            return "RapportClientOptions { BaseUrl = " + BaseUrl +
                ", ApiKey = " + Mask(ApiKey) + ", LlmApiKey = " + Mask(LlmApiKey) +
                ", EvalApiKey = " + Mask(EvalApiKey) + ", ResponseApiKey = " + Mask(ResponseApiKey) +
                ", SummarizationApiKey = " + Mask(SummarizationApiKey) +
                ", LlmModel = " + LlmModel + ", EvalModel = " + EvalModel + ", ResponseModel = " + ResponseModel +
                ", SummarizationModel = " + SummarizationModel + ", Timeout = " + Timeout + ", MaxRetries = " + MaxRetries + " }";
        }

        private static string Mask(string key)
        {
            return string.IsNullOrEmpty(key) ? "(none)" : "***";
        }
    }
}
