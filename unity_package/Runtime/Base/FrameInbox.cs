using System.Collections.Generic;

namespace TalkRig.Receiver
{
    /// <summary>
    /// The hand-over between the receive thread and Unity's main thread: the receive thread
    /// <see cref="Post"/>s every fresh frame, the main thread takes the latest one per avatar in
    /// <c>Update</c>. Only the newest frame is kept: a late main thread skips frames instead of
    /// building latency. Frames of at most <see cref="MaxAvatars"/> avatars wait: a flood of
    /// made-up ids clears the untaken ones instead of growing without bound. All members lock;
    /// any thread.
    /// </summary>
    public sealed class FrameInbox
    {
        /// <summary>Avatars whose untaken frame is kept at most.</summary>
        public const int MaxAvatars = 256;

        readonly object _lock = new object();
        readonly Dictionary<string, FaceFrame> _latest = new Dictionary<string, FaceFrame>();
        FaceFrame _newest;
        TalkRigHello _hello;

        /// <summary>Receive thread: store <paramref name="frame"/> as its avatar's latest.</summary>
        public void Post(FaceFrame frame)
        {
            lock (_lock)
            {
                if (_latest.Count >= MaxAvatars && !_latest.ContainsKey(frame.Avatar)) _latest.Clear();
                _latest[frame.Avatar] = frame;
                _newest = frame;
            }
        }

        /// <summary>Receive thread: remember the last announcement.</summary>
        public void PostHello(TalkRigHello hello)
        {
            lock (_lock) _hello = hello;
        }

        /// <summary>
        /// Main thread: the latest frame for <paramref name="avatar"/> not taken before (an empty
        /// or null avatar means "any avatar": the newest frame of all). False when nothing new.
        /// </summary>
        public bool TryTake(string avatar, out FaceFrame frame)
        {
            lock (_lock)
            {
                if (string.IsNullOrEmpty(avatar))
                {
                    frame = _newest;
                    _newest = null;
                    if (frame != null) _latest.Remove(frame.Avatar);
                    return frame != null;
                }
                if (!_latest.TryGetValue(avatar, out frame)) return false;
                _latest.Remove(avatar);
                if (ReferenceEquals(_newest, frame)) _newest = null;
                return true;
            }
        }

        /// <summary>Avatars with an untaken frame (at most <see cref="MaxAvatars"/>).</summary>
        public int AvatarCount
        {
            get { lock (_lock) return _latest.Count; }
        }

        /// <summary>The last /talkrig/hello, or null.</summary>
        public TalkRigHello LastHello
        {
            get { lock (_lock) return _hello; }
        }
    }
}
