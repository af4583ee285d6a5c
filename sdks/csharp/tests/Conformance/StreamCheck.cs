// The checks every stream step gets (sdks/conformance/README.md): one metadata event first, only text deltas in
// between, the expected last event, deltas joining to done.message, metadata equal to done without its message.
using System;
using System.Collections.Generic;
using System.Linq;

namespace Rapport.Tests.Conformance
{
    internal static class StreamCheck
    {
        public static void Events(JsonNode expected, List<StreamEvent> events, Exception error, List<string> failures)
        {
            if (events.Count < 2)
            {
                failures.Add("expected a stream, got " + events.Count + " events" + (error != null ? " and " + error.GetType().Name + ": " + error.Message : string.Empty));
                return;
            }
            var first = events[0];
            var last = events[events.Count - 1];
            var middle = events.Skip(1).Take(events.Count - 2).ToList();
            if (first.Type != StreamEventType.Metadata) failures.Add("the first event is " + first.Type + ", not metadata");
            if (middle.Any(e => e.Type != StreamEventType.TextDelta)) failures.Add("events between the first and the last are not all text deltas: " + string.Join(", ", events));
            var minimum = (int)expected["min_text_deltas"].Number;
            if (middle.Count < minimum) failures.Add("expected at least " + minimum + " text deltas, got " + middle.Count);
            var lastName = expected.Str("last");
            var lastType = lastName == "done" ? StreamEventType.Done : StreamEventType.Error;
            if (last.Type != lastType)
            {
                failures.Add("the last event is " + last.Type + ", expected " + lastName);
                return;
            }
            if (lastType == StreamEventType.Done)
            {
                if (error != null) failures.Add("the stream ended with done but the call raised " + error.GetType().Name + ": " + error.Message);
                var joined = string.Concat(middle.Select(e => e.Text));
                if (joined != last.Response.Message) failures.Add("the deltas join to \"" + joined + "\", done.message is \"" + last.Response.Message + "\"");
                var withoutMessage = RapportJson.Deserialize<ChatResponse>(RapportJson.Serialize(last.Response));
                withoutMessage.Message = null;
                if (JsonNode.Of(withoutMessage).ToString() != JsonNode.Of(first.Response).ToString())
                    failures.Add("metadata " + JsonNode.Of(first.Response) + " differs from done without message " + JsonNode.Of(withoutMessage));
                if (expected.Has("done")) Matcher.Match(expected["done"], JsonNode.Of(last.Response), "done", failures);
            }
            else
            {
                if (!(error is ServerException)) failures.Add("the stream ended with an error event but the call raised " + (error == null ? "nothing" : error.GetType().Name));
                var wire = new ErrorEnvelope { Error = new ErrorBody { Message = last.ErrorMessage } };
                if (expected.Has("error")) Matcher.Match(expected["error"], JsonNode.Of(wire), "error", failures);
            }
            if (expected.Has("metadata"))
            {
                var metadata = JsonNode.Of(first.Response);
                Matcher.Match(expected["metadata"], metadata, "metadata", failures);
            }
        }
    }
}
