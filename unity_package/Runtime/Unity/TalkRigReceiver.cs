using System;
using System.Net.Sockets;
using UnityEngine;

namespace TalkRig.Receiver
{
    /// <summary>
    /// Listens for TalkRig (and VMC blendshape) OSC on a UDP port. Datagrams are decoded on a
    /// background thread (<see cref="FrameReceiver"/>); the newest frame for
    /// <see cref="AvatarId"/> is handed to the main thread in <c>Update</c>, where
    /// <see cref="LatestFrame"/> changes and <see cref="FrameReceived"/> fires. Drivers read it in
    /// <c>LateUpdate</c>. All members are main-thread only.
    /// </summary>
    [AddComponentMenu("TalkRig/TalkRig Receiver")]
    [DefaultExecutionOrder(-100)]
    public sealed class TalkRigReceiver : MonoBehaviour
    {
        public const int DefaultPort = 39541;

        [SerializeField, Tooltip("UDP port TalkRig sends to (unity://host:PORT). 0 = any free port.")]
        int _port = DefaultPort;

        [SerializeField, Tooltip("Only frames for this avatar id are used. Empty = any avatar.")]
        string _avatarId = "default";

        [SerializeField, Tooltip("Avatar id given to frames built from VMC /VMC/Ext/Blend messages.")]
        string _vmcAvatarId = "default";

        readonly FrameInbox _inbox = new FrameInbox();
        FrameReceiver _receiver;

        /// <summary>Main thread, in <c>Update</c>: a new frame for this avatar.</summary>
        public event Action<FaceFrame> FrameReceived;

        /// <summary>The newest frame handed over, or null before the first.</summary>
        public FaceFrame LatestFrame { get; private set; }

        /// <summary>Time.unscaledTimeAsDouble when <see cref="LatestFrame"/> was handed over.</summary>
        public double LatestFrameTime { get; private set; }

        /// <summary>The last /talkrig/hello (what the app streams), or null.</summary>
        public TalkRigHello LastHello => _inbox.LastHello;

        public string AvatarId
        {
            get => _avatarId;
            set => _avatarId = value;
        }

        /// <summary>Setting the port while listening reopens the socket.</summary>
        public int Port
        {
            get => _port;
            set
            {
                _port = value;
                if (_receiver != null) StartListening();
            }
        }

        /// <summary>The port actually bound (differs from <see cref="Port"/> when that is 0), or -1.</summary>
        public int BoundPort => _receiver != null ? _receiver.Port : -1;

        /// <summary>Counters and the last error, for the inspector.</summary>
        public string Status
        {
            get
            {
                if (_receiver == null) return "not listening";
                var text = $"UDP {_receiver.Port}: {_receiver.FrameCount} frames, {_receiver.StaleCount} stale, {_receiver.ErrorCount} bad datagrams";
                if (_receiver.NonFiniteCount > 0) text += $", {_receiver.NonFiniteCount} dropped for NaN/∞";
                if (_receiver.FaultCount > 0) text += $", {_receiver.FaultCount} exceptions caught";
                return _receiver.LastError == null ? text : text + "\nlast error: " + _receiver.LastError;
            }
        }

        void OnEnable() => StartListening();

        void OnDisable() => StopListening();

        void Update() => Poll();

        /// <summary>Take the newest frame, if any (called by <c>Update</c>; tests call it directly).</summary>
        public bool Poll()
        {
            if (!_inbox.TryTake(_avatarId, out var frame)) return false;
            LatestFrame = frame;
            LatestFrameTime = Time.unscaledTimeAsDouble;
            FrameReceived?.Invoke(frame);
            return true;
        }

        /// <summary>Open (or reopen) the socket on <see cref="Port"/>; OnEnable calls it. An error is logged.</summary>
        public void StartListening()
        {
            StopListening();
            try
            {
                _receiver = new FrameReceiver(_port, _inbox.Post, _inbox.PostHello, null, _vmcAvatarId);
            }
            catch (SocketException e)
            {
                Debug.LogError($"TalkRig receiver: cannot listen on UDP port {_port}: {e.Message}", this);
            }
        }

        /// <summary>Close the socket and join the receive thread; OnDisable calls it.</summary>
        public void StopListening()
        {
            _receiver?.Dispose();
            _receiver = null;
        }
    }
}
