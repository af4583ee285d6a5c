// Runs one scenario step with the C# SDK: builds the step's fresh client, maps the snake_case op and args to the
// SDK's calls, and checks result, typed error, stream events, counters and elapsed time against the step's expect.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;

namespace Rapport.Tests.Conformance
{
    internal sealed class StepRunner
    {
        private static readonly HttpClient Http = new HttpClient();
        private readonly Dictionary<string, JsonNode> variables;
        private readonly JsonNode defaultClient;

        public StepRunner(Dictionary<string, JsonNode> variables, JsonNode defaultClient)
        {
            this.variables = variables;
            this.defaultClient = defaultClient;
        }

        private JsonNode Resolve(JsonNode node)
        {
            return node == null ? null : node.Substitute(name =>
            {
                JsonNode value;
                return variables.TryGetValue(name, out value) ? value : null;
            });
        }

        /// <summary>The mismatches of one step (empty: the step passed).</summary>
        public async Task<List<string>> RunAsync(JsonNode step)
        {
            var failures = new List<string>();
            var expect = Resolve(step["expect"]);
            var args = Resolve(step["args"]);
            var client = Client(Resolve(defaultClient), Resolve(step["client"]));
            var counters = expect.Has("counters") ? await CountersAsync() : null;
            var events = new List<StreamEvent>();
            object result = null;
            Exception error = null;
            var clock = Stopwatch.StartNew();
            try
            {
                result = await Call(client, step.Str("op"), args, events);
            }
            catch (Exception caught)
            {
                error = caught;
            }
            clock.Stop();

            if (expect.Has("result")) CheckResult(expect["result"], result, error, failures);
            if (expect.Has("error")) CheckError(expect["error"], result, error, failures);
            if (expect.Has("events")) StreamCheck.Events(expect["events"], events, error, failures);
            if (expect.Has("elapsed_ms")) Matcher.Match(expect["elapsed_ms"], JsonNode.Of(clock.Elapsed.TotalMilliseconds), "elapsed_ms", failures);
            if (counters != null)
            {
                var after = await CountersAsync();
                foreach (var name in expect["counters"].Keys)
                {
                    var grown = after[name].Number - counters[name].Number;
                    if (grown != expect["counters"][name].Number) failures.Add("counters." + name + ": grew by " + grown + ", expected " + expect["counters"][name]);
                }
            }
            var save = step["save"];
            if (save != null && result != null)
            {
                var wire = JsonNode.Of(result);
                foreach (var name in save.Keys) variables[name] = wire.At(save.Str(name));
            }
            return failures;
        }

        private async Task<JsonNode> CountersAsync()
        {
            var url = variables["control_url"].String.TrimEnd('/') + "/counters";
            return JsonNode.Parse(await Http.GetStringAsync(url));
        }

        private static RapportClient Client(JsonNode defaults, JsonNode overrides)
        {
            Func<string, JsonNode> field = name => overrides != null && overrides.Has(name) ? overrides[name] : defaults[name];
            var options = new RapportClientOptions
            {
                BaseUrl = field("base_url").String,
                ApiKey = field("api_key").String,
                LlmApiKey = field("llm_api_key") == null ? null : field("llm_api_key").String,
                LlmModel = field("llm_model") == null ? null : field("llm_model").String,
            };
            if (field("max_retries") != null) options.MaxRetries = (int)field("max_retries").Number;
            return new RapportClient(options);
        }

        private static async Task<object> Call(RapportClient client, string op, JsonNode args, List<StreamEvent> events)
        {
            var persona = args.Str("persona_id");
            var player = args.Str("user_session_id");
            var machine = args.Str("machine_id");
            switch (op)
            {
                case "personas.list": return (await client.Personas.ListAsync()).ToList();
                case "machines.list": return (await client.Machines.ListAsync(persona, player)).ToList();
                case "chat.init_session": return await client.Chat.InitSessionAsync(persona, player, args.Str("player_name"), args.Str("player_gender"), machine);
                case "chat.send_message": return await client.Chat.SendMessageAsync(persona, player, args.Str("message"), machine);
                case "chat.stream_message": return await client.Chat.StreamMessageAsync(persona, player, args.Str("message"), events.Add, machine);
                case "chat.stream_message_final": return await client.Chat.StreamMessageAsync(persona, player, args.Str("message"), null, machine);
                case "chat.get_session": return await client.Chat.GetSessionAsync(persona, player, machine);
                case "chat.get_history": return await client.Chat.GetHistoryAsync(persona, player, machine, args.Has("include_trace") && args["include_trace"].Bool);
                case "chat.reset": return await client.Chat.ResetAsync(persona, player, machine);
                case "validate_llm_key": return await client.ValidateLlmKeyAsync(args.Str("model"));
                default: throw new NotSupportedException("unknown op " + op);
            }
        }

        private static void CheckResult(JsonNode expected, object result, Exception error, List<string> failures)
        {
            if (error != null)
            {
                failures.Add("expected a result, got " + error.GetType().Name + ": " + error.Message);
                return;
            }
            Matcher.Match(expected, JsonNode.Of(result), "result", failures);
        }

        private static void CheckError(JsonNode expected, object result, Exception error, List<string> failures)
        {
            if (error == null)
            {
                failures.Add("expected " + expected.Str("type") + ", got a result: " + JsonNode.Of(result));
                return;
            }
            var name = expected.Str("type").Replace("Error", "Exception");
            var type = typeof(RapportException).Assembly.GetType("Rapport." + name);
            if (type == null || !type.IsInstanceOfType(error))
            {
                failures.Add("expected " + name + ", got " + error.GetType().Name + ": " + error.Message);
                return;
            }
            var typed = (RapportException)error;
            Matcher.Match(expected["status_code"], JsonNode.Of(typed.StatusCode), "error.status_code", failures);
            Matcher.Match(expected["message"], JsonNode.Of(typed.Message), "error.message", failures);
            if (expected.Has("retry_after"))
            {
                var retryAfter = ((RateLimitException)typed).RetryAfter;
                Matcher.Match(expected["retry_after"], retryAfter.HasValue ? JsonNode.Of(retryAfter.Value.TotalSeconds) : null, "error.retry_after", failures);
            }
        }
    }
}
