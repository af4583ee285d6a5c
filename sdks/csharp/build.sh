#!/usr/bin/env bash
# Builds the C# SDK (bin/Rapport.dll) with Mono's mcs and, with `test`, builds and runs its NUnit suite (unit tests,
# README example, conformance replay against a live Rapport). Usage: bash sdks/csharp/build.sh [build|test]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$here/bin
mode=${1:-build}
mkdir -p "$out"
nunit=$(ls /usr/lib/cli/nunit.framework-2.*/nunit.framework.dll 2>/dev/null | head -1 || true)
mcs_flags=(-langversion:7.2 -warnaserror+ -debug -nologo)

mcs "${mcs_flags[@]}" -target:library -doc:"$out/Rapport.xml" -nowarn:1591 \
  -r:System.Net.Http.dll -r:System.Runtime.Serialization.dll -out:"$out/Rapport.dll" -recurse:"$here/src/*.cs"
echo "built $out/Rapport.dll"

# the Unity transport compiles only inside Unity; check it against a stub of the UnityEngine API it uses
mcs "${mcs_flags[@]}" -target:library -nowarn:1591 -define:UNITY_5_3_OR_NEWER -r:System.Net.Http.dll -r:System.Runtime.Serialization.dll \
  -out:"$out/Rapport.UnityCheck.dll" -recurse:"$here/src/*.cs" "$here/unity-check/UnityEngineStub.cs"
echo "checked the UnityWebRequest transport against the UnityEngine stub"

[ "$mode" = test ] || exit 0
[ -n "$nunit" ] || { echo "nunit.framework 2.x not found (Debian package nunit-console)" >&2; exit 1; }
# the README's first example, compiled as written
awk '/^```csharp/{inside=1; next} /^```/{if (inside) exit} inside' "$here/README.md" > "$out/ReadmeExample.cs"
mcs "${mcs_flags[@]}" -target:exe -r:"$out/Rapport.dll" -out:"$out/ReadmeExample.exe" "$out/ReadmeExample.cs"
cp "$nunit" "$out/"
mcs "${mcs_flags[@]}" -target:library -r:"$out/Rapport.dll" -r:"$nunit" -r:System.Net.Http.dll -r:System.Runtime.Serialization.dll \
  -r:System.Xml.dll -r:System.Xml.Linq.dll -r:System.Core.dll -out:"$out/Rapport.Tests.dll" -recurse:"$here/tests/*.cs"
cd "$out"
RAPPORT_REPO_ROOT=$root nunit-console -nologo -noshadow -xml="$out/TestResult.xml" "$out/Rapport.Tests.dll"
