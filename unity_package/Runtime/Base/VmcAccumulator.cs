using System.Collections.Generic;

namespace TalkRig.Receiver
{
    /// <summary>
    /// VMC blendshapes: <c>/VMC/Ext/Blend/Val ,sf</c> values accumulate and
    /// <c>/VMC/Ext/Blend/Apply</c> turns them into one <see cref="FaceFrame"/>. ARKit names in any
    /// common spelling (JawOpen, jawOpen, eyeBlink_L) fill <see cref="FaceFrame.Blendshapes"/>;
    /// other names (VRM presets A, I, U, Blink…) go to <see cref="FaceFrame.ExtraValues"/>. A
    /// value not sent again keeps its last value, as VMC receivers do. Receive thread only.
    /// </summary>
    public sealed class VmcAccumulator
    {
        readonly float[] _blendshapes = new float[ArkitNames.Count];
        readonly Dictionary<string, float> _extra = new Dictionary<string, float>();
        readonly Dictionary<string, int> _indexCache = new Dictionary<string, int>();
        int _sequence;

        /// <param name="avatar">avatar id stamped on the frames (VMC has none of its own).</param>
        public VmcAccumulator(string avatar = "default")
        {
            Avatar = avatar;
        }

        public string Avatar { get; }

        /// <summary>One <c>/VMC/Ext/Blend/Val</c>.</summary>
        public void Value(string name, float value)
        {
            if (!_indexCache.TryGetValue(name, out var index))
                _indexCache[name] = index = ArkitNames.IndexOfSpelling(name);
            if (index >= 0) _blendshapes[index] = value;
            else _extra[name] = value;
        }

        /// <summary><c>/VMC/Ext/Blend/Apply</c>: a frame of everything received so far.</summary>
        public FaceFrame Apply()
        {
            return new FaceFrame(Avatar, _sequence++, 0, true, Representation.Blendshapes,
                (float[])_blendshapes.Clone(), null, 0, 0, new Dictionary<string, float>(_extra));
        }
    }
}
