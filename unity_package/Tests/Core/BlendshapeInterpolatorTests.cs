using System;
using NUnit.Framework;

namespace TalkRig.Receiver.Tests
{
    [TestFixture]
    public sealed class BlendshapeInterpolatorTests
    {
        [Test]
        public void RampsFromTheShownValueToTheNewFrame()
        {
            var interp = new BlendshapeInterpolator(2, 0.04);
            var output = new float[2];
            Assert.IsFalse(interp.HasData);
            interp.Push(new[] { 0f, 1f }, 10.0);
            interp.Sample(10.0, output);
            CollectionAssert.AreEqual(new[] { 0f, 1f }, output, "the first frame shows at once");
            interp.Push(new[] { 1f, 0f }, 10.04);
            interp.Sample(10.06, output);
            Assert.AreEqual(0.5f, output[0], 1e-5);
            Assert.AreEqual(0.5f, output[1], 1e-5);
            interp.Push(new[] { 0f, 0f }, 10.06);  // mid-ramp: continue from what is shown
            interp.Sample(10.06, output);
            Assert.AreEqual(0.5f, output[0], 1e-5);
            interp.Sample(11.0, output);
            CollectionAssert.AreEqual(new[] { 0f, 0f }, output, "holds the last frame");
        }

        [Test]
        public void NonFiniteValuesKeepTheLastGoodValue()
        {
            var interp = new BlendshapeInterpolator(3, 0.04);
            var output = new float[3];
            interp.Push(new[] { float.NaN, 0.5f, float.NegativeInfinity }, 0);
            interp.Sample(0, output);
            CollectionAssert.AreEqual(new[] { 0f, 0.5f, 0f }, output, "nothing shown yet: rest");
            interp.Push(new[] { 1f, float.PositiveInfinity, 0.25f }, 1);
            interp.Sample(2, output);
            CollectionAssert.AreEqual(new[] { 1f, 0.5f, 0.25f }, output);
        }

        [Test]
        public void NonFiniteTimesShowTheTarget()
        {
            var interp = new BlendshapeInterpolator(1, 0.04);
            var output = new float[1];
            interp.Push(new[] { 0f }, 0);
            interp.Push(new[] { 1f }, double.NaN);
            interp.Sample(0.02, output);
            Assert.AreEqual(1f, output[0]);
            interp.Interval = double.NaN;
            interp.Push(new[] { 0.5f }, 1);
            interp.Sample(1, output);
            Assert.AreEqual(0.5f, output[0]);
        }

        [Test]
        public void MeshWeightIsAlwaysFiniteAndInRange()
        {
            Assert.AreEqual(25f, Finite.MeshWeight(0.25f, 1f), 1e-4f);
            Assert.AreEqual(100f, Finite.MeshWeight(2f, 1f));
            Assert.AreEqual(0f, Finite.MeshWeight(-1f, 1f));
            Assert.AreEqual(0f, Finite.MeshWeight(float.NaN, 1f), "NaN is the rest pose, not NaN");
            Assert.AreEqual(0f, Finite.MeshWeight(0.5f, float.NaN));
            Assert.AreEqual(0f, Finite.MeshWeight(0f, float.PositiveInfinity), "0 × ∞");
            Assert.AreEqual(100f, Finite.MeshWeight(float.PositiveInfinity, 1f));
            Assert.AreEqual(0f, Finite.MeshWeight(float.NegativeInfinity, 1f));
        }

        [Test]
        public void ZeroIntervalMeansNoInterpolationAndSizesAreChecked()
        {
            var interp = new BlendshapeInterpolator(1, 0);
            var output = new float[1];
            interp.Push(new[] { 0f }, 0);
            interp.Push(new[] { 1f }, 1);
            interp.Sample(1, output);
            Assert.AreEqual(1f, output[0]);
            Assert.Throws<ArgumentException>(() => interp.Push(new float[3], 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => new BlendshapeInterpolator(1, -1));
        }
    }
}
