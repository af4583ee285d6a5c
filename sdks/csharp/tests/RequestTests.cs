// What the client puts on the wire (path, query, headers, JSON body) and how it reads the answers.
using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Rapport.Tests
{
    [TestFixture, Timeout(60000)]
    public class RequestTests : FakeServerFixture
    {
        [Test]
        public async Task SendMessagePostsSnakeCaseJsonWithKeyAndLlmHeaders()
        {
            server.Then(FakeServer.Json(200, Support.ChatResponseJson));
            var client = Support.Client(server, delays, o =>
            {
                o.LlmModel = "gpt-4o-mini";
                o.EvalModel = "openai/gpt-4o";
                o.ResponseModel = "anthropic/claude-x";
                o.SummarizationModel = "groq/llama";
                o.EvalApiKey = "k-eval";
                o.ResponseApiKey = "k-resp";
                o.SummarizationApiKey = "k-sum";
            });
            var reply = await client.Chat.SendMessageAsync(Support.PersonaId, "player 1/é", "Hello \"there\"", "1a2b3c4d-0000-4000-8000-000000000001");

            var sent = server.Requests[0];
            Assert.AreEqual("POST", sent.Method);
            Assert.AreEqual("/api/v1/sdk/chat/" + Support.PersonaId + "/message?machine_id=1a2b3c4d-0000-4000-8000-000000000001", sent.PathAndQuery);
            StringAssert.StartsWith("application/json", sent.Header("Content-Type"));
            Assert.AreEqual(Support.ApiKey, sent.Header("X-API-Key"));
            Assert.AreEqual(Support.LlmKey, sent.Header("X-LLM-API-Key"));
            Assert.AreEqual("gpt-4o-mini", sent.Header("X-LLM-Model"));
            Assert.AreEqual("openai/gpt-4o", sent.Header("X-LLM-Eval-Model"));
            Assert.AreEqual("anthropic/claude-x", sent.Header("X-LLM-Response-Model"));
            Assert.AreEqual("groq/llama", sent.Header("X-LLM-Summarization-Model"));
            Assert.AreEqual("k-eval", sent.Header("X-LLM-Eval-API-Key"));
            Assert.AreEqual("k-resp", sent.Header("X-LLM-Response-API-Key"));
            Assert.AreEqual("k-sum", sent.Header("X-LLM-Summarization-API-Key"));
            Guid key;
            Assert.IsTrue(Guid.TryParse(sent.Header("Idempotency-Key"), out key));
            Assert.AreEqual("{\"message\":\"Hello \\\"there\\\"\",\"user_session_id\":\"player 1\\/é\"}", sent.Body);

            Assert.AreEqual("Welcome in.", reply.Message);
            Assert.AreEqual("inside", reply.CurrentState);
            Assert.AreEqual(15, reply.Score);
            Assert.IsNull(reply.Outcome);
            Assert.AreEqual(Decisions.Pass, reply.Decision);
            Assert.IsTrue(reply.MachineCompleted);
            Assert.AreEqual("vip", reply.UnlockedMachines[0].MachineKey);
            Assert.IsTrue(reply.UnlockedMachines[0].IsAutoAdvance);
        }

        [Test]
        public async Task UnsetLlmOptionsSendNoHeaderAndBaseUrlMayEndWithApiV1()
        {
            server.Then(FakeServer.Json(200, "[]"));
            var client = Support.Client(server, delays, o =>
            {
                o.LlmApiKey = null;
                o.BaseUrl = server.BaseUrl + "/api/v1/";
            });
            await client.Personas.ListAsync();
            var sent = server.Requests[0];
            Assert.AreEqual("/api/v1/sdk/personas", sent.PathAndQuery);
            Assert.IsNull(sent.Header("X-LLM-API-Key"));
            Assert.IsNull(sent.Header("X-LLM-Model"));
            Assert.IsNull(sent.Header("Idempotency-Key"));
        }

        [Test]
        public async Task InitSessionSendsTheBodyAndReadsTheGreeting()
        {
            server.Then(FakeServer.Json(200, "{\"session_id\":\"s1\",\"user_session_id\":\"p1\",\"persona_name\":\"Max\",\"persona_description\":\"Bouncer\"," +
                "\"player_name\":\"Sam\",\"player_gender\":\"non-binary\",\"message\":\"Name?\",\"machine_id\":\"m1\"}"));
            var client = Support.Client(server, delays);
            var init = await client.Chat.InitSessionAsync(Support.PersonaId, "p1", "Sam", "non-binary");
            var sent = server.Requests[0];
            Assert.AreEqual("/api/v1/sdk/chat/" + Support.PersonaId + "/init-session", sent.PathAndQuery);
            Assert.AreEqual("{\"user_session_id\":\"p1\",\"player_name\":\"Sam\",\"player_gender\":\"non-binary\"}", sent.Body);
            Assert.AreEqual("Name?", init.Message);
            Assert.AreEqual("Max", init.PersonaName);
            Assert.AreEqual("m1", init.MachineId);
        }

        [Test]
        public async Task GetRoutesCarryTheirQuery()
        {
            server.Then(FakeServer.Json(200, "{\"session_id\":\"s1\",\"score\":3,\"outcome\":\"ACCEPT\",\"last_message_at\":null}"))
                .Then(FakeServer.Json(200, "{\"session_id\":\"s1\",\"messages\":[{\"id\":\"a\",\"role\":\"assistant\",\"content\":\"Hi\"," +
                    "\"state_key_at_time\":null,\"score_at_time\":null,\"decision\":null,\"follow_up_triggered\":false,\"created_at\":\"2026-01-01T00:00:00.000Z\"," +
                    "\"trace\":{\"transition_id\":null,\"decision\":null,\"evaluator_reason\":null,\"fallback\":false,\"steps\":{\"reply\":" +
                    "{\"model\":\"mock/x\",\"tokens_in\":10,\"tokens_out\":4,\"latency_ms\":2}}}},{\"id\":\"b\",\"role\":\"user\",\"content\":\"Yo\"," +
                    "\"state_key_at_time\":\"door\",\"score_at_time\":7,\"decision\":null,\"follow_up_triggered\":false,\"created_at\":\"x\"}]}"))
                .Then(FakeServer.Json(200, "[{\"machine_id\":\"m1\",\"machine_key\":\"door\",\"name\":\"Door\",\"description\":\"d\",\"has_session\":true,\"session_outcome\":null,\"is_linked\":false}]"))
                .Then(FakeServer.Json(200, "{\"session_id\":\"s1\",\"message\":\"Session reset\"}"));
            var client = Support.Client(server, delays);
            var session = await client.Chat.GetSessionAsync(Support.PersonaId, "p&1", "m 1");
            var history = await client.Chat.GetHistoryAsync(Support.PersonaId, "p1", null, true);
            var machines = await client.Machines.ListAsync(Support.PersonaId, "p1");
            var reset = await client.Chat.ResetAsync(Support.PersonaId, "p1");

            var sent = server.Requests;
            Assert.AreEqual("/api/v1/sdk/chat/" + Support.PersonaId + "/session?user_session_id=p%261&machine_id=m%201", sent[0].PathAndQuery);
            Assert.AreEqual("/api/v1/sdk/chat/" + Support.PersonaId + "/history?user_session_id=p1&include_trace=true", sent[1].PathAndQuery);
            Assert.AreEqual("/api/v1/sdk/chat/" + Support.PersonaId + "/machines?user_session_id=p1", sent[2].PathAndQuery);
            Assert.AreEqual("POST", sent[3].Method);
            Assert.AreEqual("", sent[3].Body);
            StringAssert.StartsWith("application/json", sent[3].Header("Content-Type"));
            Assert.IsNotNull(sent[3].Header("Idempotency-Key"));

            Assert.AreEqual(Outcomes.Accept, session.Outcome);
            Assert.IsNull(session.LastMessageAt);
            Assert.AreEqual(2, history.Messages.Count);
            Assert.IsNull(history.Messages[0].ScoreAtTime);
            Assert.AreEqual(7, history.Messages[1].ScoreAtTime);
            Assert.AreEqual("mock/x", history.Messages[0].Trace.Steps.Reply.Model);
            Assert.IsNull(history.Messages[0].Trace.Steps.Evaluate);
            Assert.IsNull(history.Messages[1].Trace);
            Assert.IsTrue(machines[0].HasSession);
            Assert.AreEqual("Session reset", reset.Message);
        }

        [Test]
        public async Task ValidateLlmKeySendsTheModelOnlyWhenGiven()
        {
            server.Then(FakeServer.Json(200, "{\"valid\":true,\"model\":\"gpt-4o-mini\",\"error\":null}"))
                .Then(FakeServer.Json(200, "{\"valid\":false,\"model\":\"x/y\",\"error\":\"Unknown provider\"}"));
            var client = Support.Client(server, delays);
            var ok = await client.ValidateLlmKeyAsync();
            var bad = await client.ValidateLlmKeyAsync("x/y");
            Assert.AreEqual("{}", server.Requests[0].Body);
            Assert.AreEqual("{\"model\":\"x\\/y\"}", server.Requests[1].Body);
            Assert.IsTrue(ok.Valid);
            Assert.IsNull(ok.Error);
            Assert.IsFalse(bad.Valid);
            Assert.AreEqual("Unknown provider", bad.Error);
        }

        [Test]
        public async Task PersonaListIsCachedUntilClearedOrExpired()
        {
            const string list = "[{\"id\":\"p\",\"name\":\"Max\",\"description\":\"d\",\"created_at\":\"c\",\"updated_at\":\"u\"}]";
            server.Then(FakeServer.Json(200, list)).Then(FakeServer.Json(200, "[]")).Then(FakeServer.Json(200, list)).Then(FakeServer.Json(200, "[]"));
            var client = Support.Client(server, delays);
            var first = await client.Personas.ListAsync();
            var second = await client.Personas.ListAsync();
            Assert.AreEqual(1, server.Requests.Count);
            Assert.AreEqual("Max", second[0].Name);
            Assert.AreSame(first, second);
            client.Personas.ClearCache();
            Assert.AreEqual(0, (await client.Personas.ListAsync()).Count);
            Assert.AreEqual(2, server.Requests.Count);

            var uncached = Support.Client(server, delays, o => o.PersonaCacheTtl = TimeSpan.Zero);
            Assert.AreEqual(1, (await uncached.Personas.ListAsync()).Count);
            Assert.AreEqual(0, (await uncached.Personas.ListAsync()).Count);
            Assert.AreEqual(4, server.Requests.Count);
        }

        [Test]
        public void OptionsAreCheckedAndKeysNeverShown()
        {
            Assert.Throws<ArgumentException>(() => new RapportClient(new RapportClientOptions { BaseUrl = server.BaseUrl }));
            Assert.Throws<ArgumentException>(() => new RapportClient(Support.ApiKey, "127.0.0.1:3000"));
            var options = new RapportClientOptions { ApiKey = Support.ApiKey, BaseUrl = server.BaseUrl, LlmApiKey = Support.LlmKey, EvalApiKey = "k-eval-secret", LlmModel = "gpt-4o-mini" };
            var client = new RapportClient(options);
            foreach (var text in new[] { options.ToString(), client.ToString() })
            {
                StringAssert.DoesNotContain(Support.ApiKey, text);
                StringAssert.DoesNotContain(Support.LlmKey, text);
                StringAssert.DoesNotContain("k-eval-secret", text);
                StringAssert.Contains("gpt-4o-mini", text);
            }
        }

        [Test]
        public async Task OptionsAreCopiedAtConstruction()
        {
            server.Then(FakeServer.Json(200, "[]"));
            var options = new RapportClientOptions { ApiKey = Support.ApiKey, BaseUrl = server.BaseUrl };
            var client = new RapportClient(options);
            options.ApiKey = "pk_live_changed";
            await client.Personas.ListAsync();
            Assert.AreEqual(Support.ApiKey, server.Requests[0].Header("X-API-Key"));
        }
    }
}
