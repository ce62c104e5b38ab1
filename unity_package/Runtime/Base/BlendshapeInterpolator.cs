using System;

namespace TalkRig.Receiver
{
    /// <summary>
    /// Turns 25 Hz frames into smooth values at the render rate: each new frame starts a ramp
    /// from what is on screen now to the new values, reaching them one frame interval later.
    /// This adds at most one interval (40 ms) of delay and never jumps. Main thread only.
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
            else Array.Copy(values, _from, values.Length);
            Array.Copy(values, _to, values.Length);
            _start = time;
            HasData = true;
        }

        /// <summary>Write the values at <paramref name="time"/> into <paramref name="output"/> (length = count).</summary>
        public void Sample(double time, float[] output)
        {
            var t = Interval <= 0 ? 1f : (float)Math.Max(0, Math.Min(1, (time - _start) / Interval));
            for (var i = 0; i < _to.Length; i++) output[i] = _from[i] + (_to[i] - _from[i]) * t;
        }
    }
}
