using System;
using System.Collections.Generic;

namespace TalkRig.Receiver
{
    /// <summary>
    /// The 52 ARKit blendshapes in canonical order (Apple's documentation order; the order of
    /// every <c>/talkrig/blendshapes</c> message). Same table as TalkRig's models/arkit.py.
    /// </summary>
    public static class ArkitNames
    {
        public const int Count = 52;

        static readonly string[] Names =
        {
            "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
            "eyeSquintLeft", "eyeWideLeft",
            "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
            "eyeSquintRight", "eyeWideRight",
            "jawForward", "jawLeft", "jawRight", "jawOpen",
            "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight",
            "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
            "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
            "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
            "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
            "mouthUpperUpLeft", "mouthUpperUpRight",
            "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
            "cheekPuff", "cheekSquintLeft", "cheekSquintRight",
            "noseSneerLeft", "noseSneerRight", "tongueOut",
        };

        static readonly Dictionary<string, int> Exact = BuildIndex(StringComparer.Ordinal);
        static readonly Dictionary<string, int> IgnoreCase = BuildIndex(StringComparer.OrdinalIgnoreCase);

        /// <summary>camelCase name of canonical index 0..51 (<c>jawOpen</c>).</summary>
        public static string CamelCase(int index) => Names[index];

        /// <summary>PascalCase name (<c>JawOpen</c>: Live Link, Perfect Sync VRM, VMC senders).</summary>
        public static string PascalCase(int index) =>
            char.ToUpperInvariant(Names[index][0]) + Names[index].Substring(1);

        /// <summary>Canonical index of an exact camelCase name, or -1.</summary>
        public static int IndexOf(string name) => Exact.TryGetValue(name, out var i) ? i : -1;

        /// <summary>
        /// Canonical index of any common spelling, or -1: camelCase, PascalCase, any case, and the
        /// iFacialMocap form (<c>eyeBlink_L</c>, <c>mouthSmile_R</c>).
        /// </summary>
        public static int IndexOfSpelling(string name)
        {
            if (Exact.TryGetValue(name, out var i) || IgnoreCase.TryGetValue(name, out i)) return i;
            if (name.EndsWith("_L", StringComparison.OrdinalIgnoreCase))
                return IgnoreCase.TryGetValue(name.Substring(0, name.Length - 2) + "Left", out i) ? i : -1;
            if (name.EndsWith("_R", StringComparison.OrdinalIgnoreCase))
                return IgnoreCase.TryGetValue(name.Substring(0, name.Length - 2) + "Right", out i) ? i : -1;
            return -1;
        }

        static Dictionary<string, int> BuildIndex(StringComparer comparer)
        {
            var index = new Dictionary<string, int>(comparer);
            for (var i = 0; i < Names.Length; i++) index.Add(Names[i], i);
            return index;
        }
    }
}
