using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using NUnit.Framework;
using TalkRig.Receiver.Internal;

namespace TalkRig.Receiver.Tests
{
    /// <summary>The UDP receive thread on loopback, and the announce message.</summary>
    [TestFixture]
    public sealed class FrameReceiverTests
    {
        const int WaitMs = 3000;

        [Test]
        public void ReceivesFreshFramesAndCountsBadDatagrams()
        {
            var frames = new List<FaceFrame>();
            var arrived = new SemaphoreSlim(0);
            var vector = GoldenVectors.Named("unity-blendshapes");
            using (var receiver = new FrameReceiver(0, f => { lock (frames) frames.Add(f); arrived.Release(); },
                       address: IPAddress.Loopback))
            using (var client = new UdpClient())
            {
                client.Connect(IPAddress.Loopback, receiver.Port);
                var good = vector.Datagrams[0];
                client.Send(new byte[] { 1, 2, 3 }, 3);
                client.Send(good, good.Length);
                Assert.IsTrue(arrived.Wait(WaitMs), "no frame within 3 s");
                client.Send(good, good.Length);  // same sequence again: stale
                var newer = (byte[])good.Clone();
                newer[0x5f]++;                   // low byte of the sequence: 7 → 8
                client.Send(newer, newer.Length);
                Assert.IsTrue(arrived.Wait(WaitMs), "no second frame within 3 s");
                lock (frames)
                {
                    CollectionAssert.AreEqual(new[] { 7, 8 }, frames.Select(f => f.Sequence).ToArray());
                    TalkRigDecoderTests.AssertFrame(vector, frames[0]);
                }
                Assert.AreEqual(1, receiver.StaleCount);
                Assert.AreEqual(1, receiver.ErrorCount);
                StringAssert.Contains("malformed OSC at byte 0", receiver.LastError);
                Assert.AreEqual(4, receiver.DatagramCount);
            }
        }

        static byte[] GoldenFrame(int sequence) =>
            HostileInputTests.WithWord(GoldenVectors.Named("unity-blendshapes").Datagrams[0], 1, sequence);

