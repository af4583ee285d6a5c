// The README's first example, compiled by build.sh as written (bin/ReadmeExample.exe), runs against a local fake server.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace Rapport.Tests
{
    [TestFixture, Timeout(60000)]
    public class ReadmeTests
    {
        /// <summary>Runs bin/ReadmeExample.exe with these environment variables; returns (exit code, stdout + stderr).</summary>
        internal static Tuple<int, string> RunExample(IDictionary<string, string> environment)
        {
            var exe = Path.Combine(Path.GetDirectoryName(typeof(ReadmeTests).Assembly.Location), "ReadmeExample.exe");
            var start = new ProcessStartInfo("mono", "\"" + exe + "\"")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var pair in environment) start.EnvironmentVariables[pair.Key] = pair.Value;
            using (var process = Process.Start(start))
            {
                var stderr = process.StandardError.ReadToEndAsync();
                var stdout = process.StandardOutput.ReadToEnd();
                if (!process.WaitForExit(50000))
                {
                    process.Kill();
                    Assert.Fail("the README example did not finish");
                }
                return Tuple.Create(process.ExitCode, stdout + stderr.Result);
            }
        }

        [Test]
        public void TheFirstExampleInitsSendsAndStreams()
        {
            using (var server = new FakeServer())
            {
                server.Then(FakeServer.Json(200, "{\"session_id\":\"s1\",\"user_session_id\":\"player-1\",\"persona_name\":\"Max\",\"persona_description\":\"d\"," +
                        "\"player_name\":\"Sam\",\"player_gender\":\"female\",\"message\":\"Name on the list?\",\"machine_id\":\"m1\"}"))
                    .Then(FakeServer.Json(200, Support.ChatResponseJson))
                    .Then(FakeServer.Sse("event: metadata\ndata: " + Support.MetadataJson + "\n\n", "event: text_delta\ndata: {\"text\":\"Enjoy \"}\n\n",
                        "event: text_delta\ndata: {\"text\":\"the set.\"}\n\n", "event: done\ndata: " + Support.DoneJson("Enjoy the set.") + "\n\n"));
                var result = RunExample(new Dictionary<string, string>
                {
                    { "RAPPORT_BASE_URL", server.BaseUrl },
                    { "RAPPORT_API_KEY", Support.ApiKey },
                    { "PERSONA_ID", Support.PersonaId },
                    { "LLM_API_KEY", Support.LlmKey },
                    { "LLM_MODEL", "gpt-4o-mini" },
                });
                Assert.AreEqual(0, result.Item1, result.Item2);
                Assert.AreEqual(new[] { "Name on the list?", "Welcome in.", "Enjoy the set." }, result.Item2.Trim().Split('\n'));
                var sent = server.Requests;
                var chat = "/api/v1/sdk/chat/" + Support.PersonaId;
                Assert.AreEqual(new[] { chat + "/init-session", chat + "/message", chat + "/message/stream" }, sent.Select(r => r.PathAndQuery).ToArray());
                Assert.IsTrue(sent.All(r => r.Header("X-API-Key") == Support.ApiKey && r.Header("X-LLM-Model") == "gpt-4o-mini"));
            }
        }
    }
}
