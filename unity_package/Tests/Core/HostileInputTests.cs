using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using NUnit.Framework;

namespace TalkRig.Receiver.Tests
{
    /// <summary>
    /// Datagrams an attacker (or a broken sender) could send: each must end as one
    /// <see cref="TalkRigFormatException"/> or be ignored, never as another exception, a hang,
    /// or a frame that is not finite.
    /// </summary>
    [TestFixture]
    public sealed class HostileInputTests
    {
        // CI runs 100,000 with one seed; a longer hunt: TALKRIG_FUZZ_DATAGRAMS=10000000 TALKRIG_FUZZ_SEED=7.
        static readonly int FuzzDatagrams = EnvironmentNumber("TALKRIG_FUZZ_DATAGRAMS", 100000);
        static readonly ulong FuzzSeed = (ulong)EnvironmentNumber("TALKRIG_FUZZ_SEED", 20261204);
        // 100,000 take 2-3 s under Mono on 2 shared cores; ten times that means a hang.
        static readonly int FuzzBudgetMs = 25000 * Math.Max(1, FuzzDatagrams / 100000);

        /// <summary>An OSC blob of 0x7FFFFFFC bytes: 4 + its padded size wrapped to negative.</summary>
        public static byte[] HugeBlob() =>
            DatagramFuzzer.Osc("/b", ",bs", DatagramFuzzer.Word(0x7FFFFFFC), DatagramFuzzer.Word(0));

        /// <summary>A bundle element of 0x7FFFFFFC bytes: position + size wrapped to negative.</summary>
        public static byte[] HugeBundleElement() =>
            DatagramFuzzer.Bundle(DatagramFuzzer.Osc("/a", ","))
                .Select((b, i) => i >= 16 && i < 20 ? DatagramFuzzer.Word(0x7FFFFFFC)[i - 16] : b).ToArray();

        /// <summary>A copy of <paramref name="message"/> with 32-bit argument <paramref name="index"/> set to <paramref name="word"/>.</summary>
        public static byte[] WithWord(byte[] message, int index, int word)
        {
            var copy = (byte[])message.Clone();
            Array.Copy(DatagramFuzzer.Word(word), 0, copy, ArgumentOffset(copy, index), 4);
            return copy;
        }

        /// <summary>The golden 2D landmark chunk with FirstPoint 0x7FFFFFFF: first point + count wrapped.</summary>
        public static byte[] HugeFirstPoint()
        {
            // Arguments: avatar, sequence, time hi, time lo, flags, points, dims, index, count, first point.
            return WithWord(GoldenVectors.Named("unity-landmarks2d").Datagrams[0], 9, 0x7FFFFFFF);
        }

        /// <summary>Byte offset of argument <paramref name="index"/> in a message of s, i and f arguments only.</summary>
        public static int ArgumentOffset(byte[] message, int index)
        {
            var pos = Padded(Array.IndexOf(message, (byte)0) + 1);
            var tagsEnd = Array.IndexOf(message, (byte)0, pos);
            var tags = System.Text.Encoding.ASCII.GetString(message, pos + 1, tagsEnd - pos - 1);
            pos = Padded(tagsEnd + 1);
            for (var i = 0; i < index; i++)
                pos = tags[i] == 's' ? Padded(Array.IndexOf(message, (byte)0, pos) + 1) : pos + 4;
            return pos;
        }

        static int Padded(int size) => (size + 3) & ~3;

        const int NaNBits = 0x7FC00000;
        const int PositiveInfinityBits = 0x7F800000;
        const int NegativeInfinityBits = unchecked((int)0xFF800000);

        static TalkRigFormatException Rejects(byte[] datagram) =>
            Assert.Throws<TalkRigFormatException>(() => new TalkRigDecoder().Decode(datagram, 0, datagram.Length));

        [Test]
        public void BlobSizeNearIntMaxIsAFormatError()
        {
            StringAssert.Contains("blob", Rejects(HugeBlob()).Message);
        }

        [Test]
        public void BundleElementSizeNearIntMaxIsAFormatError()
        {
            StringAssert.Contains("bundle element size 2147483644", Rejects(HugeBundleElement()).Message);
        }

        [Test]
        public void LandmarkFirstPointIntMaxIsAFormatError()
        {
            StringAssert.Contains("fall outside", Rejects(HugeFirstPoint()).Message);
        }

