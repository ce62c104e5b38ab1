using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace TalkRig.Receiver
{
    /// <summary>
    /// A mesh's blendshape name → ARKit index. Tried in order: the custom table (mesh name →
    /// ARKit name, exact then any case), the exact camelCase name, any case (covers PascalCase)
    /// and the iFacialMocap <c>_L/_R</c> form, then the same after stripping the prefixes that
    /// exporters add (<c>blendShape1.</c>, <c>Face:</c>, <c>A01_</c>, <c>ARKit_</c>, <c>BS_</c>).
    /// Immutable after construction; any thread.
    /// </summary>
    public sealed class NameMapper
    {
        // "blendShape1.jawOpen" (FBX/Maya), "Face:jawOpen", "Head|jawOpen": keep what follows.
        static readonly char[] PathSeparators = { '.', ':', '|', '/' };
        // "A01_" (VRoid/Perfect Sync numbering), "ARKit_", "BS_", "blendshape_", "morph-".
        static readonly Regex Prefix = new Regex(
            @"^(?:[A-Za-z]{0,3}\d{1,3}|arkit|bs|blendshape|blend|shape|morph|face)[_\-]",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        readonly Dictionary<string, int> _exact = new Dictionary<string, int>(StringComparer.Ordinal);
        readonly Dictionary<string, int> _anyCase = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

        /// <param name="custom">mesh shape name → ARKit name in any spelling; an entry whose
        /// ARKit name is unknown throws <see cref="ArgumentException"/> naming it.</param>
        public NameMapper(IEnumerable<KeyValuePair<string, string>> custom = null)
        {
            if (custom == null) return;
            foreach (var entry in custom)
            {
                var index = ArkitNames.IndexOfSpelling(entry.Value ?? "");
                if (index < 0)
                    throw new ArgumentException(
                        $"custom blendshape mapping '{entry.Key}' → '{entry.Value}': '{entry.Value}' is not an ARKit name");
                _exact[entry.Key] = index;
                _anyCase[entry.Key] = index;
            }
        }

        /// <summary>ARKit index 0..51 of <paramref name="meshShapeName"/>, or -1.</summary>
        public int Resolve(string meshShapeName)
        {
            if (string.IsNullOrEmpty(meshShapeName)) return -1;
            if (_exact.TryGetValue(meshShapeName, out var index) || _anyCase.TryGetValue(meshShapeName, out index))
                return index;
            index = ArkitNames.IndexOfSpelling(meshShapeName);
            if (index >= 0) return index;
            var stripped = StripPrefixes(meshShapeName);
            return stripped == meshShapeName ? -1 : ArkitNames.IndexOfSpelling(stripped);
        }

        /// <summary><c>blendShape1.A01_jawOpen</c> → <c>jawOpen</c>.</summary>
        public static string StripPrefixes(string name)
        {
            var cut = name.LastIndexOfAny(PathSeparators);
            if (cut >= 0 && cut < name.Length - 1) name = name.Substring(cut + 1);
            while (true)
            {
                var match = Prefix.Match(name);
                if (!match.Success || match.Length == name.Length) return name;
                name = name.Substring(match.Length);
            }
        }
    }
}
