// Server-sent-events line framing (event:/data: fields, blank line ends an event, ':' comments such as pings skipped).
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace Rapport
{
    /// <summary>One raw server-sent event: its name and its data lines joined by '\n'.</summary>
    internal sealed class SseEvent
    {
        public SseEvent(string name, string data)
        {
            Name = name;
            Data = data;
        }

        public string Name { get; private set; }
        public string Data { get; private set; }
    }

    /// <summary>Reads events one at a time as their bytes arrive; ReadAsync returns null at the end of the stream
    /// (an event not closed by its blank line is dropped, as the SSE rules say).</summary>
    internal sealed class SseReader
    {
        private readonly TextReader reader;

        public SseReader(Stream stream)
        {
            reader = new StreamReader(stream, new UTF8Encoding(false), false, 4096);
        }

        public async Task<SseEvent> ReadAsync()
        {
            string name = null;
            StringBuilder data = null;
            while (true)
            {
                var line = await reader.ReadLineAsync().ConfigureAwait(false);
                if (line == null) return null;
                if (line.Length == 0)
                {
                    if (data != null) return new SseEvent(name ?? "message", data.ToString());
                    name = null;
                    continue;
                }
                if (line[0] == ':') continue;
                var colon = line.IndexOf(':');
                var field = colon < 0 ? line : line.Substring(0, colon);
                var value = colon < 0 ? string.Empty : line.Substring(colon + 1);
                if (value.Length > 0 && value[0] == ' ') value = value.Substring(1);
                if (field == "event") name = value;
                else if (field == "data")
                {
                    if (data == null) data = new StringBuilder();
                    else data.Append('\n');
                    data.Append(value);
                }
            }
        }
    }
}
