using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace TalkRig.Receiver.Tests
{
    /// <summary>
    /// tests/fixtures/golden_datagrams.json, the byte vectors the Python encoder is pinned to.
    /// Found through the TALKRIG_GOLDEN environment variable (set by tests/unity), else by
    /// walking up from the working directory; a test is ignored when neither finds it (a
    /// package installed from git carries no fixture).
    /// </summary>
    public static class GoldenVectors
    {
        const string RelativePath = "tests/fixtures/golden_datagrams.json";

        public sealed class Vector
        {
            public string Name;
            public string Format;
            public string Kind;
            public Dictionary<string, object> Input;
            public List<byte[]> Datagrams;

            public string Text(string key) => (string)Input[key];
            public long Long(string key) => (long)(double)Input[key];
            public float[] Floats(string key) => ((List<object>)Input[key]).Select(v => (float)(double)v).ToArray();
            public string[] Strings(string key) => ((List<object>)Input[key]).Cast<string>().ToArray();
        }

        public static List<Vector> Load(string format)
        {
            var path = Find();
            var root = (Dictionary<string, object>)MiniJson.Parse(File.ReadAllText(path));
            Assert.AreEqual(1.0, root["format_version"], "golden fixture format_version");
            var vectors = ((List<object>)root["vectors"]).Cast<Dictionary<string, object>>()
                .Where(v => (string)v["format"] == format)
                .Select(v => new Vector
                {
                    Name = (string)v["name"],
                    Format = (string)v["format"],
                    Kind = (string)v["kind"],
                    Input = (Dictionary<string, object>)v["input"],
                    Datagrams = ((List<object>)v["datagrams"]).Select(h => Hex((string)h)).ToList(),
                }).ToList();
            Assert.IsNotEmpty(vectors, $"no '{format}' vectors in {path}");
            return vectors;
        }

        public static Vector Named(string name) =>
            Load(name.Split('-')[0]).Single(v => v.Name == name);

        static string Find()
        {
            var env = Environment.GetEnvironmentVariable("TALKRIG_GOLDEN");
            if (!string.IsNullOrEmpty(env))
            {
                Assert.IsTrue(File.Exists(env), $"TALKRIG_GOLDEN={env} does not exist");
                return env;
            }
            for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate)) return candidate;
            }
            Assert.Ignore($"{RelativePath} not found (set TALKRIG_GOLDEN to its path)");
            return null;
        }

        public static byte[] Hex(string hex)
        {
            var bytes = new byte[hex.Length / 2];
            for (var i = 0; i < bytes.Length; i++) bytes[i] = Convert.ToByte(hex.Substring(2 * i, 2), 16);
            return bytes;
        }
    }
}
