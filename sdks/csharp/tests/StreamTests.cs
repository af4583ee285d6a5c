// Streams: SSE framing, events delivered as they arrive (not buffered), error events, cut streams, no retries.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using Rapport.Http;

namespace Rapport.Tests
{
    [TestFixture, Timeout(60000)]
    public class StreamTests : FakeServerFixture
    {
        private static string Event(string name, string data)
        {
            return "event: " + name + "\ndata: " + data + "\n\n";
        }

        [Test]
        public async Task EventsArriveInOrderAndDeltasJoinToTheDoneMessage()
        {
            server.Then(FakeServer.Sse(": ping\n\n", Event("metadata", Support.MetadataJson), Event("text_delta", "{\"text\":\"Wel\"}"),
                Event("text_delta", "{\"text\":\"come \\u00e9\"}"), Event("future_event", "{}"), Event("done", Support.DoneJson("Welcome é"))));
            var client = Support.Client(server, delays);
            var events = new List<StreamEvent>();
            var done = await client.Chat.StreamMessageAsync(Support.PersonaId, "p1", "hi", events.Add);

            var sent = server.Requests[0];
            Assert.AreEqual("/api/v1/sdk/chat/" + Support.PersonaId + "/message/stream", sent.PathAndQuery);
            Assert.IsNotNull(sent.Header("Idempotency-Key"));
            Assert.AreEqual(new[] { StreamEventType.Metadata, StreamEventType.TextDelta, StreamEventType.TextDelta, StreamEventType.Done }, events.Select(e => e.Type).ToArray());
            Assert.IsNull(events[0].Response.Message);
            Assert.AreEqual("inside", events[0].Response.CurrentState);
            Assert.AreEqual("Welcome é", string.Concat(events.Where(e => e.Type == StreamEventType.TextDelta).Select(e => e.Text)));
            Assert.AreEqual("Welcome é", done.Message);
            Assert.AreSame(events[3].Response, done);
        }

        [Test]
        public async Task EachEventIsDeliveredBeforeTheRestOfTheStreamIsSent()
        {
            var firstDeltaSeen = new TaskCompletionSource<bool>();
            var releasedByEvent = false;
            Func<Task> gate = async () =>
            {
                releasedByEvent = await Task.WhenAny(firstDeltaSeen.Task, Task.Delay(40000)) == firstDeltaSeen.Task;
            };
            server.Then(FakeServer.Sse(Event("metadata", Support.MetadataJson), Event("text_delta", "{\"text\":\"Hel\"}"), gate,
                Event("text_delta", "{\"text\":\"lo\"}"), Event("done", Support.DoneJson("Hello"))));
            var client = Support.Client(server, delays);
            var done = await client.Chat.StreamMessageAsync(Support.PersonaId, "p1", "hi", e =>
            {
                if (e.Type == StreamEventType.TextDelta) firstDeltaSeen.TrySetResult(true);
            });
            Assert.IsTrue(releasedByEvent, "the first text_delta reached the callback only after the server sent the rest");
            Assert.AreEqual("Hello", done.Message);
        }

        [Test]
        public async Task AnErrorEventIsDeliveredThenRaisedAsStreamException()
        {
            server.Then(FakeServer.Sse(Event("metadata", Support.MetadataJson), Event("text_delta", "{\"text\":\"Hal\"}"),
                Event("error", "{\"error\":{\"message\":\"LLM provider error: stream cut\"}}")));
            var client = Support.Client(server, delays);
            var events = new List<StreamEvent>();
            StreamException error = null;
            try
            {
                await client.Chat.StreamMessageAsync(Support.PersonaId, "p1", "hi", events.Add);
            }
            catch (StreamException caught)
            {
                error = caught;
            }
            Assert.IsNotNull(error);
            Assert.IsInstanceOf<ServerException>(error);
            Assert.AreEqual(500, error.StatusCode);
            Assert.AreEqual("LLM provider error: stream cut", error.Message);
            Assert.AreEqual(StreamEventType.Error, events.Last().Type);
            Assert.AreEqual("LLM provider error: stream cut", events.Last().ErrorMessage);
            Assert.AreEqual(1, server.Requests.Count);
        }

