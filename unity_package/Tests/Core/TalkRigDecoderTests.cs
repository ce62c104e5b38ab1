using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace TalkRig.Receiver.Tests
{
    /// <summary>The decoder against the golden datagrams the Python encoder is pinned to.</summary>
    [TestFixture]
    public sealed class TalkRigDecoderTests
    {
        static (List<FaceFrame> frames, List<TalkRigHello> hellos) DecodeAll(IEnumerable<byte[]> datagrams)
        {
            var decoder = new TalkRigDecoder();
            var frames = new List<FaceFrame>();
            var hellos = new List<TalkRigHello>();
            decoder.FrameDecoded += frames.Add;
            decoder.HelloReceived += hellos.Add;
            foreach (var d in datagrams) decoder.Decode(d, 0, d.Length);
            return (frames, hellos);
        }

        [Test]
        public void HelloVectorsDecode()
        {
            foreach (var v in GoldenVectors.Load("unity").Where(v => v.Kind == "hello"))
            {
                var hellos = DecodeAll(v.Datagrams).hellos;
                Assert.AreEqual(1, hellos.Count, v.Name);
                Assert.AreEqual(TalkRigDecoder.ProtocolVersion, hellos[0].Version, v.Name);
                Assert.AreEqual(v.Text("avatar"), hellos[0].Avatar, v.Name);
                Assert.AreEqual(v.Text("representation"), hellos[0].Representation, v.Name);
                Assert.AreEqual(v.Long("count"), hellos[0].Count, v.Name);
                Assert.AreEqual(v.Long("dims"), hellos[0].Dims, v.Name);
                Assert.AreEqual(25, hellos[0].FramesPerSecond, v.Name);
            }
        }

        [Test]
        public void FrameVectorsDecodeExactly()
        {
            foreach (var v in GoldenVectors.Load("unity").Where(v => v.Kind == "frame"))
            {
                var frames = DecodeAll(v.Datagrams).frames;
                Assert.AreEqual(1, frames.Count, v.Name);
                AssertFrame(v, frames[0]);
            }
        }

        [Test]
        public void LandmarkChunksInAnyOrderMakeOneFrame()
        {
            var v = GoldenVectors.Named("unity-landmarks3d");
            Assert.Greater(v.Datagrams.Count, 1);
            var reversed = Enumerable.Reverse(v.Datagrams).ToList();
            var frames = DecodeAll(reversed.Concat(reversed)).frames;  // duplicates are ignored
            Assert.AreEqual(1, frames.Count);
            AssertFrame(v, frames[0]);
        }

        [Test]
        public void IncompleteLandmarkFrameIsNeverEmitted()
        {
            var v = GoldenVectors.Named("unity-landmarks3d");
            for (var missing = 0; missing < v.Datagrams.Count; missing++)
            {
                var partial = v.Datagrams.Where((_, i) => i != missing);
                Assert.AreEqual(0, DecodeAll(partial).frames.Count, $"chunk {missing} missing");
            }
        }

        [Test]
        public void VmcVectorsDecodeByName()
        {
            foreach (var v in GoldenVectors.Load("vmc").Where(v => v.Kind == "frame"))
            {
                var frames = DecodeAll(v.Datagrams).frames;
                Assert.AreEqual(1, frames.Count, v.Name);
                var names = v.Strings("avatar_value_names");
                if (names.Length == 0)
                {
                    CollectionAssert.AreEqual(v.Floats("blendshapes"), frames[0].Blendshapes, v.Name);
                    Assert.AreEqual(0, frames[0].ExtraValues.Count, v.Name);
                    continue;
                }
                var values = v.Floats("avatar_values");
                Assert.AreEqual(names.Length, frames[0].ExtraValues.Count, v.Name);
                for (var i = 0; i < names.Length; i++)
                    Assert.AreEqual(values[i], frames[0].ExtraValues[names[i]], $"{v.Name} {names[i]}");
            }
        }

        [Test]
        public void VmcLivenessIsIgnored()
        {
            var v = GoldenVectors.Named("vmc-liveness");
            var result = DecodeAll(v.Datagrams);
            Assert.AreEqual(0, result.frames.Count + result.hellos.Count);
        }

        [Test]
        public void NonOscPayloadsRaiseOneClearError()
        {
            foreach (var format in new[] { "livelink", "ifacialmocap" })
            foreach (var v in GoldenVectors.Load(format))
            {
                var e = Assert.Throws<TalkRigFormatException>(() => DecodeAll(v.Datagrams), v.Name);
                StringAssert.Contains("malformed OSC at byte 0", e.Message, v.Name);
            }
        }

        [Test]
        public void EveryTruncationRaisesTalkRigFormatException()
        {
            foreach (var name in new[] { "unity-blendshapes", "unity-hello-blendshapes", "unity-landmarks2d" })
            {
                var full = GoldenVectors.Named(name).Datagrams[0];
                for (var length = 0; length < full.Length; length++)
                {
                    var cut = full.Take(length).ToArray();
                    Assert.Throws<TalkRigFormatException>(() => new TalkRigDecoder().Decode(cut, 0, cut.Length),
                        $"{name} cut to {length} bytes");
                }
            }
        }

        [Test]
        public void RandomCorruptionNeverEscapesAsAnotherException()
        {
            var random = new Random(1234);
            var sources = GoldenVectors.Load("unity").Concat(GoldenVectors.Load("vmc"))
                .SelectMany(v => v.Datagrams).ToList();
            var decoder = new TalkRigDecoder();
            var rejected = 0;
            for (var trial = 0; trial < 3000; trial++)
            {
                var bytes = (byte[])sources[trial % sources.Count].Clone();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                try
                {
                    decoder.Decode(bytes, 0, bytes.Length);
                }
                catch (TalkRigFormatException)
                {
                    rejected++;
                }
            }
            Assert.Greater(rejected, 0, "corruption was never detected");
        }

        [Test]
        public void WrongArgumentsNameTheAddress()
        {
            var good = GoldenVectors.Named("unity-blendshapes").Datagrams[0];
            // Turn the last 'f' type tag into 'i': same length, wrong shape.
            var bad = (byte[])good.Clone();
            var tagEnd = Array.IndexOf(bad, (byte)0, 0x18);
            bad[tagEnd - 1] = (byte)'i';
            var e = Assert.Throws<TalkRigFormatException>(() => new TalkRigDecoder().Decode(bad, 0, bad.Length));
            StringAssert.Contains("/talkrig/blendshapes", e.Message);
            StringAssert.Contains("siiii + 52 f", e.Message);
        }

        [Test]
        public void UnknownAddressesAreIgnored()
        {
            var datagram = AvatarAnnouncement.Encode(39541, new[] { "default" });
            var result = DecodeAll(new[] { datagram });
            Assert.AreEqual(0, result.frames.Count + result.hellos.Count);
        }

        internal static void AssertFrame(GoldenVectors.Vector v, FaceFrame f)
        {
            Assert.AreEqual(v.Text("avatar"), f.Avatar, v.Name);
            Assert.AreEqual(v.Long("sequence"), f.Sequence, v.Name);
            Assert.AreEqual(v.Long("capture_time_us"), f.CaptureTimeUs, v.Name);
            Assert.AreEqual((bool)v.Input["voiced"], f.Voiced, v.Name);
            var representation = v.Text("representation");
            if (representation == "blendshapes")
            {
                Assert.AreEqual(Representation.Blendshapes, f.Representation, v.Name);
                CollectionAssert.AreEqual(v.Floats("blendshapes"), f.Blendshapes, v.Name);
                Assert.IsNull(f.Landmarks, v.Name);
                return;
            }
            Assert.AreEqual(representation == "landmarks2d" ? Representation.Landmarks2D : Representation.Landmarks3D,
                f.Representation, v.Name);
            Assert.AreEqual(v.Long("points"), f.Points, v.Name);
            Assert.AreEqual(v.Long("dims"), f.Dims, v.Name);
            CollectionAssert.AreEqual(v.Floats("landmarks"), f.Landmarks, v.Name);
        }
    }
}
