using System.Runtime.InteropServices;

namespace TalkRig.Receiver.Internal
{
    /// <summary>Big-endian reads and writes of OSC's 32-bit words (any thread, no state).</summary>
    static class BigEndian
    {
        // Int32BitsToSingle is missing from .NET Framework 4.x and Unity's older profiles;
        // an explicit-layout union reinterprets the bits without unsafe code.
        [StructLayout(LayoutKind.Explicit)]
        struct Bits
        {
            [FieldOffset(0)] public int Int;
            [FieldOffset(0)] public float Float;
        }

        public static int ReadInt(byte[] data, int offset)
        {
            return (data[offset] << 24) | (data[offset + 1] << 16)
                 | (data[offset + 2] << 8) | data[offset + 3];
        }

        public static float ReadFloat(byte[] data, int offset)
        {
            var bits = new Bits { Int = ReadInt(data, offset) };
            return bits.Float;
        }

        public static void WriteInt(byte[] data, int offset, int value)
        {
            data[offset] = (byte)(value >> 24);
            data[offset + 1] = (byte)(value >> 16);
            data[offset + 2] = (byte)(value >> 8);
            data[offset + 3] = (byte)value;
        }

        public static int FloatBits(float value)
        {
            var bits = new Bits { Float = value };
            return bits.Int;
        }
    }
}
