// Starts the shared conformance launcher (`npx tsx sdks/conformance/server.ts` from the repo root): a live Rapport with
// fixtures; its first stdout line is JSON with the addresses and keys. Closing its stdin stops it.
using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace Rapport.Tests.Conformance
{
    internal sealed class Launcher : IDisposable
    {
        private readonly Process process;
        private readonly StringBuilder log = new StringBuilder();

        private Launcher(Process process, JsonNode ready)
        {
            this.process = process;
            Ready = ready;
        }

        /// <summary>The launcher's ready line.</summary>
        public JsonNode Ready { get; private set; }

        public static string RepoRoot()
        {
            var root = Environment.GetEnvironmentVariable("RAPPORT_REPO_ROOT");
            if (!string.IsNullOrEmpty(root)) return root;
            var dir = new DirectoryInfo(Path.GetDirectoryName(typeof(Launcher).Assembly.Location));
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "sdks", "conformance", "scenario.json"))) dir = dir.Parent;
            if (dir == null) throw new InvalidOperationException("repository root not found (set RAPPORT_REPO_ROOT)");
            return dir.FullName;
        }

        public static Launcher Start()
        {
            var start = new ProcessStartInfo("npx", "tsx sdks/conformance/server.ts")
            {
                WorkingDirectory = RepoRoot(),
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = Process.Start(start);
            var stderr = new StringBuilder();
            Task.Run(() =>
            {
                string line;
                while ((line = process.StandardError.ReadLine()) != null) lock (stderr) stderr.AppendLine(line);
            });
            var first = Task.Run(() => process.StandardOutput.ReadLine());
            if (!first.Wait(TimeSpan.FromSeconds(90)) || first.Result == null)
            {
                try { process.Kill(); } catch (InvalidOperationException) { }
                lock (stderr) throw new InvalidOperationException("the conformance launcher did not get ready:\n" + stderr);
            }
            var launcher = new Launcher(process, JsonNode.Parse(first.Result));
            Task.Run(() =>
            {
                string line;
                while ((line = process.StandardOutput.ReadLine()) != null) lock (launcher.log) launcher.log.AppendLine(line);
            });
            return launcher;
        }

        public void Dispose()
        {
            try
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(15000)) process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
    }
}
