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
