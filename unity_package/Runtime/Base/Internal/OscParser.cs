using System;
using System.Text;

namespace TalkRig.Receiver.Internal
{
    /// <summary>
    /// OSC 1.0 datagrams (a message or a bundle, bundles nested up to <see cref="MaxBundleDepth"/>
    /// levels) → messages. Stateless; called on the receive thread. Every size read from the
    /// wire is compared with the bytes left before it is used, so a hostile datagram cannot wrap
    /// the arithmetic: anything malformed throws one <see cref="TalkRigFormatException"/> naming
    /// the byte offset and the problem, and nothing else.
    /// </summary>
    public static class OscParser
    {
        static readonly byte[] BundleTag = Encoding.ASCII.GetBytes("#bundle\0");

        /// <summary>Deepest bundle nesting read; deeper is refused before the stack runs out.</summary>
        public const int MaxBundleDepth = 16;

        /// <summary>Call <paramref name="onMessage"/> for every message in the datagram, in order.</summary>
        public static void Parse(byte[] data, int offset, int length, Action<OscMessage> onMessage)
        {
            CheckRange(data, offset, length);
            ParseElement(data, offset, length, onMessage, 0);
        }

        // A caller's mistake, not a bad datagram: the arguments must name bytes inside the array.
        // Compared by subtraction, so no offset + length can wrap past int.MaxValue.
        static void CheckRange(byte[] data, int offset, int length)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            if (offset < 0 || length < 0 || length > data.Length - offset)
                throw new ArgumentOutOfRangeException(nameof(length),
                    $"bytes {offset}..+{length} are not inside the {data.Length}-byte buffer");
        }

        static void ParseElement(byte[] data, int offset, int length, Action<OscMessage> onMessage, int depth)
        {
            if (IsBundle(data, offset, length))
                ParseBundle(data, offset, length, onMessage, depth);
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

        static void ParseBundle(byte[] data, int offset, int length, Action<OscMessage> onMessage, int depth)
        {
            if (depth >= MaxBundleDepth)
                throw Error(offset, $"bundles nested deeper than {MaxBundleDepth} levels");
            var end = offset + length;
            if (length < BundleTag.Length + 8)  // the 8-byte time tag is not used
                throw Error(offset, "bundle shorter than its 16-byte header");
            var pos = offset + BundleTag.Length + 8;
            while (pos < end)
            {
                if (end - pos < 4) throw Error(pos, "bundle element size runs past the end");
                var size = BigEndian.ReadInt(data, pos);
                pos += 4;
                // end - pos, not pos + size: a size near int.MaxValue would wrap the sum negative.
                if (size <= 0 || size % 4 != 0 || size > end - pos)
                    throw Error(pos - 4, $"bundle element size {size} is not a positive multiple of 4 within the datagram");
                ParseElement(data, pos, size, onMessage, depth + 1);
                pos += size;
            }
        }

        /// <summary>Parse one message that fills <c>data[offset, offset + length)</c>.</summary>
        public static OscMessage ParseMessage(byte[] data, int offset, int length)
        {
            CheckRange(data, offset, length);
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
                var size = ArgumentSize(data, pos, end, address, tags, i);
                // Checked against the bytes left (a subtraction), never as pos + size.
                if (size > end - pos)
                    throw Error(pos, $"message {address} ,{tags}: argument {i} runs past the end of the {length}-byte datagram");
                pos += size;
            }
            return new OscMessage(data, address, tags, offsets);
        }

        // Bytes taken by argument i starting at pos (strings and blobs padded to 4).
        static int ArgumentSize(byte[] data, int pos, int end, string address, string tags, int i)
        {
            switch (tags[i])
            {
                case 'i':
                case 'f':
                case 'c':
                case 'r':
                case 'm':
                    return 4;
                case 'h':
                case 'd':
                case 't':
                    return 8;
                case 's':
                case 'S':
                    var start = pos;
                    try
                    {
                        ReadString(data, ref pos, end);
                    }
                    catch (TalkRigFormatException e)
                    {
                        throw new TalkRigFormatException($"{e.Message} (message {address} ,{tags}, argument {i})");
                    }
                    return pos - start;
                case 'b':
                    if (end - pos < 4) throw Error(pos, $"message {address}: blob size runs past the end");
                    var size = BigEndian.ReadInt(data, pos);
                    if (size < 0 || size > end - pos - 4)
                        throw Error(pos, $"message {address}: blob size {size} is outside 0..{end - pos - 4}, the bytes left");
                    return 4 + Pad(size);
                case 'T':
                case 'F':
                case 'N':
                case 'I':
                    return 0;
                default:
                    throw Error(pos, $"message {address}: unknown type tag '{tags[i]}'");
            }
        }

        static string ReadString(byte[] data, ref int pos, int end)
        {
            var start = pos;
            if (start >= end) throw Error(start, "string runs past the end");
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
