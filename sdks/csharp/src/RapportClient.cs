// Entry point of the SDK: holds the options and the transport, and exposes the Personas, Machines and Chat resources.
using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Rapport
{
    /// <summary>A client of Rapport's SDK API. Thread-safe; keep one per API key.</summary>
    public sealed class RapportClient
    {
        private readonly RequestRunner runner;

        /// <summary>Creates a client; the options are copied, so later changes to them have no effect.</summary>
        public RapportClient(RapportClientOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            if (string.IsNullOrEmpty(options.ApiKey)) throw new ArgumentException("ApiKey is required (an SDK API key, pk_live_…)", "options");
            Uri parsed;
            if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out parsed) || (parsed.Scheme != "http" && parsed.Scheme != "https"))
                throw new ArgumentException("BaseUrl must be an absolute http(s) URL, e.g. http://127.0.0.1:3000", "options");
            if (options.MaxRetries < 0) throw new ArgumentException("MaxRetries must be 0 or more", "options");
            if (options.Timeout <= TimeSpan.Zero) throw new ArgumentException("Timeout must be positive", "options");
            runner = new RequestRunner(options.Copy());
            Personas = new PersonasResource(runner);
            Machines = new MachinesResource(runner);
            Chat = new ChatResource(runner);
        }

        /// <summary>Creates a client with default options for this API key and server.</summary>
        public RapportClient(string apiKey, string baseUrl) : this(new RapportClientOptions { ApiKey = apiKey, BaseUrl = baseUrl }) { }

        /// <summary>Your published personas (cached for PersonaCacheTtl).</summary>
        public PersonasResource Personas { get; private set; }

        /// <summary>The machines (scenarios) available to a player.</summary>
        public MachinesResource Machines { get; private set; }

        /// <summary>Sessions and turns: init, send, stream, session, history, reset.</summary>
        public ChatResource Chat { get; private set; }

        /// <summary>Tries the LlmApiKey option with one tiny provider request (model: this argument, else LlmModel, else the server default).
        /// A rejected key or unknown model answers Valid = false with the reason.</summary>
        public Task<KeyValidation> ValidateLlmKeyAsync(string model = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var spec = new RequestSpec { Method = "POST", Path = "/sdk/validate-llm-key", Body = new ValidateKeyBody { Model = model } };
            return runner.SendJsonAsync<KeyValidation>(spec, cancellationToken);
        }

        public override string ToString()
        {
            return "RapportClient { " + runner.Options + " }";
        }

        /// <summary>A path segment, percent-encoded.</summary>
        internal static string Segment(string value, string name)
        {
            if (string.IsNullOrEmpty(value)) throw new ArgumentException(name + " is required", name);
            return Uri.EscapeDataString(value);
        }

        /// <summary>A query string from name/value pairs; null values are left out.</summary>
        internal static string Query(params string[] pairs)
        {
            var query = new StringBuilder();
            for (var i = 0; i + 1 < pairs.Length; i += 2)
            {
                if (pairs[i + 1] == null) continue;
                if (query.Length > 0) query.Append('&');
                query.Append(pairs[i]).Append('=').Append(Uri.EscapeDataString(pairs[i + 1]));
            }
            return query.ToString();
        }
    }

    /// <summary>GET /sdk/personas with a per-client cache.</summary>
    public sealed class PersonasResource
    {
        private readonly RequestRunner runner;
        private readonly object gate = new object();
        private IReadOnlyList<Persona> cached;
        private DateTime cachedAt;

        internal PersonasResource(RequestRunner runner)
        {
            this.runner = runner;
        }

        /// <summary>The published personas of the API key's owner, oldest first; answered from the cache while it is fresh.</summary>
        public async Task<IReadOnlyList<Persona>> ListAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var ttl = runner.Options.PersonaCacheTtl;
            lock (gate)
            {
                if (cached != null && DateTime.UtcNow - cachedAt < ttl) return cached;
            }
            var spec = new RequestSpec { Method = "GET", Path = "/sdk/personas" };
            var list = (await runner.SendJsonAsync<List<Persona>>(spec, cancellationToken).ConfigureAwait(false)).AsReadOnly();
            lock (gate)
            {
                cached = list;
                cachedAt = DateTime.UtcNow;
            }
            return list;
        }

        /// <summary>Forgets the cached list (e.g. after publishing a persona).</summary>
        public void ClearCache()
        {
            lock (gate) cached = null;
        }
    }

    /// <summary>GET /sdk/chat/{persona_id}/machines.</summary>
    public sealed class MachinesResource
    {
        private readonly RequestRunner runner;

        internal MachinesResource(RequestRunner runner)
        {
            this.runner = runner;
        }

        /// <summary>Entry machines and the ones this player has unlocked, with the player's session and outcome on each.</summary>
        public async Task<IReadOnlyList<MachineInfo>> ListAsync(string personaId, string userSessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            var spec = new RequestSpec
            {
                Method = "GET",
                Path = "/sdk/chat/" + RapportClient.Segment(personaId, "personaId") + "/machines",
                Query = RapportClient.Query("user_session_id", userSessionId),
            };
            return (await runner.SendJsonAsync<List<MachineInfo>>(spec, cancellationToken).ConfigureAwait(false)).AsReadOnly();
        }
    }
}
