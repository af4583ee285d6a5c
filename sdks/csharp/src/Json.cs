// JSON through DataContractJsonSerializer (ships with Mono, .NET and Unity): request bodies, responses, the error envelope.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;

namespace Rapport
{
    internal static class RapportJson
    {
        private static readonly Dictionary<Type, DataContractJsonSerializer> Serializers = new Dictionary<Type, DataContractJsonSerializer>();

        private static DataContractJsonSerializer For(Type type)
        {
            lock (Serializers)
            {
                DataContractJsonSerializer serializer;
                if (!Serializers.TryGetValue(type, out serializer))
                {
                    serializer = new DataContractJsonSerializer(type);
                    Serializers[type] = serializer;
                }
                return serializer;
            }
        }

        public static byte[] Serialize(object value)
        {
            using (var stream = new MemoryStream())
            {
                For(value.GetType()).WriteObject(stream, value);
                return stream.ToArray();
            }
        }

        public static T Deserialize<T>(byte[] body)
        {
            using (var stream = new MemoryStream(body))
            {
                return (T)For(typeof(T)).ReadObject(stream);
            }
        }

        public static T Deserialize<T>(string body)
        {
            return Deserialize<T>(Encoding.UTF8.GetBytes(body));
        }

        /// <summary>The message of an error envelope, or null when the body is not one.</summary>
        public static string ErrorMessage(byte[] body)
        {
            if (body == null || body.Length == 0) return null;
            try
            {
                var envelope = Deserialize<ErrorEnvelope>(body);
                return envelope == null || envelope.Error == null ? null : envelope.Error.Message;
            }
            catch (Exception)
            {
                return null;
            }
        }
    }

    [DataContract]
    internal sealed class ErrorEnvelope
    {
        [DataMember(Name = "error")] public ErrorBody Error { get; set; }
    }

    [DataContract]
    internal sealed class ErrorBody
    {
        [DataMember(Name = "message")] public string Message { get; set; }
    }

    [DataContract]
    internal sealed class TextDelta
    {
        [DataMember(Name = "text")] public string Text { get; set; }
    }

    [DataContract]
    internal sealed class InitSessionBody
    {
        [DataMember(Name = "user_session_id", Order = 1)] public string UserSessionId { get; set; }
        [DataMember(Name = "player_name", Order = 2)] public string PlayerName { get; set; }
        [DataMember(Name = "player_gender", Order = 3)] public string PlayerGender { get; set; }
    }

    [DataContract]
    internal sealed class MessageBody
    {
        [DataMember(Name = "message", Order = 1)] public string Message { get; set; }
        [DataMember(Name = "user_session_id", Order = 2)] public string UserSessionId { get; set; }
    }

    [DataContract]
    internal sealed class ValidateKeyBody
    {
        [DataMember(Name = "model", EmitDefaultValue = false)] public string Model { get; set; }
    }
}
