namespace TalkRig.Receiver
{
    /// <summary>
    /// The guard between the wire and a mesh: NaN and ±∞ are never passed on. (Unity's
    /// <c>Mathf.Clamp01</c> returns NaN for NaN, and .NET Standard 2.0 has no
    /// <c>float.IsFinite</c>.) Any thread, no state.
    /// </summary>
    public static class Finite
    {
        /// <summary>False for NaN, +∞ and −∞.</summary>
        public static bool Is(float value) => !float.IsNaN(value) && !float.IsInfinity(value);

        /// <summary>True when every value is finite (an empty array is).</summary>
        public static bool All(float[] values)
        {
            foreach (var v in values)
                if (!Is(v)) return false;
            return true;
        }

        /// <summary>
        /// An ARKit value ([0, 1]) times a gain → Unity's blendshape weight in [0, 100], always
        /// finite: a NaN product (NaN value, NaN gain, 0 × ∞) gives 0, the rest pose.
        /// </summary>
        public static float MeshWeight(float value, float gain)
        {
            var weight = value * gain;
            if (float.IsNaN(weight)) return 0f;
            return 100f * (weight < 0f ? 0f : weight > 1f ? 1f : weight);
        }
    }
}
