using System.Collections.Generic;

namespace TalkRig.Receiver
{
    /// <summary>One mesh blendshape driven by one ARKit value.</summary>
    public struct ShapeBinding
    {
        public ShapeBinding(int meshIndex, int arkitIndex)
        {
            MeshIndex = meshIndex;
            ArkitIndex = arkitIndex;
        }

        public int MeshIndex { get; }
        public int ArkitIndex { get; }
    }

    /// <summary>
    /// The result of mapping one mesh's blendshape names (resolved once, when the driver is
    /// enabled or "auto-map" is pressed; main thread), and the coverage report shown in the
    /// inspector ("48 of 52 ARKit shapes mapped").
    /// </summary>
    public sealed class ShapeMapping
    {
        ShapeMapping(ShapeBinding[] bindings, string[] unmappedMesh, bool[] covered)
        {
            Bindings = bindings;
            UnmappedMeshNames = unmappedMesh;
            Covered = covered;
        }

        public IReadOnlyList<ShapeBinding> Bindings { get; }

        /// <summary>Mesh blendshapes no ARKit value drives.</summary>
        public IReadOnlyList<string> UnmappedMeshNames { get; }

        /// <summary>52 flags: ARKit index i drives at least one mesh blendshape.</summary>
        public IReadOnlyList<bool> Covered { get; }

        /// <summary>Map <paramref name="meshShapeNames"/> (index = mesh blendshape index).</summary>
        public static ShapeMapping Build(IList<string> meshShapeNames, NameMapper mapper)
        {
            var bindings = new List<ShapeBinding>();
            var unmapped = new List<string>();
            var covered = new bool[ArkitNames.Count];
            for (var i = 0; i < meshShapeNames.Count; i++)
            {
                var arkit = mapper.Resolve(meshShapeNames[i]);
                if (arkit < 0)
                {
                    unmapped.Add(meshShapeNames[i]);
                    continue;
                }
                bindings.Add(new ShapeBinding(i, arkit));
                covered[arkit] = true;
            }
            return new ShapeMapping(bindings.ToArray(), unmapped.ToArray(), covered);
        }

        /// <summary>ARKit names covered by none of <paramref name="mappings"/> (several meshes: face, teeth, tongue).</summary>
        public static List<string> UnmappedArkitNames(IEnumerable<ShapeMapping> mappings)
        {
            var covered = new bool[ArkitNames.Count];
            foreach (var mapping in mappings)
                for (var i = 0; i < covered.Length; i++)
                    covered[i] |= mapping.Covered[i];
            var names = new List<string>();
            for (var i = 0; i < covered.Length; i++)
                if (!covered[i]) names.Add(ArkitNames.CamelCase(i));
            return names;
        }

        /// <summary>"48 of 52 ARKit shapes mapped".</summary>
        public static string Summary(IEnumerable<ShapeMapping> mappings) =>
            $"{ArkitNames.Count - UnmappedArkitNames(mappings).Count} of {ArkitNames.Count} ARKit shapes mapped";
    }
}
