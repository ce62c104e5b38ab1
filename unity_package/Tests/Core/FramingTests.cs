using System.Linq;
using NUnit.Framework;

namespace TalkRig.Receiver.Tests
{
    /// <summary>Sequence ordering, landmark reassembly and the main-thread inbox.</summary>
    [TestFixture]
    public sealed class FramingTests
    {
        static LandmarkChunk Chunk(int sequence, int index, int count = 2, int points = 4, float value = 1f)
        {
            var perChunk = points / count;
            return new LandmarkChunk
            {
                Avatar = "a", Sequence = sequence, CaptureTimeUs = 99, Voiced = true,
                Points = points, Dims = 2, ChunkIndex = index, ChunkCount = count,
                FirstPoint = index * perChunk,
                Coordinates = Enumerable.Repeat(value + sequence, perChunk * 2).ToArray(),
            };
        }

        static FaceFrame Frame(string avatar, int sequence) =>
            new FaceFrame(avatar, sequence, 0, true, Representation.Blendshapes, new float[52], null, 0, 0);

        [Test]
        public void GateDropsStaleAndDuplicateFrames()
        {
            var gate = new SequenceGate();
            Assert.IsTrue(gate.Accept("a", 5));
            Assert.IsFalse(gate.Accept("a", 5));
            Assert.IsFalse(gate.Accept("a", 4));
            Assert.IsTrue(gate.Accept("b", 1), "avatars are independent");
            Assert.IsTrue(gate.Accept("a", 7));
        }

        [Test]
        public void GateSurvivesTheWrapAndARestart()
        {
            var gate = new SequenceGate();
            Assert.IsTrue(gate.Accept("a", int.MaxValue));
            Assert.IsTrue(gate.Accept("a", int.MinValue), "2^31 wrap is newer");
            Assert.IsFalse(gate.Accept("a", int.MaxValue));
            var restarted = new SequenceGate();
            Assert.IsTrue(restarted.Accept("a", 1000));
            Assert.IsFalse(restarted.Accept("a", 1000 - SequenceGate.DefaultRestartGap), "reordering, not a restart");
            Assert.IsTrue(restarted.Accept("a", 0), "a sender that restarted counts from 0");
            Assert.IsTrue(restarted.Accept("a", 1));
        }

        [Test]
        public void AssemblerNeverMixesSequences()
        {
            var assembler = new LandmarkAssembler();
            Assert.IsNull(assembler.Add(Chunk(1, 0)));
            Assert.IsNull(assembler.Add(Chunk(2, 1)));
            var frame = assembler.Add(Chunk(2, 0));
            Assert.IsNotNull(frame);
            Assert.AreEqual(2, frame.Sequence);
            Assert.IsTrue(frame.Landmarks.All(x => x == 3f), "every coordinate from sequence 2");
            Assert.AreEqual(1, assembler.DroppedPartialFrames, "sequence 1 was given up");
            Assert.IsNull(assembler.Add(Chunk(1, 1)), "a late chunk of an older frame is ignored");
        }

        [Test]
        public void AssemblerRejectsContradictoryChunks()
        {
            var assembler = new LandmarkAssembler();
            assembler.Add(Chunk(1, 0));
            var e = Assert.Throws<TalkRigFormatException>(() => assembler.Add(Chunk(1, 1, points: 6)));
            StringAssert.Contains("an earlier chunk said", e.Message);
            var outside = Chunk(3, 1);
            outside.FirstPoint = 3;
            StringAssert.Contains("outside", Assert.Throws<TalkRigFormatException>(() => assembler.Add(outside)).Message);
            var badIndex = Chunk(3, 2);
            StringAssert.Contains("chunk index 2", Assert.Throws<TalkRigFormatException>(() => assembler.Add(badIndex)).Message);
            var badDims = Chunk(3, 0);
            badDims.Dims = 4;
            StringAssert.Contains("dims 4", Assert.Throws<TalkRigFormatException>(() => assembler.Add(badDims)).Message);
            var huge = Chunk(3, 0);
            huge.Points = int.MaxValue;
            StringAssert.Contains("outside 1..10000", Assert.Throws<TalkRigFormatException>(() => assembler.Add(huge)).Message);
        }

        [Test]
        public void InboxHandsOverOnlyTheLatestFrameOnce()
        {
            var inbox = new FrameInbox();
            Assert.IsFalse(inbox.TryTake("a", out _));
            inbox.Post(Frame("a", 1));
            inbox.Post(Frame("a", 2));
            inbox.Post(Frame("b", 9));
            Assert.IsTrue(inbox.TryTake("a", out var frame));
            Assert.AreEqual(2, frame.Sequence);
            Assert.IsFalse(inbox.TryTake("a", out _), "taken once");
            Assert.IsTrue(inbox.TryTake(null, out frame), "any avatar");
            Assert.AreEqual("b", frame.Avatar);
            Assert.IsFalse(inbox.TryTake("b", out _));
        }
    }
}