        [Test]
        public void FramesWithANonFiniteValueAreDroppedAndCounted()
        {
            var blend = GoldenVectors.Named("unity-blendshapes").Datagrams[0];
            var chunks = GoldenVectors.Named("unity-landmarks2d").Datagrams;
            var decoder = new TalkRigDecoder();
            var frames = new List<FaceFrame>();
            decoder.FrameDecoded += frames.Add;
            var bad = new[]
            {
                WithWord(blend, 5, NaNBits), WithWord(blend, 56, PositiveInfinityBits),
                WithWord(chunks[0], 10, NegativeInfinityBits),
            };
            foreach (var d in bad) decoder.Decode(d, 0, d.Length);
            Assert.AreEqual(0, frames.Count, "a frame with a non-finite value got through");
            Assert.AreEqual(3, decoder.NonFiniteCount);
            decoder.Decode(blend, 0, blend.Length);
            Assert.AreEqual(1, frames.Count, "the good frame after them");
        }

        [Test]
        public void VmcNonFiniteValueIsDroppedAndTheLastValueKept()
        {
            var decoder = new TalkRigDecoder();
            var frames = new List<FaceFrame>();
            decoder.FrameDecoded += frames.Add;
            var apply = DatagramFuzzer.Osc("/VMC/Ext/Blend/Apply", ",");
            foreach (var value in new[] { 0x3F000000, NaNBits, PositiveInfinityBits })
            {
                var val = DatagramFuzzer.Osc("/VMC/Ext/Blend/Val", ",sf", System.Text.Encoding.ASCII.GetBytes("JawOpen\0"),
                    DatagramFuzzer.Word(value));
                var extra = DatagramFuzzer.Osc("/VMC/Ext/Blend/Val", ",sf", System.Text.Encoding.ASCII.GetBytes("A\0\0\0"),
                    DatagramFuzzer.Word(value));
                var bundle = DatagramFuzzer.Bundle(val, extra, apply);
                decoder.Decode(bundle, 0, bundle.Length);
            }
            Assert.AreEqual(3, frames.Count);
            foreach (var f in frames)
            {
                Assert.AreEqual(0.5f, f.Blendshapes[ArkitNames.IndexOfSpelling("jawOpen")]);
                Assert.AreEqual(0.5f, f.ExtraValues["A"]);
            }
            Assert.AreEqual(4, decoder.NonFiniteCount);
        }

        [Test]
        public void AFloodOfAvatarIdsAndNamesKeepsMemoryBounded()
        {
            const int flood = 20000;
            var gate = new SequenceGate();
            var inbox = new FrameInbox();
            var decoder = new TalkRigDecoder();
            var assembler = decoder.Assembler;
            var vmc = new VmcAccumulator();
            for (var i = 0; i < flood; i++)
            {
                var avatar = "avatar-" + i;
                gate.Accept(avatar, 1);
                inbox.Post(new FaceFrame(avatar, 1, 0, true, Representation.Blendshapes, new float[52], null, 0, 0));
                assembler.Add(new LandmarkChunk
                {
                    Avatar = avatar, Sequence = 1, Points = 100, Dims = 3,
                    ChunkIndex = 0, ChunkCount = 2, FirstPoint = 0, Coordinates = new float[3],
                });
                vmc.Value("shape-" + i, 0.5f);
            }
            Assert.LessOrEqual(gate.AvatarCount, SequenceGate.MaxAvatars);
            Assert.LessOrEqual(inbox.AvatarCount, FrameInbox.MaxAvatars);
            Assert.LessOrEqual(assembler.PendingFrameCount, LandmarkAssembler.MaxPendingFrames);
            Assert.LessOrEqual(vmc.Apply().ExtraValues.Count, VmcAccumulator.MaxExtraValues);
            Assert.AreEqual(flood - assembler.PendingFrameCount, assembler.DroppedPartialFrames);

            // The flood locks no newcomer out.
            Assert.IsTrue(gate.Accept("late", 1));
            inbox.Post(new FaceFrame("late", 1, 0, true, Representation.Blendshapes, new float[52], null, 0, 0));
            Assert.IsTrue(inbox.TryTake("late", out _));
            vmc.Value("Blink", 0.25f);
            Assert.AreEqual(0.25f, vmc.Apply().ExtraValues["Blink"]);
            var frames = new List<FaceFrame>();
            decoder.FrameDecoded += frames.Add;
            foreach (var c in GoldenVectors.Named("unity-landmarks3d").Datagrams) decoder.Decode(c, 0, c.Length);
            Assert.AreEqual(1, frames.Count, "a landmark frame still completes");
        }

        [Test]
        public void VmcFramesWithoutAnAvatarIdStillHaveOne()
        {
            Assert.AreEqual("default", new VmcAccumulator(null).Apply().Avatar, "a null id would throw in the gates");
        }

