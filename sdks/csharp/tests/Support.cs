// Shared test helpers: a client wired to a fake server with recorded (not slept) retry delays, and canned JSON bodies.
using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Rapport.Tests
{
    internal static class Support
    {
        public const string ApiKey = "pk_live_secret_api_key_123";
        public const string LlmKey = "sk-secret-llm-key-456";
        public const string PersonaId = "6f1c2c0e-8a44-4d7e-9a55-0d3b2f1e9c11";

        public static RapportClient Client(FakeServer server, List<TimeSpan> delays, Action<RapportClientOptions> tweak = null)
        {
            var options = new RapportClientOptions
            {
                ApiKey = ApiKey,
                BaseUrl = server.BaseUrl,
                LlmApiKey = LlmKey,
                Delay = (span, token) =>
                {
                    lock (delays) delays.Add(span);
                    return Task.FromResult(0);
                },
            };
            if (tweak != null) tweak(options);
            return new RapportClient(options);
        }

        public const string ChatResponseJson =
            "{\"message\":\"Welcome in.\",\"current_state\":\"inside\",\"score\":15,\"outcome\":null,\"decision\":\"pass\"," +
            "\"follow_up\":false,\"session_id\":\"0b4f6f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b\",\"scoring_mode\":\"scoring\"," +
            "\"redirect_count\":0,\"machine_completed\":true,\"unlocked_machines\":[{\"machine_id\":\"1a2b3c4d-0000-4000-8000-000000000001\"," +
            "\"machine_key\":\"vip\",\"name\":\"VIP room\",\"is_auto_advance\":true}],\"future_field\":{\"x\":[1,2]}}";

        public const string MetadataJson =
            "{\"current_state\":\"inside\",\"score\":15,\"outcome\":null,\"decision\":\"pass\",\"follow_up\":false," +
            "\"session_id\":\"0b4f6f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b\",\"scoring_mode\":\"scoring\",\"redirect_count\":0," +
            "\"machine_completed\":false,\"unlocked_machines\":null}";

        public static string DoneJson(string message)
        {
            return MetadataJson.Replace("{\"current_state\"", "{\"message\":\"" + message + "\",\"current_state\"");
        }
    }
}
