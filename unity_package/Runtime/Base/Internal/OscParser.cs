using System;
using System.Text;

namespace TalkRig.Receiver.Internal
{
    /// <summary>
    /// OSC 1.0 datagrams (a message or a bundle, bundles nested at any depth) → messages.
    /// Stateless; called on the receive thread. Anything malformed throws one
    /// <see cref="TalkRigFormatException"/> naming the byte offset and the problem.
    /// </summary>
    public static class OscParser
    {
        static readonly byte[] BundleTag = Encoding.ASCII.GetBytes("#bundle\0");

        /// <summary>Call <paramref name="onMessage"/> for every message in the datagram, in order.</summary>
        public static void Parse(byte[] data, int offset, int length, Action<OscMessage> onMessage)
        {
            if (offset < 0 || length < 0 || offset + length > data.Length)
                throw new ArgumentOutOfRangeException(nameof(length));
            if (IsBundle(data, offset, length))
                ParseBundle(data, offset, length, onMessage);
            else
                onMessage(ParseMessage(data, offset, length));
        }

        static bool IsBundle(byte[] data, int offset, int length)
        {
            if (length < BundleTag.Length) return false;
            for (var i = 0; i < BundleTag.Length; i++)
                if (data[offset + i] != BundleTag[i]) return false;
            return true;
        }

        static void ParseBundle(byte[] data, int offset, int length, Action<OscMessage> onMessage)
        {
            var end = offset + length;
            var pos = offset + BundleTag.Length + 8;  // the 8-byte time tag is not used
            if (pos > end) throw Error(offset, "bundle shorter than its 16-byte header");
            while (pos < end)
            {
                if (pos + 4 > end) throw Error(pos, "bundle element size runs past the end");
                var size = BigEndian.ReadInt(data, pos);
                pos += 4;
                if (size <= 0 || size % 4 != 0 || pos + size > end)
                    throw Error(pos - 4, $"bundle element size {size} is not a positive multiple of 4 within the datagram");
                Parse(data, pos, size, onMessage);
                pos += size;
            }
        }

        /// <summary>Parse one message that fills <c>data[offset, offset + length)</c>.</summary>
        public static OscMessage ParseMessage(byte[] data, int offset, int length)
        {
            var end = offset + length;
            if (length == 0 || data[offset] != (byte)'/')
                throw Error(offset, "an OSC message must start with '/'");
            var pos = offset;
            var address = ReadString(data, ref pos, end);
            // OSC 1.0 lets very old senders omit the type tags; nobody we talk to does.
            if (pos >= end || data[pos] != (byte)',')
                throw Error(pos, $"message {address} has no type-tag string");
            var tags = ReadString(data, ref pos, end).Substring(1);
            var offsets = new int[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                offsets[i] = pos;
                switch (tags[i])
                {
                    case 'i':
                    case 'f':
                    case 'c':
                    case 'r':
                    case 'm':
                        pos += 4;
                        break;
                    case 'h':
                    case 'd':
                    case 't':
                        pos += 8;
                        break;
                    case 's':
                    case 'S':
                        try
                        {
                            ReadString(data, ref pos, end);
                        }
                        catch (TalkRigFormatException e)
                        {
                            throw new TalkRigFormatException($"{e.Message} (message {address} ,{tags}, argument {i})");
                        }
                        break;
                    case 'b':
                        if (pos + 4 > end) throw Error(pos, $"message {address}: blob size runs past the end");
                        var size = BigEndian.ReadInt(data, pos);
                        if (size < 0) throw Error(pos, $"message {address}: negative blob size");
                        pos += 4 + Pad(size);
                        break;
                    case 'T':
                    case 'F':
                    case 'N':
                    case 'I':
                        break;
                    default:
                        throw Error(pos, $"message {address}: unknown type tag '{tags[i]}'");
                }
                if (pos > end)
                    throw Error(offsets[i], $"message {address} ,{tags}: argument {i} runs past the end of the {length}-byte datagram");
            }
            return new OscMessage(data, address, tags, offsets);
        }

        static string ReadString(byte[] data, ref int pos, int end)
        {
            var start = pos;
            var nul = Array.IndexOf(data, (byte)0, start, end - start);
            if (nul < 0) throw Error(start, "string has no terminating NUL");
            var next = start + Pad(nul - start + 1);
            if (next > end) throw Error(start, "string padding runs past the end");
            for (var i = nul; i < next; i++)
                if (data[i] != 0) throw Error(i, "string padding is not NUL");
            pos = next;
            return Encoding.UTF8.GetString(data, start, nul - start);
        }

        static int Pad(int size) => (size + 3) & ~3;

        static TalkRigFormatException Error(int offset, string problem) =>
            new TalkRigFormatException($"malformed OSC at byte {offset}: {problem}");
    }
}