        [Test]
        public void EveryHostileWordInEveryPositionOfEveryGoldenDatagram()
        {
            var escapes = new List<string>();
            foreach (var seed in Seeds())
            foreach (var word in DatagramFuzzer.HostileWords)
            for (var at = 0; at + 4 <= seed.Length; at += 4)
            {
                var d = (byte[])seed.Clone();
                Array.Copy(DatagramFuzzer.Word(word), 0, d, at, 4);
                Check(new TalkRigDecoder(), d, escapes, $"word {word:x8} at byte {at}");
            }
            Assert.IsEmpty(escapes, string.Join("\n", escapes.Take(10)));
        }

        [Test]
        public void DeeplyNestedBundlesAreAFormatErrorNotAStackOverflow()
        {
            var d = DatagramFuzzer.Osc("/VMC/Ext/Blend/Apply", ",");
            for (var i = 0; i < 3000; i++) d = DatagramFuzzer.Bundle(d);
            StringAssert.Contains("nested", Rejects(d).Message);
        }

        [Test]
        public void FuzzedDatagramsRaiseOnlyTheFormatExceptionAndNeverHang()
        {
            var escapes = new List<string>();
            var rejected = 0;
            var frames = 0;
            var current = -1;
            var clock = Stopwatch.StartNew();
            var worker = new Thread(() =>
            {
                try
                {
                    var fuzzer = new DatagramFuzzer(Seeds(), FuzzSeed);
                    // One decoder for the whole run, as on the receive thread: its assembler and
                    // VMC state see every earlier datagram.
                    var decoder = new TalkRigDecoder();
                    decoder.FrameDecoded += f => { frames++; CheckFrame(f, escapes, current); };
                    for (current = 0; current < FuzzDatagrams; current++)
                        if (!Check(decoder, fuzzer.Next(), escapes, $"datagram {current}")) rejected++;
                }
                catch (Exception e)
                {
                    // An exception on this thread would end the test process, not fail the test.
                    escapes.Add($"the fuzz loop itself at datagram {current}: {e}");
                }
            }) { IsBackground = true, Name = "fuzz" };
            worker.Start();
            Assert.IsTrue(worker.Join(FuzzBudgetMs), $"fuzz hung at datagram {current} after {FuzzBudgetMs} ms");
            Console.WriteLine($"fuzz: {FuzzDatagrams} datagrams in {clock.ElapsedMilliseconds} ms, " +
                              $"{rejected} rejected, {frames} frames");
            Assert.IsEmpty(escapes, $"{escapes.Count} escapes:\n" + string.Join("\n", escapes.Take(10)));
            Assert.Greater(rejected, FuzzDatagrams / 2, "mutations too mild to test anything");
            Assert.Greater(frames, 100, "mutations too harsh: nothing got through to the frame checks");
        }

        static int EnvironmentNumber(string name, int fallback) =>
            int.TryParse(Environment.GetEnvironmentVariable(name), out var n) && n > 0 ? n : fallback;

        static IEnumerable<byte[]> Seeds() =>
            new[] { "unity", "vmc", "livelink", "ifacialmocap" }
                .SelectMany(GoldenVectors.Load).SelectMany(v => v.Datagrams)
                .Concat(DatagramFuzzer.SyntheticSeeds()).ToList();

        // True when decoded; false when rejected with the format exception; anything else is an escape.
        static bool Check(TalkRigDecoder decoder, byte[] d, List<string> escapes, string what)
        {
            try
            {
                decoder.Decode(d, 0, d.Length);
                return true;
            }
            catch (TalkRigFormatException)
            {
                return false;
            }
            catch (Exception e)
            {
                escapes.Add($"{what}: {e.GetType().Name}: {e.Message}\n  {Hex(d)}");
                return false;
            }
        }

        // The first 96 bytes: enough to see the header that went wrong.
        static string Hex(byte[] d) =>
            BitConverter.ToString(d, 0, Math.Min(d.Length, 96)).Replace("-", "") + (d.Length > 96 ? $"… ({d.Length} bytes)" : "");

        static void CheckFrame(FaceFrame f, List<string> escapes, int index)
        {
            var values = f.Blendshapes ?? f.Landmarks;
            string problem = null;
            if (values == null) problem = "no values";
            else if (f.Blendshapes != null && values.Length != ArkitNames.Count) problem = $"{values.Length} blendshapes";
            else if (f.Landmarks != null && values.Length != f.Points * f.Dims) problem = "landmark count";
            else if (values.Any(v => float.IsNaN(v) || float.IsInfinity(v))) problem = "a non-finite value";
            else if (f.ExtraValues.Values.Any(v => float.IsNaN(v) || float.IsInfinity(v))) problem = "a non-finite extra value";
            if (problem != null) escapes.Add($"datagram {index}: frame with {problem}");
        }
    }
}