        [Test]
        public async Task AStreamCutBeforeDoneRaisesAConnectionError()
        {
            server.Then(FakeServer.SseThenCut(Event("metadata", Support.MetadataJson) + Event("text_delta", "{\"text\":\"Hal\"}")));
            var client = Support.Client(server, delays);
            var events = new List<StreamEvent>();
            RapportConnectionException error = null;
            try
            {
                await client.Chat.StreamMessageAsync(Support.PersonaId, "p1", "hi", events.Add);
            }
            catch (RapportConnectionException caught)
            {
                error = caught;
            }
            Assert.IsNotNull(error);
            Assert.AreEqual(2, events.Count);
            Assert.AreEqual(1, server.Requests.Count);
        }

        [Test]
        public async Task StreamsAreNeverRetried()
        {
            server.Fallback = FakeServer.Error(503, "busy", "Retry-After", "1");
            var client = Support.Client(server, delays);
            Exception error = null;
            try
            {
                await client.Chat.StreamMessageAsync(Support.PersonaId, "p1", "hi");
            }
            catch (Exception caught)
            {
                error = caught;
            }
            Assert.IsInstanceOf<ServerException>(error);
            Assert.AreEqual(503, ((ServerException)error).StatusCode);
            Assert.AreEqual(1, server.Requests.Count);
            Assert.AreEqual(0, delays.Count);
        }

        [Test]
        public async Task EventsRunOnTheCallersSynchronizationContext()
        {
            server.Then(FakeServer.Sse(Event("metadata", Support.MetadataJson), Event("text_delta", "{\"text\":\"Hi\"}"), Event("done", Support.DoneJson("Hi"))));
            var client = Support.Client(server, delays);
            var context = new RecordingContext();
            var onContext = new List<bool>();
            var previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(context);
            Task<ChatResponse> call;
            try
            {
                call = client.Chat.StreamMessageAsync(Support.PersonaId, "p1", "hi", e => onContext.Add(RecordingContext.Inside));
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(previous);
            }
            await call;
            await context.Drained();
            Assert.AreEqual(new[] { true, true, true }, onContext.ToArray());
        }

        [Test]
        public async Task SseFramingHandlesChunkBoundariesCrlfCommentsAndMultiLineData()
        {
            var pipe = new ChunkPipeStream();
            var reader = new SseReader(pipe);
            var bytes = Encoding.UTF8.GetBytes(": ping\r\n\r\nevent: a\r\ndata: x\r\ndata:y é\r\n\r\nevent:b\ndata\n\nevent: lost\ndata: z");
            var split = Array.IndexOf(bytes, (byte)0xC3) + 1;
            var first = reader.ReadAsync();
            pipe.Append(bytes, split);
            Assert.IsFalse(first.IsCompleted);
            var rest = new byte[bytes.Length - split];
            Buffer.BlockCopy(bytes, split, rest, 0, rest.Length);
            pipe.Append(rest, rest.Length);
            var a = await first;
            Assert.AreEqual("a", a.Name);
            Assert.AreEqual("x\ny é", a.Data);
            var b = await reader.ReadAsync();
            Assert.AreEqual("b", b.Name);
            Assert.AreEqual("", b.Data);
            var pending = reader.ReadAsync();
            Assert.IsFalse(pending.IsCompleted);
            pipe.Complete();
            Assert.IsNull(await pending);
        }

        [Test]
        public async Task ChunkPipeReportsAFailureAfterItsData()
        {
            var pipe = new ChunkPipeStream();
            pipe.Append(new byte[] { 1, 2, 3 }, 2);
            pipe.Complete(new InvalidOperationException("network down"));
            var buffer = new byte[8];
            Assert.AreEqual(2, await pipe.ReadAsync(buffer, 0, 8));
            Assert.AreEqual(new byte[] { 1, 2 }, buffer.Take(2).ToArray());
            var error = Assert.Throws<IOException>(() => pipe.Read(buffer, 0, 8));
            Assert.AreEqual("network down", error.Message);
        }

        private sealed class RecordingContext : SynchronizationContext
        {
            [ThreadStatic] private static bool inside;
            private Task last = Task.FromResult(0);

            public static bool Inside
            {
                get { return inside; }
            }

            public override void Post(SendOrPostCallback callback, object state)
            {
                lock (this)
                {
                    last = last.ContinueWith(previous =>
                    {
                        inside = true;
                        try
                        {
                            callback(state);
                        }
                        finally
                        {
                            inside = false;
                        }
                    });
                }
            }

            public Task Drained()
            {
                lock (this) return last;
            }
        }
    }
}
