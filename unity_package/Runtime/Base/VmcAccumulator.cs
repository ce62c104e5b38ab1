using System.Collections.Generic;

namespace TalkRig.Receiver
{
    /// <summary>
    /// VMC blendshapes: <c>/VMC/Ext/Blend/Val ,sf</c> values accumulate and
    /// <c>/VMC/Ext/Blend/Apply</c> turns them into one <see cref="FaceFrame"/>. ARKit names in any
    /// common spelling (JawOpen, jawOpen, eyeBlink_L) fill <see cref="FaceFrame.Blendshapes"/>;
    /// other names (VRM presets A, I, U, Blink…) go to <see cref="FaceFrame.ExtraValues"/>. A
    /// value not sent again keeps its last value, as VMC receivers do. Memory is bounded whatever
    /// arrives: names longer than <see cref="MaxNameLength"/> are ignored, and past
    /// <see cref="MaxExtraValues"/> other names the extras start over. Receive thread only.
    /// </summary>
    public sealed class VmcAccumulator
    {
        /// <summary>Longest name kept, in UTF-16 units (VRM and ARKit names are under 40).</summary>
        public const int MaxNameLength = 128;

        /// <summary>Non-ARKit names kept at most.</summary>
        public const int MaxExtraValues = 256;

        const int MaxCachedNames = 1024;

        readonly float[] _blendshapes = new float[ArkitNames.Count];
        readonly Dictionary<string, float> _extra = new Dictionary<string, float>();
        readonly Dictionary<string, int> _indexCache = new Dictionary<string, int>();
        int _sequence;

        /// <param name="avatar">avatar id stamped on the frames (VMC has none of its own).</param>
        public VmcAccumulator(string avatar = "default")
        {
            Avatar = avatar ?? "default";
        }

        public string Avatar { get; }

        /// <summary>One <c>/VMC/Ext/Blend/Val</c>.</summary>
        public void Value(string name, float value)
        {
            if (name.Length > MaxNameLength) return;
            if (!_indexCache.TryGetValue(name, out var index))
            {
                if (_indexCache.Count >= MaxCachedNames) _indexCache.Clear();
                _indexCache[name] = index = ArkitNames.IndexOfSpelling(name);
            }
            if (index >= 0)
            {
                _blendshapes[index] = value;
                return;
            }
            // Starting over rather than refusing new names: a flood must not lock out a real one.
            if (_extra.Count >= MaxExtraValues && !_extra.ContainsKey(name)) _extra.Clear();
            _extra[name] = value;
        }

        /// <summary><c>/VMC/Ext/Blend/Apply</c>: a frame of everything received so far.</summary>
        public FaceFrame Apply()
        {
            return new FaceFrame(Avatar, _sequence++, 0, true, Representation.Blendshapes,
                (float[])_blendshapes.Clone(), null, 0, 0, new Dictionary<string, float>(_extra));
        }
    }
}
