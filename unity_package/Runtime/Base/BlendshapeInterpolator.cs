using System;

namespace TalkRig.Receiver
{
    /// <summary>
    /// Turns 25 Hz frames into smooth values at the render rate: each new frame starts a ramp
    /// from what is on screen now to the new values, reaching them one frame interval later.
    /// This adds at most one interval (40 ms) of delay and never jumps. Output is finite whatever
    /// comes in: a NaN or ±∞ value keeps the last good one, a NaN time shows the target. Main
    /// thread only.
    /// </summary>
    public sealed class BlendshapeInterpolator
    {
        readonly float[] _from;
        readonly float[] _to;
        double _start;

        /// <param name="count">values per frame (52 for ARKit).</param>
        /// <param name="interval">seconds per ramp (0.04 at 25 fps); 0 = no interpolation.</param>
        public BlendshapeInterpolator(int count, double interval)
        {
            if (interval < 0) throw new ArgumentOutOfRangeException(nameof(interval), "interval must be ≥ 0 s");
            _from = new float[count];
            _to = new float[count];
            Interval = interval;
        }

        public double Interval { get; set; }

        public bool HasData { get; private set; }

        /// <summary>A new frame arrived at <paramref name="time"/> seconds (any monotonic clock).</summary>
        public void Push(float[] values, double time)
        {
            if (values.Length != _to.Length)
                throw new ArgumentException($"expected {_to.Length} values, got {values.Length}", nameof(values));
            if (HasData) Sample(time, _from);
            for (var i = 0; i < values.Length; i++)
            {
                // _to still holds the last good value (0 before the first frame).
                if (Finite.Is(values[i])) _to[i] = values[i];
                if (!HasData) _from[i] = _to[i];
            }
            _start = time;
            HasData = true;
        }

        /// <summary>Write the values at <paramref name="time"/> into <paramref name="output"/> (length = count).</summary>
        public void Sample(double time, float[] output)
        {
            var ramp = Interval <= 0 ? 1.0 : (time - _start) / Interval;
            // Math.Min/Max pass NaN through; written so that NaN (a NaN time or interval) gives 1.
            var t = ramp >= 1 || double.IsNaN(ramp) ? 1f : ramp <= 0 ? 0f : (float)ramp;
            for (var i = 0; i < _to.Length; i++) output[i] = _from[i] + (_to[i] - _from[i]) * t;
        }
    }
}
