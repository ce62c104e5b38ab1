using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;
using TalkRig.Receiver.Internal;

namespace TalkRig.Receiver.Tests
{
    [TestFixture]
    public sealed class OscParserTests
    {
        // docs/wire-formats.md §1, independent vectors.
        const string BlendVal = "2f564d432f4578742f426c656e642f56616c00002c7366004a61774f70656e003f000000";
        const string Apply = "2f564d432f4578742f426c656e642f4170706c79000000002c000000";

        static List<OscMessage> ParseAll(byte[] data)
        {
            var messages = new List<OscMessage>();
            OscParser.Parse(data, 0, data.Length, messages.Add);
            return messages;
        }

        static byte[] Bundle(params byte[][] elements)
        {
            var bytes = new List<byte>(GoldenVectors.Hex("2362756e646c65000000000000000001"));
            foreach (var e in elements)
            {
                bytes.AddRange(new byte[] { 0, 0, (byte)(e.Length >> 8), (byte)e.Length });
                bytes.AddRange(e);
            }
            return bytes.ToArray();
        }

        [Test]
        public void ReadsTheProtocolVectors()
        {
            var val = ParseAll(GoldenVectors.Hex(BlendVal)).Single();
            Assert.AreEqual("/VMC/Ext/Blend/Val", val.Address);
            Assert.AreEqual("sf", val.Tags);
            Assert.AreEqual("JawOpen", val.GetString(0));
            Assert.AreEqual(0.5f, val.GetFloat(1));
            var apply = ParseAll(GoldenVectors.Hex(Apply)).Single();
            Assert.AreEqual("/VMC/Ext/Blend/Apply", apply.Address);
            Assert.AreEqual(0, apply.Count);
        }

        [Test]
        public void WalksNestedBundlesInOrder()
        {
            var inner = Bundle(GoldenVectors.Hex(BlendVal));
            var outer = Bundle(inner, GoldenVectors.Hex(Apply));
            var addresses = ParseAll(outer).Select(m => m.Address).ToArray();
            CollectionAssert.AreEqual(new[] { "/VMC/Ext/Blend/Val", "/VMC/Ext/Blend/Apply" }, addresses);
        }

        [Test]
        public void RejectsBadBundleElementSizes()
        {
            var bundle = Bundle(GoldenVectors.Hex(Apply));
            bundle[19] = 200;  // element size larger than what follows
            var e = Assert.Throws<TalkRigFormatException>(() => ParseAll(bundle));
            StringAssert.Contains("bundle element size 200", e.Message);
            bundle[19] = 27;   // not a multiple of 4
            Assert.Throws<TalkRigFormatException>(() => ParseAll(bundle));
        }

        [Test]
        public void WrongTypeAccessNamesTheArgument()
        {
            var val = ParseAll(GoldenVectors.Hex(BlendVal)).Single();
            var e = Assert.Throws<TalkRigFormatException>(() => val.GetInt(1));
            StringAssert.Contains("argument 1 is not of type 'i'", e.Message);
            Assert.Throws<TalkRigFormatException>(() => val.GetFloat(2));
        }

        [Test]
        public void RejectsNonNulPaddingAndMissingTags()
        {
            var val = GoldenVectors.Hex(BlendVal);
            val[19] = (byte)'x';  // a padding byte after the address
            StringAssert.Contains("padding", Assert.Throws<TalkRigFormatException>(() => ParseAll(val)).Message);
            var noTags = GoldenVectors.Hex("2f6100002f620000");
            StringAssert.Contains("no type-tag string", Assert.Throws<TalkRigFormatException>(() => ParseAll(noTags)).Message);
        }
    }
}
