// The coroutine-friendly callback form: an IEnumerator that stays pending until the call ends, then its callback runs.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Rapport.Tests
{
    [TestFixture, Timeout(60000)]
    public class CallbackTests : FakeServerFixture
    {
        [Test]
        public async Task AnOperationIsPendingUntilTheAnswerThenCallsOnSuccess()
        {
            var release = new TaskCompletionSource<bool>();
            server.Then(async response =>
            {
                await Task.WhenAny(release.Task, Task.Delay(15000));
                await FakeServer.Json(200, Support.ChatResponseJson)(response);
            });
            var client = Support.Client(server, delays);
            ChatResponse received = null;
            Exception failed = null;
            var operation = client.Chat.SendMessage(Support.PersonaId, "p1", "hi", r => received = r, e => failed = e);
            IEnumerator coroutine = operation;
            Assert.IsTrue(coroutine.MoveNext());
            Assert.IsFalse(operation.IsDone);
            release.SetResult(true);
            await operation.Task;
            while (coroutine.MoveNext()) await Task.Delay(10);
            Assert.IsTrue(operation.IsDone);
            Assert.IsNull(failed);
            Assert.AreSame(operation.Result, received);
            Assert.AreEqual("Welcome in.", received.Message);
        }

        [Test]
        public async Task AFailedOperationCallsOnErrorWithTheTypedException()
        {
            server.Then(FakeServer.Error(403, "This persona is not published"));
            var client = Support.Client(server, delays);
            Exception failed = null;
            var succeeded = false;
            var operation = client.Chat.InitSession(Support.PersonaId, "p1", "Sam", "female", r => succeeded = true, e => failed = e);
            try
            {
                await operation.Task;
            }
            catch (ForbiddenException)
            {
            }
            IEnumerator coroutine = operation;
            while (coroutine.MoveNext()) await Task.Delay(10);
            Assert.IsFalse(succeeded);
            Assert.IsInstanceOf<ForbiddenException>(failed);
            Assert.AreSame(failed, operation.Error);
            Assert.AreEqual("This persona is not published", failed.Message);
        }

        [Test]
        public async Task StreamOperationDeliversEventsThenTheFinalResponse()
        {
            server.Then(FakeServer.Sse("event: metadata\ndata: " + Support.MetadataJson + "\n\n", "event: text_delta\ndata: {\"text\":\"Yo\"}\n\n",
                "event: done\ndata: " + Support.DoneJson("Yo") + "\n\n"));
            var client = Support.Client(server, delays);
            var text = "";
            ChatResponse final = null;
            var operation = client.Chat.StreamMessage(Support.PersonaId, "p1", "hi", e => text += e.Text, r => final = r);
            await operation.Task;
            IEnumerator coroutine = operation;
            while (coroutine.MoveNext()) await Task.Delay(10);
            Assert.AreEqual("Yo", text);
            Assert.AreEqual("Yo", final.Message);
        }

        [Test]
        public async Task ArgumentErrorsReachOnErrorToo()
        {
            var client = Support.Client(server, delays);
            Exception failed = null;
            var operation = client.Machines.List(null, "p1", r => { }, e => failed = e);
            try
            {
                await operation.Task;
            }
            catch (ArgumentException)
            {
            }
            IEnumerator coroutine = operation;
            while (coroutine.MoveNext()) await Task.Delay(10);
            Assert.IsInstanceOf<ArgumentException>(failed);
            Assert.AreEqual(0, server.Requests.Count);
        }
    }
}
