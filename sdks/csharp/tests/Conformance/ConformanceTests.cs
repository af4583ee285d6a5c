// Replays sdks/conformance/scenario.json step by step against the live environment of the shared launcher, and runs
// the README's first example against the same server.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Rapport.Tests.Conformance
{
    [TestFixture, Timeout(240000)]
    public class ConformanceTests
    {
        private Launcher launcher;

        [TestFixtureSetUp]
        public void Start()
        {
            launcher = Launcher.Start();
        }

        [TestFixtureTearDown]
        public void Stop()
        {
            if (launcher != null) launcher.Dispose();
        }

        [Test]
        public async Task TheScenarioPassesStepByStep()
        {
            var scenario = JsonNode.Parse(File.ReadAllText(Path.Combine(Launcher.RepoRoot(), "sdks", "conformance", "scenario.json")));
            Assert.AreEqual(1, (int)scenario["version"].Number, "scenario version");
            var variables = new Dictionary<string, JsonNode>();
            foreach (var key in launcher.Ready.Keys) variables[key] = launcher.Ready[key];
            var runner = new StepRunner(variables, scenario["default_client"]);
            var report = new List<string>();
            var steps = scenario["steps"].Items;
            foreach (var step in steps)
            {
                var failures = await runner.RunAsync(step);
                Console.WriteLine((failures.Count == 0 ? "ok   " : "FAIL ") + step.Str("id"));
                foreach (var failure in failures) report.Add(step.Str("id") + ": " + failure);
            }
            Assert.Greater(steps.Count, 20);
            Assert.IsEmpty(report, string.Join("\n", report));
        }

        [Test]
        public void TheReadmeExampleChatsWithTheLivePersona()
        {
            var ready = launcher.Ready;
            var result = ReadmeTests.RunExample(new Dictionary<string, string>
            {
                { "RAPPORT_BASE_URL", ready.Str("base_url") },
                { "RAPPORT_API_KEY", ready.Str("api_key") },
                { "PERSONA_ID", ready.Str("persona_id") },
                { "LLM_API_KEY", ready.Str("llm_api_key") },
                { "LLM_MODEL", ready.Str("llm_model") },
            });
            Assert.AreEqual(0, result.Item1, result.Item2);
            var reply = "Vex looks you over. Keep talking, friend.";
            Assert.AreEqual(new[] { "Evening. Name, and what brings you to my door?", reply, reply }, result.Item2.Trim().Split('\n'));
        }
    }
}
