using System;
using System.Collections.Generic;
using System.Linq;
using UnityEngine;

namespace TalkRig.Receiver
{
    /// <summary>A per-shape multiplier, by ARKit name (any spelling).</summary>
    [Serializable]
    public sealed class ShapeGain
    {
        public string arkitName = "jawOpen";
        public float gain = 1f;
    }

    /// <summary>A mesh blendshape name that the automatic name matching cannot guess.</summary>
    [Serializable]
    public sealed class ShapeNameOverride
    {
        public string meshShapeName = "";
        public string arkitName = "";
    }

    /// <summary>
    /// Drives the blendshapes of one or more SkinnedMeshRenderers from the receiver's ARKit
    /// values. Names are resolved once (<see cref="Remap"/>, on enable and by the inspector's
    /// Auto-map); each LateUpdate samples the 25 Hz frames interpolated to the render rate and
    /// writes Unity's 0–100 weights. Main thread only.
    /// </summary>
    [AddComponentMenu("TalkRig/Blendshape Driver")]
    public sealed class BlendshapeDriver : MonoBehaviour
    {
        const float FrameInterval = 0.04f;  // TalkRig sends 25 frames per second

        [SerializeField] TalkRigReceiver _receiver = null;
        [SerializeField, Tooltip("Face, teeth, tongue…: every mesh with ARKit-like blendshapes.")]
        SkinnedMeshRenderer[] _renderers = new SkinnedMeshRenderer[0];
        [SerializeField, Range(0f, 3f)] float _globalGain = 1f;
        [SerializeField] List<ShapeGain> _gains = new List<ShapeGain>();
        [SerializeField] List<ShapeNameOverride> _customNames = new List<ShapeNameOverride>();
        [SerializeField, Tooltip("Smooth 25 Hz frames to the render rate (adds up to 40 ms).")]
        bool _interpolate = true;

        readonly BlendshapeInterpolator _interpolator = new BlendshapeInterpolator(ArkitNames.Count, FrameInterval);
        readonly float[] _values = new float[ArkitNames.Count];
        readonly float[] _shapeGains = new float[ArkitNames.Count];
        ShapeMapping[] _mappings = new ShapeMapping[0];
        FaceFrame _lastFrame;

        /// <summary>"48 of 52 ARKit shapes mapped" (after <see cref="Remap"/>).</summary>
        public string CoverageSummary { get; private set; } = "not mapped yet";

        public IReadOnlyList<string> UnmappedArkitNames { get; private set; } = new string[0];

        public IReadOnlyList<string> UnmappedMeshNames { get; private set; } = new string[0];

        public TalkRigReceiver Receiver
        {
            get => _receiver;
            set => _receiver = value;
        }

        public IReadOnlyList<SkinnedMeshRenderer> Renderers => _renderers;

        void OnEnable() => Remap();

        void OnValidate() => Remap();

        /// <summary>
        /// Editor "Auto-map": use every SkinnedMeshRenderer under this object that has
        /// blendshapes (when none is set), find a receiver in the scene (when none is set), then remap.
        /// </summary>
        public void AutoMap()
        {
            if (_renderers == null || _renderers.Length == 0 || _renderers.All(r => r == null))
                _renderers = GetComponentsInChildren<SkinnedMeshRenderer>(true)
                    .Where(r => r.sharedMesh != null && r.sharedMesh.blendShapeCount > 0).ToArray();
            if (_receiver == null) _receiver = FindObjectOfType<TalkRigReceiver>();
            Remap();
        }

        /// <summary>Resolve mesh blendshape indices and gains (throws nothing: bad custom entries are logged).</summary>
        public void Remap()
        {
            NameMapper mapper;
            try
            {
                mapper = new NameMapper(_customNames
                    .Where(o => !string.IsNullOrEmpty(o.meshShapeName))
                    .Select(o => new KeyValuePair<string, string>(o.meshShapeName, o.arkitName)));
            }
            catch (ArgumentException e)
            {
                Debug.LogWarning($"TalkRig blendshape driver on {name}: {e.Message}; custom names ignored", this);
                mapper = new NameMapper();
            }
            var renderers = _renderers ?? new SkinnedMeshRenderer[0];
            _mappings = renderers.Select(r => ShapeMapping.Build(ShapeNames(r), mapper)).ToArray();
            CoverageSummary = ShapeMapping.Summary(_mappings);
            UnmappedArkitNames = ShapeMapping.UnmappedArkitNames(_mappings);
            UnmappedMeshNames = _mappings.SelectMany(m => m.UnmappedMeshNames).ToArray();
            ResolveGains();
        }

        static List<string> ShapeNames(SkinnedMeshRenderer renderer)
        {
            var names = new List<string>();
            var mesh = renderer != null ? renderer.sharedMesh : null;
            if (mesh == null) return names;
            for (var i = 0; i < mesh.blendShapeCount; i++) names.Add(mesh.GetBlendShapeName(i));
            return names;
        }

        void ResolveGains()
        {
            for (var i = 0; i < _shapeGains.Length; i++) _shapeGains[i] = _globalGain;
            foreach (var g in _gains)
            {
                var index = ArkitNames.IndexOfSpelling(g.arkitName ?? "");
                if (index >= 0) _shapeGains[index] = _globalGain * g.gain;
                else Debug.LogWarning($"TalkRig blendshape driver on {name}: gain for unknown ARKit name '{g.arkitName}'", this);
            }
        }

        void LateUpdate()
        {
            if (_receiver == null) return;
            var frame = _receiver.LatestFrame;
            if (frame != null && frame != _lastFrame && frame.Blendshapes != null)
            {
                _lastFrame = frame;
                _interpolator.Interval = _interpolate ? FrameInterval : 0;
                _interpolator.Push(frame.Blendshapes, _receiver.LatestFrameTime);
            }
            if (!_interpolator.HasData) return;
            _interpolator.Sample(Time.unscaledTimeAsDouble, _values);
            Apply(_values);
        }

        /// <summary>
        /// Write 52 ARKit values ([0, 1], canonical order) to the meshes now, without interpolation.
        /// Weights are clamped to 0–100 and never NaN: a NaN value (or gain) writes 0.
        /// </summary>
        public void Apply(float[] arkitValues)
        {
            for (var r = 0; r < _mappings.Length && r < _renderers.Length; r++)
            {
                var renderer = _renderers[r];
                if (renderer == null) continue;
                foreach (var binding in _mappings[r].Bindings)
                {
                    // Not Mathf.Clamp01: it lets NaN through to the mesh.
                    var weight = Finite.MeshWeight(arkitValues[binding.ArkitIndex], _shapeGains[binding.ArkitIndex]);
                    renderer.SetBlendShapeWeight(binding.MeshIndex, weight);
                }
            }
        }
    }
}
