// Typed errors per status, retries with jittered exponential backoff honouring Retry-After, one Idempotency-Key per call.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Rapport.Tests
{
    [TestFixture, Timeout(60000)]
    public class RetryTests : FakeServerFixture
    {
        private static async Task<Exception> Failure(Func<Task> call)
        {
            try
            {
                await call();
            }
            catch (Exception error)
            {
                return error;
            }
            Assert.Fail("the call succeeded");
            return null;
        }

        [TestCase(400, typeof(BadRequestException))]
        [TestCase(401, typeof(AuthenticationException))]
        [TestCase(403, typeof(ForbiddenException))]
        [TestCase(404, typeof(NotFoundException))]
        [TestCase(409, typeof(RapportException))]
        public async Task ClientErrorsMapToTypedExceptionsWithoutRetry(int status, Type expected)
        {
            server.Then(FakeServer.Error(status, "Nope " + status));
            var client = Support.Client(server, delays);
            var error = (RapportException)await Failure(() => client.Chat.SendMessageAsync(Support.PersonaId, "p1", "hi"));
            Assert.AreEqual(expected, error.GetType());
            Assert.AreEqual(status, error.StatusCode);
            Assert.AreEqual("Nope " + status, error.Message);
            Assert.AreEqual(1, server.Requests.Count);
            Assert.AreEqual(0, delays.Count);
            StringAssert.DoesNotContain(Support.ApiKey, error.ToString());
            StringAssert.DoesNotContain(Support.LlmKey, error.ToString());
        }

        [Test]
        public async Task FiveHundredsAreRetriedWithTheSameIdempotencyKeyAndGrowingJitteredBackoff()
        {
            server.Then(FakeServer.Error(500, "boom")).Then(FakeServer.Error(503, "busy")).Then(FakeServer.Error(502, "gateway"))
                .Then(FakeServer.Json(200, Support.ChatResponseJson)).Then(FakeServer.Json(200, Support.ChatResponseJson));
            var client = Support.Client(server, delays);
            var reply = await client.Chat.SendMessageAsync(Support.PersonaId, "p1", "hi");
            Assert.AreEqual("Welcome in.", reply.Message);
            var sent = server.Requests;
            Assert.AreEqual(4, sent.Count);
            var key = sent[0].Header("Idempotency-Key");
            Assert.IsNotNull(key);
            Assert.IsTrue(sent.All(r => r.Header("Idempotency-Key") == key));
            Assert.IsTrue(sent.All(r => r.Body == sent[0].Body));
            Assert.AreEqual(3, delays.Count);
            Assert.That(delays[0].TotalSeconds, Is.InRange(0.25, 0.5));
            Assert.That(delays[1].TotalSeconds, Is.InRange(0.5, 1.0));
            Assert.That(delays[2].TotalSeconds, Is.InRange(1.0, 2.0));

            await client.Chat.SendMessageAsync(Support.PersonaId, "p1", "hi");
            Assert.AreNotEqual(key, server.Requests[4].Header("Idempotency-Key"));
        }

        [Test]
        public async Task ServerErrorAfterTheRetriesAreExhausted()
        {
            server.Fallback = FakeServer.Error(500, "LLM provider error");
            var client = Support.Client(server, delays, o => o.MaxRetries = 2);
            var error = await Failure(() => client.Chat.InitSessionAsync(Support.PersonaId, "p1", "Sam", "male"));
            Assert.IsInstanceOf<ServerException>(error);
            Assert.AreEqual(500, ((ServerException)error).StatusCode);
            Assert.AreEqual("LLM provider error", error.Message);
            Assert.AreEqual(3, server.Requests.Count);
            Assert.AreEqual(2, delays.Count);
        }

        [Test]
        public async Task RetryAfterIsHonouredAndReportedOnTheRateLimitException()
        {
            server.Then(FakeServer.Error(429, "Rate limit exceeded", "Retry-After", "3")).Then(FakeServer.Json(200, "[]"));
            var client = Support.Client(server, delays);
            await client.Personas.ListAsync();
            Assert.AreEqual(2, server.Requests.Count);
            Assert.AreEqual(TimeSpan.FromSeconds(3), delays[0]);

            server.Fallback = FakeServer.Error(429, "Rate limit exceeded", "Retry-After", "1");
            client.Personas.ClearCache();
            var error = await Failure(() => client.Personas.ListAsync());
            var limited = error as RateLimitException;
            Assert.IsNotNull(limited);
            Assert.AreEqual(429, limited.StatusCode);
            Assert.AreEqual(TimeSpan.FromSeconds(1), limited.RetryAfter);
            Assert.AreEqual(2 + 4, server.Requests.Count);
        }

        [Test]
        public async Task ARetryAfterBeyondMaxRetryAfterIsNotWaitedFor()
        {
            server.Fallback = FakeServer.Error(503, "maintenance", "Retry-After", "120");
            var client = Support.Client(server, delays);
            var error = (ServerException)await Failure(() => client.Chat.GetSessionAsync(Support.PersonaId, "p1"));
            Assert.AreEqual(503, error.StatusCode);
            Assert.AreEqual(TimeSpan.FromSeconds(120), error.RetryAfter);
            Assert.AreEqual(1, server.Requests.Count);
            Assert.AreEqual(0, delays.Count);
        }

        [Test]
        public void RetryAfterParsesSecondsAndDates()
        {
            Assert.AreEqual(TimeSpan.FromSeconds(2), RequestRunner.ParseRetryAfter("2"));
            Assert.IsNull(RequestRunner.ParseRetryAfter(null));
            Assert.IsNull(RequestRunner.ParseRetryAfter("soon"));
            var date = DateTimeOffset.UtcNow.AddSeconds(30).ToString("r");
            Assert.That(RequestRunner.ParseRetryAfter(date).Value.TotalSeconds, Is.InRange(20, 31));
            Assert.AreEqual(TimeSpan.FromSeconds(0.5), RequestRunner.Backoff(1, TimeSpan.FromSeconds(0.5), 0));
            Assert.AreEqual(TimeSpan.FromSeconds(4), RequestRunner.Backoff(2, TimeSpan.FromSeconds(4), 0.99));
            Assert.AreEqual(TimeSpan.FromSeconds(2), RequestRunner.Backoff(2, null, 1));
        }

        [Test]
        public async Task ConnectionFailuresAreRetriedThenRaised()
        {
            var port = FakeServer.FreePort();
            var options = new RapportClientOptions
            {
                ApiKey = Support.ApiKey,
                BaseUrl = "http://127.0.0.1:" + port,
                Delay = (span, token) => { delays.Add(span); return Task.FromResult(0); },
            };
            var error = await Failure(() => new RapportClient(options).Personas.ListAsync());
            Assert.IsInstanceOf<RapportConnectionException>(error);
            Assert.AreEqual(0, ((RapportException)error).StatusCode);
            StringAssert.DoesNotContain(Support.ApiKey, error.ToString());
            Assert.AreEqual(3, delays.Count);
        }

        [Test]
        public async Task ATimeoutRaisesWithoutRetry()
        {
            var release = new TaskCompletionSource<bool>();
            server.Fallback = async response =>
            {
                await Task.WhenAny(release.Task, Task.Delay(20000));
                await FakeServer.Json(200, "[]")(response);
            };
            var client = Support.Client(server, delays, o => o.Timeout = TimeSpan.FromMilliseconds(500));
            var error = await Failure(() => client.Personas.ListAsync());
            release.SetResult(true);
            Assert.IsInstanceOf<RapportTimeoutException>(error);
            Assert.AreEqual(0, delays.Count, "no retry was scheduled");
            Assert.LessOrEqual(server.Requests.Count, 1);
        }

        [Test]
        public async Task CancellationIsTheCallersNotAnError()
        {
            var release = new TaskCompletionSource<bool>();
            server.Fallback = async response =>
            {
                await Task.WhenAny(release.Task, Task.Delay(20000));
                await FakeServer.Json(200, "[]")(response);
            };
            var client = Support.Client(server, delays);
            using (var cancel = new CancellationTokenSource())
            {
                var call = client.Machines.ListAsync(Support.PersonaId, "p1", cancel.Token);
                cancel.CancelAfter(100);
                var error = await Failure(() => call);
                release.SetResult(true);
                Assert.IsInstanceOf<OperationCanceledException>(error);
            }
        }

        [Test]
        public async Task ANonJsonErrorBodyStillMapsByStatus()
        {
            server.Then(FakeServer.Json(502, "<html>bad gateway</html>")).Then(FakeServer.Json(404, ""));
            var client = Support.Client(server, delays, o => o.MaxRetries = 0);
            var error = (RapportException)await Failure(() => client.Chat.GetHistoryAsync(Support.PersonaId, "p1"));
            Assert.IsInstanceOf<ServerException>(error);
            Assert.AreEqual("HTTP 502", error.Message);
            var missing = (RapportException)await Failure(() => client.Chat.GetHistoryAsync(Support.PersonaId, "p1"));
            Assert.IsInstanceOf<NotFoundException>(missing);
        }
    }
}
