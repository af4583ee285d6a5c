// Read-only view of any JSON document (the conformance scenario, the launcher's line) through the platform's own
// JSON reader: JsonReaderWriterFactory maps JSON to an XML tree with type attributes, which this wraps.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.Serialization.Json;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Rapport.Tests.Conformance
{
    internal sealed class JsonNode
    {
        private readonly XElement element;

        private JsonNode(XElement element)
        {
            this.element = element;
        }

        public static JsonNode Parse(string json)
        {
            using (var reader = JsonReaderWriterFactory.CreateJsonReader(Encoding.UTF8.GetBytes(json), XmlDictionaryReaderQuotas.Max))
            {
                return new JsonNode(XElement.Load(reader));
            }
        }

        /// <summary>The wire JSON of a value, as the SDK's own serializer writes it (models keep their snake_case names).</summary>
        public static JsonNode Of(object value)
        {
            return Parse(Encoding.UTF8.GetString(RapportJson.Serialize(value)));
        }

        /// <summary>A copy in which every string that is exactly "${name}" is replaced by lookup(name), JSON type included.</summary>
        public JsonNode Substitute(Func<string, JsonNode> lookup)
        {
            var copy = new XElement(element);
            foreach (var e in copy.DescendantsAndSelf().ToList())
            {
                var type = (string)e.Attribute("type") ?? "string";
                var text = e.Value;
                if (type != "string" || !text.StartsWith("${", StringComparison.Ordinal) || !text.EndsWith("}", StringComparison.Ordinal)) continue;
                var name = text.Substring(2, text.Length - 3);
                var value = lookup(name);
                if (value == null) throw new KeyNotFoundException("no value for ${" + name + "}");
                e.RemoveNodes();
                e.SetAttributeValue("type", value.Kind);
                e.Add(value.element.Nodes());
            }
            return new JsonNode(copy);
        }

        /// <summary>The node at a dot path ("unlocked_machines.0.machine_id"), or null.</summary>
        public JsonNode At(string path)
        {
            var node = this;
            foreach (var part in path.Split('.'))
            {
                int index;
                if (node == null) return null;
                if (node.Kind == "array" && int.TryParse(part, out index)) node = index < node.Items.Count ? node.Items[index] : null;
                else node = node[part];
            }
            return node;
        }

        /// <summary>object, array, string, number, boolean or null.</summary>
        public string Kind
        {
            get
            {
                var type = element.Attribute("type");
                return type == null ? "string" : type.Value;
            }
        }

        public bool IsNull
        {
            get { return Kind == "null"; }
        }

        public bool Has(string name)
        {
            return Member(name) != null;
        }

        /// <summary>An object's member, or null when it has none of that name.</summary>
        public JsonNode this[string name]
        {
            get { return Member(name); }
        }

        public IEnumerable<string> Keys
        {
            get { return Kind == "object" ? element.Elements().Select(NameOf) : Enumerable.Empty<string>(); }
        }

        public IReadOnlyList<JsonNode> Items
        {
            get { return Kind == "array" ? element.Elements().Select(e => new JsonNode(e)).ToList() : new List<JsonNode>(); }
        }

        public string String
        {
            get { return IsNull ? null : element.Value; }
        }

        public double Number
        {
            get { return double.Parse(element.Value, CultureInfo.InvariantCulture); }
        }

        public bool Bool
        {
            get { return element.Value == "true"; }
        }

        /// <summary>A member's string, or the fallback when absent or null.</summary>
        public string Str(string name, string fallback = null)
        {
            var member = Member(name);
            return member == null || member.IsNull ? fallback : member.String;
        }

        private JsonNode Member(string name)
        {
            if (Kind != "object") return null;
            var found = element.Elements().FirstOrDefault(e => NameOf(e) == name);
            return found == null ? null : new JsonNode(found);
        }

        private static string NameOf(XElement child)
        {
            var item = child.Attribute("item");
            return item != null ? item.Value : XmlConvert.DecodeName(child.Name.LocalName);
        }

        /// <summary>The node as compact JSON (names that are not XML names, such as "$type", round-trip through XML escapes).</summary>
        public override string ToString()
        {
            using (var stream = new MemoryStream())
            {
                using (var writer = JsonReaderWriterFactory.CreateJsonWriter(stream, Encoding.UTF8, false))
                {
                    var root = new XElement("root", element.Attributes(), element.Nodes());
                    foreach (var e in root.DescendantsAndSelf())
                    {
                        if ((string)e.Attribute("type") == "null") e.RemoveNodes();
                        var item = e.Attribute("item");
                        if (e != root) e.Name = item != null ? XmlConvert.EncodeLocalName(item.Value) : e.Name.LocalName;
                        e.Attributes().Where(a => a.IsNamespaceDeclaration || a.Name.LocalName == "item").Remove();
                    }
                    root.WriteTo(writer);
                }
                return XmlConvert.DecodeName(Encoding.UTF8.GetString(stream.ToArray()));
            }
        }
    }
}
