// The scenario's matchers (sdks/conformance/README.md): scalars by equality, objects by subset, arrays by position,
// and $type, $absent, $gte, $between, $length/$first/$last.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace Rapport.Tests.Conformance
{
    internal static class Matcher
    {
        private static readonly Regex Uuid = new Regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

        /// <summary>Adds one line per mismatch to failures; actual null means the field is missing.</summary>
        public static void Match(JsonNode expected, JsonNode actual, string path, List<string> failures)
        {
            if (expected.Kind == "object" && expected.Keys.Any(k => k.StartsWith("$", StringComparison.Ordinal)))
            {
                Special(expected, actual, path, failures);
                return;
            }
            if (actual == null)
            {
                failures.Add(path + ": missing, expected " + expected);
                return;
            }
            if (expected.Kind != actual.Kind)
            {
                failures.Add(path + ": expected " + expected + ", got " + actual);
                return;
            }
            switch (expected.Kind)
            {
                case "object":
                    foreach (var key in expected.Keys) Match(expected[key], actual[key], path + "." + key, failures);
                    break;
                case "array":
                    if (expected.Items.Count != actual.Items.Count)
                    {
                        failures.Add(path + ": expected " + expected.Items.Count + " elements, got " + actual.Items.Count + ": " + actual);
                        break;
                    }
                    for (var i = 0; i < expected.Items.Count; i++) Match(expected.Items[i], actual.Items[i], path + "." + i, failures);
                    break;
                case "number":
                    if (expected.Number != actual.Number) failures.Add(path + ": expected " + expected + ", got " + actual);
                    break;
                default:
                    if (expected.String != actual.String) failures.Add(path + ": expected " + expected + ", got " + actual);
                    break;
            }
        }

        private static void Special(JsonNode expected, JsonNode actual, string path, List<string> failures)
        {
            var absent = expected["$absent"];
            if (absent != null)
            {
                if (absent.Bool && actual != null && !actual.IsNull) failures.Add(path + ": expected absent, got " + actual);
                return;
            }
            if (actual == null)
            {
                failures.Add(path + ": missing, expected " + expected);
                return;
            }
            var type = expected.Str("$type");
            if (type != null && !HasType(actual, type)) failures.Add(path + ": expected a " + type + ", got " + actual);
            var gte = expected["$gte"];
            if (gte != null && (actual.Kind != "number" || actual.Number < gte.Number)) failures.Add(path + ": expected ≥ " + gte + ", got " + actual);
            var between = expected["$between"];
            if (between != null && (actual.Kind != "number" || actual.Number < between.Items[0].Number || actual.Number > between.Items[1].Number))
                failures.Add(path + ": expected within " + between + ", got " + actual);
            if (expected.Has("$length") || expected.Has("$first") || expected.Has("$last"))
            {
                if (actual.Kind != "array")
                {
                    failures.Add(path + ": expected an array, got " + actual);
                    return;
                }
                var items = actual.Items;
                if (expected.Has("$length") && items.Count != (int)expected["$length"].Number)
                    failures.Add(path + ": expected " + expected["$length"] + " elements, got " + items.Count);
                if (items.Count == 0) return;
                if (expected.Has("$first")) Match(expected["$first"], items[0], path + ".$first", failures);
                if (expected.Has("$last")) Match(expected["$last"], items[items.Count - 1], path + ".$last", failures);
            }
        }

        private static bool HasType(JsonNode actual, string type)
        {
            switch (type)
            {
                case "string": return actual.Kind == "string";
                case "nonempty_string": return actual.Kind == "string" && actual.String.Length > 0;
                case "integer": return actual.Kind == "number" && Math.Floor(actual.Number) == actual.Number;
                case "boolean": return actual.Kind == "boolean";
                case "uuid": return actual.Kind == "string" && Uuid.IsMatch(actual.String);
                case "timestamp":
                    DateTimeOffset parsed;
                    return actual.Kind == "string" && DateTimeOffset.TryParse(actual.String, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out parsed);
                default: throw new ArgumentException("unknown $type " + type);
            }
        }
    }
}
