using UnityEngine;

namespace TalkRig.Receiver
{
    /// <summary>
    /// Shows landmark frames (68 2D dlib points or 478 3D FaceMesh points): moves one transform
    /// per point and/or draws gizmos. Point i goes to <c>(x, ±y, z) × scale</c> in this object's
    /// local space (y flipped by default, because image coordinates grow downwards). Main thread.
    /// </summary>
    [AddComponentMenu("TalkRig/Landmark Driver")]
    public sealed class LandmarkDriver : MonoBehaviour
    {
        [SerializeField] TalkRigReceiver _receiver = null;
        [SerializeField, Tooltip("Transform i follows landmark i (may be fewer than the points).")]
        Transform[] _targets = new Transform[0];
        [SerializeField] float _scale = 1f;
        [SerializeField] bool _flipY = true;
        [SerializeField] bool _drawGizmos = true;
        [SerializeField] Color _gizmoColor = new Color(0.2f, 0.9f, 1f);
        [SerializeField] float _gizmoRadius = 0.004f;

        Vector3[] _points = new Vector3[0];
        FaceFrame _lastFrame;

        /// <summary>Local positions of the last landmark frame (empty before the first).</summary>
        public Vector3[] Points => _points;

        public TalkRigReceiver Receiver
        {
            get => _receiver;
            set => _receiver = value;
        }

        void LateUpdate()
        {
            if (_receiver == null) return;
            var frame = _receiver.LatestFrame;
            if (frame == null || frame == _lastFrame || frame.Landmarks == null) return;
            _lastFrame = frame;
            Apply(frame);
        }

        /// <summary>Take one landmark frame now; a point with a NaN or infinite coordinate stays where it was.</summary>
        public void Apply(FaceFrame frame)
        {
            if (_points.Length != frame.Points) _points = new Vector3[frame.Points];
            var y = _flipY ? -_scale : _scale;
            for (var i = 0; i < frame.Points; i++)
            {
                var k = i * frame.Dims;
                var z = frame.Dims == 3 ? frame.Landmarks[k + 2] * _scale : 0f;
                var p = new Vector3(frame.Landmarks[k] * _scale, frame.Landmarks[k + 1] * y, z);
                if (Finite.Is(p.x) && Finite.Is(p.y) && Finite.Is(p.z)) _points[i] = p;
            }
            for (var i = 0; i < _targets.Length && i < _points.Length; i++)
                if (_targets[i] != null) _targets[i].localPosition = _points[i];
        }

        void OnDrawGizmos()
        {
            if (!_drawGizmos || _points.Length == 0) return;
            Gizmos.color = _gizmoColor;
            Gizmos.matrix = transform.localToWorldMatrix;
            foreach (var p in _points) Gizmos.DrawSphere(p, _gizmoRadius);
        }
    }
}
