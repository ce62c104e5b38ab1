using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using UnityEngine;

namespace TalkRig.Receiver.Tests
{
    /// <summary>
    /// EditMode tests of the component layer. They need the Unity editor (Window ▸ General ▸
    /// Test Runner); TalkRig's CI cannot run them, it runs Tests/Core with Mono instead.
    /// </summary>
    public sealed class ComponentTests
    {
        GameObject _root;

        [SetUp]
        public void CreateRoot() => _root = new GameObject("TalkRig test");

        [TearDown]
        public void DestroyRoot() => Object.DestroyImmediate(_root);

        static Mesh MeshWithShapes(params string[] names)
        {
            var mesh = new Mesh { vertices = new[] { Vector3.zero, Vector3.right, Vector3.up } };
            mesh.triangles = new[] { 0, 1, 2 };
            var delta = new[] { Vector3.up, Vector3.up, Vector3.up };
            foreach (var name in names) mesh.AddBlendShapeFrame(name, 100f, delta, null, null);
            return mesh;
        }

        SkinnedMeshRenderer Face(params string[] names)
        {
            var face = new GameObject("Face");
            face.transform.SetParent(_root.transform, false);
            var renderer = face.AddComponent<SkinnedMeshRenderer>();
            renderer.sharedMesh = MeshWithShapes(names);
            return renderer;
        }

        [Test]
        public void AutoMapFindsRenderersAndReportsCoverage()
        {
            var renderer = Face("blendShape1.jawOpen", "A01_BrowInnerUp", "Fcl_EYE_Close");
            var driver = _root.AddComponent<BlendshapeDriver>();
            driver.AutoMap();
            Assert.AreEqual(1, driver.Renderers.Count);
            Assert.AreSame(renderer, driver.Renderers[0]);
            Assert.AreEqual("2 of 52 ARKit shapes mapped", driver.CoverageSummary);
            CollectionAssert.AreEqual(new[] { "Fcl_EYE_Close" }, driver.UnmappedMeshNames);
            Assert.AreEqual(50, driver.UnmappedArkitNames.Count);
        }

        [Test]
        public void ApplyWritesUnityWeights()
        {
            var renderer = Face("JawOpen", "browInnerUp");
            var driver = _root.AddComponent<BlendshapeDriver>();
            driver.AutoMap();
            var values = new float[ArkitNames.Count];
            values[ArkitNames.IndexOf("jawOpen")] = 0.25f;
            values[ArkitNames.IndexOf("browInnerUp")] = 2f;  // clamped to 100
            driver.Apply(values);
            Assert.AreEqual(25f, renderer.GetBlendShapeWeight(0), 1e-4f);
            Assert.AreEqual(100f, renderer.GetBlendShapeWeight(1), 1e-4f);
        }

        [Test]
        public void ApplyNeverWritesNaN()
        {
            var renderer = Face("JawOpen", "browInnerUp");
            var driver = _root.AddComponent<BlendshapeDriver>();
            driver.AutoMap();
            var values = new float[ArkitNames.Count];
            values[ArkitNames.IndexOf("jawOpen")] = float.NaN;
            values[ArkitNames.IndexOf("browInnerUp")] = float.PositiveInfinity;
            driver.Apply(values);
            Assert.AreEqual(0f, renderer.GetBlendShapeWeight(0), "NaN → rest");
            Assert.AreEqual(100f, renderer.GetBlendShapeWeight(1));
        }

        [Test]
        public void ReceiverHandsOverAFrameFromLoopback()
        {
            var receiver = _root.AddComponent<TalkRigReceiver>();
            receiver.AvatarId = "";
            receiver.Port = 0;
            receiver.StartListening();
            try
            {
                Assert.Greater(receiver.BoundPort, 0);
                var datagram = Hex(BlendshapeDatagram);
                using (var client = new UdpClient())
                    client.Send(datagram, datagram.Length, new IPEndPoint(IPAddress.Loopback, receiver.BoundPort));
                var clock = Stopwatch.StartNew();
                while (!receiver.Poll() && clock.ElapsedMilliseconds < 3000) System.Threading.Thread.Sleep(5);
                Assert.IsNotNull(receiver.LatestFrame, "no frame within 3 s");
                Assert.AreEqual(7, receiver.LatestFrame.Sequence);
                Assert.AreEqual("default", receiver.LatestFrame.Avatar);
                Assert.AreEqual(0.0625f, receiver.LatestFrame.Blendshapes[1]);
            }
            finally
            {
                receiver.StopListening();
            }
            Assert.AreEqual(-1, receiver.BoundPort);
        }

        [Test]
        public void LandmarkDriverFlipsYAndScales()
        {
            var driver = _root.AddComponent<LandmarkDriver>();
            var frame = new FaceFrame("default", 1, 0, true, Representation.Landmarks3D, null,
                new[] { 0.5f, 0.25f, -0.125f, 1f, 0f, 0f }, 2, 3);
            driver.Apply(frame);
            Assert.AreEqual(2, driver.Points.Length);
            Assert.AreEqual(new Vector3(0.5f, -0.25f, -0.125f), driver.Points[0]);
        }

        [Test]
        public void AnnouncerListsEveryReceiverOnce()
        {
            var a = _root.AddComponent<TalkRigReceiver>();
            a.AvatarId = "left";
            var child = new GameObject("b");
            child.transform.SetParent(_root.transform, false);
            child.AddComponent<TalkRigReceiver>().AvatarId = "left";
            var announcer = _root.AddComponent<AvatarAnnouncer>();
            CollectionAssert.AreEqual(new[] { "left" }, announcer.AvatarIds());
        }

        // A copy of golden vector "unity-blendshapes" (tests/fixtures/golden_datagrams.json), because
        // a package installed from git has no fixture: avatar "default", sequence 7, values i % 17 / 16.
        const string BlendshapeDatagram =
            "2f74616c6b7269672f626c656e64736861706573000000002c7369696969666666666666666666666666666666666666" +
            "66666666666666666666666666666666666666666666666666666666666666666666000064656661756c740000000007" +
            "000647484622284800000001000000003d8000003e0000003e4000003e8000003ea000003ec000003ee000003f000000" +
            "3f1000003f2000003f3000003f4000003f5000003f6000003f7000003f800000000000003d8000003e0000003e400000" +
            "3e8000003ea000003ec000003ee000003f0000003f1000003f2000003f3000003f4000003f5000003f6000003f700000" +
            "3f800000000000003d8000003e0000003e4000003e8000003ea000003ec000003ee000003f0000003f1000003f200000" +
            "3f3000003f4000003f5000003f6000003f7000003f80000000000000";

        static byte[] Hex(string hex)
        {
            var bytes = new byte[hex.Length / 2];
            for (var i = 0; i < bytes.Length; i++) bytes[i] = System.Convert.ToByte(hex.Substring(2 * i, 2), 16);
            return bytes;
        }
    }
}
