using System.Text;

namespace TalkRig.Receiver.Internal
{
    /// <summary>
    /// One parsed OSC 1.0 message: its address, type tags and the byte offset of each argument
    /// inside the datagram it was read from (values are decoded on demand, so a message with
    /// 52 floats costs one small array). Valid only while that buffer is unchanged: read the
    /// values you need inside the callback of <see cref="OscParser.Parse"/>.
    /// </summary>
    public sealed class OscMessage
    {
        readonly byte[] _data;
        readonly int[] _offsets;

        internal OscMessage(byte[] data, string address, string tags, int[] offsets)
        {
            _data = data;
            Address = address;
            Tags = tags;
            _offsets = offsets;
        }

        /// <summary>The address pattern, e.g. <c>/talkrig/blendshapes</c>.</summary>
        public string Address { get; }

        /// <summary>The type tags without the leading comma, e.g. <c>siiiiff…</c>.</summary>
        public string Tags { get; }

        public int Count => Tags.Length;

        public int GetInt(int index)
        {
            Expect(index, 'i');
            return BigEndian.ReadInt(_data, _offsets[index]);
        }

        public float GetFloat(int index)
        {
            Expect(index, 'f');
            return BigEndian.ReadFloat(_data, _offsets[index]);
        }

        public string GetString(int index)
        {
            Expect(index, 's');
            var start = _offsets[index];
            var end = start;
            while (_data[end] != 0) end++;
            return Encoding.UTF8.GetString(_data, start, end - start);
        }

        void Expect(int index, char tag)
        {
            if (index < 0 || index >= Tags.Length || Tags[index] != tag)
                throw new TalkRigFormatException(
                    $"OSC message {Address} ,{Tags}: argument {index} is not of type '{tag}'");
        }
    }
}
