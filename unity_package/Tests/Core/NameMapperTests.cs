using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace TalkRig.Receiver.Tests
{
    [TestFixture]
    public sealed class NameMapperTests
    {
        [TestCase("jawOpen", 17)]
        [TestCase("JawOpen", 17)]
        [TestCase("JAWOPEN", 17)]
        [TestCase("eyeBlink_L", 0)]
        [TestCase("EyeBlink_R", 7)]
        [TestCase("blendShape1.jawOpen", 17)]
        [TestCase("Face:mouthSmileLeft", 23)]
        [TestCase("A01_BrowInnerUp", 43)]
        [TestCase("blendShape2.ARKit_tongueOut", 51)]
        [TestCase("BS_cheekPuff", 46)]
        [TestCase("Fcl_MTH_A", -1)]
        [TestCase("A01", -1)]
        [TestCase("", -1)]
        public void ResolvesCommonSpellings(string meshName, int arkitIndex)
        {
            Assert.AreEqual(arkitIndex, new NameMapper().Resolve(meshName));
        }

        [Test]
        public void CustomTableWinsAndIsChecked()
        {
            var custom = new[]
            {
                new KeyValuePair<string, string>("Fcl_MTH_A", "JawOpen"),
                new KeyValuePair<string, string>("jawOpen", "mouthClose"),
            };
            var mapper = new NameMapper(custom);
            Assert.AreEqual(17, mapper.Resolve("fcl_mth_a"));
            Assert.AreEqual(18, mapper.Resolve("jawOpen"), "the table overrides the exact name");
            var e = Assert.Throws<ArgumentException>(() =>
                new NameMapper(new[] { new KeyValuePair<string, string>("Mouth", "mouthOpen") }));
            StringAssert.Contains("'mouthOpen' is not an ARKit name", e.Message);
        }

        [Test]
        public void ArkitNamesRoundTripAllSpellings()
        {
            for (var i = 0; i < ArkitNames.Count; i++)
            {
                Assert.AreEqual(i, ArkitNames.IndexOf(ArkitNames.CamelCase(i)));
                Assert.AreEqual(i, ArkitNames.IndexOfSpelling(ArkitNames.PascalCase(i)));
            }
            Assert.AreEqual("JawOpen", ArkitNames.PascalCase(17));
        }

        [Test]
        public void CoverageReportCountsAcrossMeshes()
        {
            var mapper = new NameMapper();
            var face = Enumerable.Range(0, 48).Select(i => "blendShape1." + ArkitNames.CamelCase(i)).ToList();
            face.Add("Fcl_EYE_Close");
            var tongue = new List<string> { "TongueOut" };
            var faceMap = ShapeMapping.Build(face, mapper);
            Assert.AreEqual(48, faceMap.Bindings.Count);
            Assert.AreEqual(48, faceMap.Bindings[48 - 1].MeshIndex + 1);
            CollectionAssert.AreEqual(new[] { "Fcl_EYE_Close" }, faceMap.UnmappedMeshNames);
            Assert.AreEqual("48 of 52 ARKit shapes mapped", ShapeMapping.Summary(new[] { faceMap }));
            var both = new[] { faceMap, ShapeMapping.Build(tongue, mapper) };
            Assert.AreEqual("49 of 52 ARKit shapes mapped", ShapeMapping.Summary(both));
            CollectionAssert.AreEqual(new[] { "cheekSquintRight", "noseSneerLeft", "noseSneerRight" },
                ShapeMapping.UnmappedArkitNames(both));
        }
    }
}