        [Test]
        public void HostileDatagramsAreCountedAndTheGoodFramesAfterThemArrive()
        {
            var frames = new List<int>();
            var arrived = new SemaphoreSlim(0);
            var hostile = new[]
            {
                HostileInputTests.HugeBlob(), HostileInputTests.HugeBundleElement(), HostileInputTests.HugeFirstPoint(),
                GoldenFrame(1).Take(100).ToArray(),
            };
            using (var receiver = new FrameReceiver(0, f => { lock (frames) frames.Add(f.Sequence); arrived.Release(); },
                       address: IPAddress.Loopback))
            using (var client = new UdpClient())
            {
                client.Connect(IPAddress.Loopback, receiver.Port);
                for (var round = 1; round <= 5; round++)
                {
                    foreach (var d in hostile) client.Send(d, d.Length);
                    var good = GoldenFrame(round);
                    client.Send(good, good.Length);
                    Assert.IsTrue(arrived.Wait(WaitMs), $"no frame {round} within 3 s: the receive thread died");
                }
                lock (frames) CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 5 }, frames);
                Assert.AreEqual(5 * hostile.Length, receiver.ErrorCount);
                Assert.AreEqual(0, receiver.FaultCount, receiver.LastError);
                Assert.AreEqual(5 * (hostile.Length + 1), receiver.DatagramCount);
            }
        }

        [Test]
        public void NonFiniteFramesAreCountedAndNotDelivered()
        {
            var frames = new List<int>();
            var arrived = new SemaphoreSlim(0);
            using (var receiver = new FrameReceiver(0, f => { lock (frames) frames.Add(f.Sequence); arrived.Release(); },
                       address: IPAddress.Loopback))
            using (var client = new UdpClient())
            {
                client.Connect(IPAddress.Loopback, receiver.Port);
                var nan = HostileInputTests.WithWord(GoldenFrame(1), 20, 0x7FC00000);
                client.Send(nan, nan.Length);
                var good = GoldenFrame(2);
                client.Send(good, good.Length);
                Assert.IsTrue(arrived.Wait(WaitMs), "no frame within 3 s");
                lock (frames) CollectionAssert.AreEqual(new[] { 2 }, frames);
                Assert.AreEqual(1, receiver.NonFiniteCount);
                Assert.AreEqual(0, receiver.ErrorCount + receiver.FaultCount);
            }
        }

        [Test]
        public void AnExceptionFromTheFrameCallbackIsCountedAndTheThreadGoesOn()
        {
            var frames = new List<int>();
            var arrived = new SemaphoreSlim(0);
            Action<FaceFrame> onFrame = f =>
            {
                lock (frames) frames.Add(f.Sequence);
                arrived.Release();
                if (f.Sequence == 1) throw new InvalidOperationException("the scene is gone");
            };
            using (var receiver = new FrameReceiver(0, onFrame, address: IPAddress.Loopback))
            using (var client = new UdpClient())
            {
                client.Connect(IPAddress.Loopback, receiver.Port);
                for (var sequence = 1; sequence <= 2; sequence++)
                {
                    var d = GoldenFrame(sequence);
                    client.Send(d, d.Length);
                    Assert.IsTrue(arrived.Wait(WaitMs), $"no frame {sequence} within 3 s");
                }
                lock (frames) CollectionAssert.AreEqual(new[] { 1, 2 }, frames);
                Assert.AreEqual(1, receiver.FaultCount);
                Assert.AreEqual(0, receiver.ErrorCount);
                StringAssert.Contains("InvalidOperationException: the scene is gone", receiver.LastError);
            }
        }

        [Test]
        public void DisposeStopsTheThreadAndFreesThePort()
        {
            int port;
            using (var receiver = new FrameReceiver(0, f => { }, address: IPAddress.Loopback)) port = receiver.Port;
            using (var again = new FrameReceiver(port, f => { }, address: IPAddress.Loopback))
                Assert.AreEqual(port, again.Port);
        }

        [Test]
        public void PortInUseThrowsSocketException()
        {
            using (var receiver = new FrameReceiver(0, f => { }, address: IPAddress.Loopback))
                Assert.Throws<SocketException>(() => new FrameReceiver(receiver.Port, f => { }, address: IPAddress.Loopback));
        }

        [Test]
        public void AnnouncementHasHandComputedBytes()
        {
            var bytes = AvatarAnnouncement.Encode(39541, new[] { "default", "ミカ" });
            // "/talkrig/avatars" + 4 NUL, ",iss" + 4 NUL, 39541, "default\0", UTF-8 ミカ (6 B) + 2 NUL.
            const string expected = "2f74616c6b7269672f61766174617273" + "00000000"
                + "2c69737300000000" + "00009a75" + "64656661756c7400" + "e3839fe382ab0000";
            Assert.AreEqual(expected, BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant());
            var message = OscParser.ParseMessage(bytes, 0, bytes.Length);
            Assert.AreEqual(AvatarAnnouncement.Address, message.Address);
            Assert.AreEqual(39541, message.GetInt(0));
            Assert.AreEqual("ミカ", message.GetString(2));
        }

        [Test]
        public void AnnouncementRejectsBadIds()
        {
            StringAssert.Contains("1–64 UTF-8 bytes",
                Assert.Throws<ArgumentException>(() => AvatarAnnouncement.Encode(1, new[] { "" })).Message);
            Assert.Throws<ArgumentException>(() => AvatarAnnouncement.Encode(1, new[] { new string('x', 65) }));
            Assert.Throws<ArgumentException>(() => AvatarAnnouncement.Encode(1, new[] { "a\0b" }));
            var many = Enumerable.Range(0, 40).Select(i => new string('x', 60) + i).ToArray();
            StringAssert.Contains("at most 1472 bytes",
                Assert.Throws<ArgumentException>(() => AvatarAnnouncement.Encode(1, many)).Message);
        }
    }
}
