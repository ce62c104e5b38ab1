using System.Collections.Generic;

namespace TalkRig.Receiver
{
    /// <summary>
    /// Drops frames that are not newer than the last one accepted for the same avatar (UDP may
    /// reorder). Sequence numbers are compared as <c>unchecked(seq - last) &gt; 0</c>, so the
    /// 2^31 wrap is harmless. A sender that restarts counts from 0 again: a jump back by more
    /// than <see cref="RestartGap"/> frames, or to 0, is taken as a new stream rather than a
    /// stale frame. At most <see cref="MaxAvatars"/> avatars are remembered: a flood of made-up
    /// ids makes the gate start over (a real avatar may then let one stale frame through) rather
    /// than grow without bound. Not thread-safe: one instance per thread (the receive thread owns
    /// its own).
    /// </summary>
    public sealed class SequenceGate
    {
        /// <summary>5 s at 25 fps: far more than any reordering on a LAN, far less than a restart.</summary>
        public const int DefaultRestartGap = 125;

        /// <summary>Avatars remembered at most (a stage has a handful).</summary>
        public const int MaxAvatars = 256;

        readonly Dictionary<string, int> _last = new Dictionary<string, int>();

        public SequenceGate(int restartGap = DefaultRestartGap)
        {
            RestartGap = restartGap;
        }

        public int RestartGap { get; }

        /// <summary>Avatars remembered now (at most <see cref="MaxAvatars"/>).</summary>
        public int AvatarCount => _last.Count;

        /// <summary>True when <paramref name="sequence"/> would be accepted (nothing is recorded).</summary>
        public bool IsFresh(string avatar, int sequence)
        {
            if (!_last.TryGetValue(avatar, out var last)) return true;
            var ahead = unchecked(sequence - last);
            return ahead > 0 || ahead < -RestartGap || (sequence == 0 && ahead != 0);
        }

        /// <summary>Record and return true when the frame is fresh; false means drop it.</summary>
        public bool Accept(string avatar, int sequence)
        {
            if (!IsFresh(avatar, sequence)) return false;
            if (_last.Count >= MaxAvatars && !_last.ContainsKey(avatar)) _last.Clear();
            _last[avatar] = sequence;
            return true;
        }

        /// <summary>Forget everything about <paramref name="avatar"/> (the next frame is accepted).</summary>
        public void Reset(string avatar) => _last.Remove(avatar);
    }
}
