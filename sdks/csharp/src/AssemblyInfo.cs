// Assembly identity; the unit tests may reach internal helpers (SSE reader, retry arithmetic).
using System.Reflection;
using System.Runtime.CompilerServices;

[assembly: AssemblyTitle("Rapport")]
[assembly: AssemblyDescription("Client SDK for Rapport's SDK API (.NET Standard 2.0, Unity 2021.3+)")]
[assembly: AssemblyVersion("0.1.0.0")]
[assembly: InternalsVisibleTo("Rapport.Tests")]
