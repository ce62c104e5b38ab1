using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using UnityEngine;

namespace TalkRig.Receiver
{
    /// <summary>
    /// Tells the TalkRig app which avatars this scene has: every <see cref="TalkRigReceiver"/>'s
    /// avatar id (plus <c>extra ids</c>) in one <c>/talkrig/avatars ,i s…</c> message, sent to the
    /// app's UDP port every few seconds (format in README.md); the app offers them as avatars.
    /// Main thread; the send is a non-blocking UDP datagram.
    /// </summary>
    [AddComponentMenu("TalkRig/Avatar Announcer")]
    public sealed class AvatarAnnouncer : MonoBehaviour
    {
        public const int DefaultAppPort = 39542;

        [SerializeField] string _appHost = "127.0.0.1";
        [SerializeField] int _appPort = DefaultAppPort;
        [SerializeField, Min(0.2f)] float _intervalSeconds = 2f;
        [SerializeField] List<string> _extraAvatarIds = new List<string>();

        UdpClient _client;
        float _nextSend;
        bool _warned;

        void OnEnable()
        {
            _client = new UdpClient();
            _nextSend = 0f;
        }

        void OnDisable()
        {
            _client?.Close();
            _client = null;
        }

        void Update()
        {
            if (Time.unscaledTime < _nextSend) return;
            _nextSend = Time.unscaledTime + _intervalSeconds;
            Announce();
        }

        /// <summary>The avatar ids announced: receivers in the scene, then the extra ids, no duplicates.</summary>
        public List<string> AvatarIds()
        {
            var receivers = FindObjectsOfType<TalkRigReceiver>();
            return receivers.Select(r => r.AvatarId).Concat(_extraAvatarIds)
                .Where(id => !string.IsNullOrEmpty(id)).Distinct().ToList();
        }

        /// <summary>Send the announcement now.</summary>
        public void Announce()
        {
            if (_client == null) return;
            var receiver = FindObjectOfType<TalkRigReceiver>();
            var port = receiver != null ? receiver.BoundPort : -1;
            try
            {
                var datagram = AvatarAnnouncement.Encode(port, AvatarIds());
                _client.Send(datagram, datagram.Length, _appHost, _appPort);
                _warned = false;
            }
            catch (System.Exception e) when (e is SocketException || e is System.ArgumentException)
            {
                // Once per failure streak: a missing app must not flood the console every 2 s.
                if (!_warned) Debug.LogWarning($"TalkRig avatar announcer: {e.Message}", this);
                _warned = true;
            }
        }
    }
}
