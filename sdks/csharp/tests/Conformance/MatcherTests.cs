// The replay's own machinery can fail: matchers, substitution and paths reject what the scenario does not allow.
using System.Collections.Generic;
using NUnit.Framework;

namespace Rapport.Tests.Conformance
{
    [TestFixture]
    public class MatcherTests
    {
        private static List<string> Check(string expected, string actual)
        {
            var failures = new List<string>();
            Matcher.Match(JsonNode.Parse(expected), actual == null ? null : JsonNode.Parse(actual), "r", failures);
            return failures;
        }

        [Test]
        public void ScalarsObjectsAndArrays()
        {
            Assert.IsEmpty(Check("{\"a\":1,\"b\":null,\"c\":[true,\"x\"]}", "{\"a\":1.0,\"b\":null,\"c\":[true,\"x\"],\"extra\":2}"));
            Assert.IsNotEmpty(Check("{\"a\":1}", "{\"a\":2}"));
            Assert.IsNotEmpty(Check("{\"a\":null}", "{\"a\":\"null\"}"));
            Assert.IsNotEmpty(Check("{\"a\":1}", "{\"b\":1}"));
            Assert.IsNotEmpty(Check("[1,2]", "[1,2,3]"));
            Assert.IsNotEmpty(Check("[1,2]", "[2,1]"));
            Assert.IsNotEmpty(Check("\"1\"", "1"));
            Assert.IsNotEmpty(Check("false", "true"));
        }

        [Test]
        public void TypeAndNumberMatchers()
        {
            Assert.IsEmpty(Check("{\"$type\":\"uuid\"}", "\"6f1c2c0e-8a44-4d7e-9a55-0d3b2f1e9c11\""));
            Assert.IsNotEmpty(Check("{\"$type\":\"uuid\"}", "\"6f1c2c0e\""));
            Assert.IsEmpty(Check("{\"$type\":\"timestamp\"}", "\"2026-12-01T14:00:00.000Z\""));
            Assert.IsNotEmpty(Check("{\"$type\":\"timestamp\"}", "\"yesterday\""));
            Assert.IsNotEmpty(Check("{\"$type\":\"nonempty_string\"}", "\"\""));
            Assert.IsNotEmpty(Check("{\"$type\":\"integer\"}", "1.5"));
            Assert.IsNotEmpty(Check("{\"$type\":\"string\"}", "null"));
            Assert.IsEmpty(Check("{\"$between\":[1,3]}", "3"));
            Assert.IsNotEmpty(Check("{\"$between\":[1,3]}", "0.5"));
            Assert.IsNotEmpty(Check("{\"$gte\":1000}", "999"));
            Assert.IsNotEmpty(Check("{\"$gte\":1000}", null));
        }

        [Test]
        public void AbsentAndArrayShapeMatchers()
        {
            Assert.IsEmpty(Check("{\"t\":{\"$absent\":true}}", "{\"t\":null}"));
            Assert.IsEmpty(Check("{\"t\":{\"$absent\":true}}", "{}"));
            Assert.IsNotEmpty(Check("{\"t\":{\"$absent\":true}}", "{\"t\":{}}"));
            Assert.IsEmpty(Check("{\"$length\":3,\"$first\":1,\"$last\":{\"k\":2}}", "[1,0,{\"k\":2}]"));
            Assert.IsNotEmpty(Check("{\"$length\":2}", "[1,0,3]"));
            Assert.IsNotEmpty(Check("{\"$last\":{\"k\":2}}", "[{\"k\":3}]"));
            Assert.IsNotEmpty(Check("{\"$first\":1}", "{}"));
        }

        [Test]
        public void SubstitutionKeepsTheTypeAndPathsIndexArrays()
        {
            var values = new Dictionary<string, JsonNode> { { "n", JsonNode.Parse("3000") }, { "o", JsonNode.Parse("{\"k\":[1]}") } };
            var resolved = JsonNode.Parse("{\"a\":\"${n}\",\"b\":[\"${o}\",\"x${n}\"]}").Substitute(name => values.ContainsKey(name) ? values[name] : null);
            Assert.AreEqual("{\"a\":3000,\"b\":[{\"k\":[1]},\"x${n}\"]}", resolved.ToString());
            Assert.AreEqual(1, resolved.At("b.0.k.0").Number);
            Assert.IsNull(resolved.At("b.5"));
            Assert.Throws<KeyNotFoundException>(() => JsonNode.Parse("\"${missing}\"").Substitute(name => null));
        }
    }
}
