using System;
using System.Collections.Generic;
using System.Text;
using TalkRig.Receiver.Internal;

namespace TalkRig.Receiver
{
    /// <summary>
    /// <c>/talkrig/avatars ,i s…</c>: the receiver's listening port, then one avatar id per
    /// string argument. A Unity scene sends it to the TalkRig app so the app can offer the
    /// avatars the scene has; the app lists them in its avatar dropdown. Any thread.
    /// </summary>
    public static class AvatarAnnouncement
    {
        public const string Address = "/talkrig/avatars";
        public const int MaxAvatarBytes = 64;
        public const int MaxDatagramBytes = 1472;

        /// <summary>
        /// Encode the message. Throws <see cref="ArgumentException"/> for an avatar id that is
        /// empty, holds a NUL or exceeds 64 UTF-8 bytes, or when the whole exceeds 1,472 bytes.
        /// </summary>
        public static byte[] Encode(int receivePort, IList<string> avatars)
        {
            var tags = new StringBuilder(",i");
            var parts = new List<byte[]>();
            foreach (var avatar in avatars)
            {
                var bytes = Encoding.UTF8.GetBytes(avatar ?? "");
                if (bytes.Length == 0 || bytes.Length > MaxAvatarBytes || Array.IndexOf(bytes, (byte)0) >= 0)
                    throw new ArgumentException(
                        $"avatar id '{avatar}' must be 1–{MaxAvatarBytes} UTF-8 bytes without NUL");
                parts.Add(bytes);
                tags.Append('s');
            }
            var address = Encoding.ASCII.GetBytes(Address);
            var tagBytes = Encoding.ASCII.GetBytes(tags.ToString());
            var size = Padded(address.Length) + Padded(tagBytes.Length) + 4;
            foreach (var part in parts) size += Padded(part.Length);
            if (size > MaxDatagramBytes)
                throw new ArgumentException(
                    $"{avatars.Count} avatar ids make a {size}-byte datagram; at most {MaxDatagramBytes} bytes fit");
            var data = new byte[size];  // zero-filled: the NUL padding is already there
            var pos = 0;
            pos = Put(data, pos, address);
            pos = Put(data, pos, tagBytes);
            BigEndian.WriteInt(data, pos, receivePort);
            pos += 4;
            foreach (var part in parts) pos = Put(data, pos, part);
            return data;
        }

        // A string takes its bytes, a NUL, and NULs up to a multiple of 4.
        static int Padded(int length) => (length + 4) & ~3;

        static int Put(byte[] data, int pos, byte[] bytes)
        {
            Buffer.BlockCopy(bytes, 0, data, pos, bytes.Length);
            return pos + Padded(bytes.Length);
        }
    }
}
