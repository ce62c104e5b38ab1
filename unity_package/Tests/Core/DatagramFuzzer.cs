using System;
using System.Collections.Generic;
using System.Text;

namespace TalkRig.Receiver.Tests
{
    /// <summary>
    /// Deterministic hostile datagrams made from seed datagrams (the golden fixtures): 32-bit
    /// words set to the sizes that overflow signed arithmetic, truncations, bit flips, changed
    /// type tags, non-finite floats, splices, inserted or deleted words, and bundles nested from
    /// one to a few hundred levels. The same seed gives the same datagrams on every runtime
    /// (its own xorshift, not <see cref="Random"/>), so a failure is reproduced by its index.
    /// </summary>
    public sealed class DatagramFuzzer
    {
        /// <summary>Words that break size arithmetic: zero, −1, near and at int.MaxValue, int.MinValue.</summary>
        public static readonly int[] HostileWords =
        {
            0, -1, 0x7FFFFFFC, 0x7FFFFFFF, unchecked((int)0x80000000), unchecked((int)0xFFFFFFFC),
            1, 3, 4, 8, 16, 0xFFFF, 0x10000,
        };

        // NaN, -NaN, +inf, -inf, the largest float, a denormal.
        static readonly int[] FloatWords =
        {
            0x7FC00000, unchecked((int)0xFFC00000), 0x7F800000, unchecked((int)0xFF800000), 0x7F7FFFFF, 1,
        };

        const string TypeTags = "ifsbhdtcrmSTFNI[]x\0";
        static readonly byte[] BundleHeader = Encoding.ASCII.GetBytes("#bundle\0\0\0\0\0\0\0\0\x01");

        readonly List<byte[]> _seeds;
        ulong _state;

        /// <param name="seeds">datagrams to mutate (not changed).</param>
        /// <param name="seed">any number; 0 is replaced (xorshift needs a non-zero state).</param>
        public DatagramFuzzer(IEnumerable<byte[]> seeds, ulong seed)
        {
            _seeds = new List<byte[]>(seeds);
            _seeds.AddRange(SyntheticSeeds());
            _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
        }

        /// <summary>Messages of the OSC types the golden fixtures lack (blobs, 64-bit values).</summary>
        public static IEnumerable<byte[]> SyntheticSeeds()
        {
            yield return Osc("/blob", ",bs", Word(8), new byte[8], Encoding.ASCII.GetBytes("abc\0"));
            yield return Osc("/all", ",ifshdtTFNIbc", Word(7), Word(0x3F000000), Encoding.ASCII.GetBytes("x\0\0\0"),
                new byte[24], Word(4), new byte[4], Word(65));
            yield return Bundle(Bundle(Osc("/VMC/Ext/Blend/Apply", ",")), Osc("/x", ",i", Word(1)));
        }

        /// <summary>The next hostile datagram.</summary>
        public byte[] Next()
        {
            var data = (byte[])_seeds[Below(_seeds.Count)].Clone();
            for (var n = 1 + Below(3); n > 0; n--) data = Mutate(data);
            return data;
        }

        byte[] Mutate(byte[] d)
        {
            switch (Below(11))
            {
                case 0: return SetWord(d, Below(d.Length / 4 + 1) * 4, HostileWords[Below(HostileWords.Length)]);
                case 1: return SetWord(d, Below(Math.Min(d.Length, 128) / 4 + 1) * 4, HostileWords[Below(HostileWords.Length)]);
                case 2: return SetWord(d, Below(d.Length / 4 + 1) * 4, FloatWords[Below(FloatWords.Length)]);
                case 3: return Truncate(d);
                case 4: return FlipBits(d);
                case 5: return SetTypeTag(d);
                case 6: return Splice(d, _seeds[Below(_seeds.Count)]);
                case 7: return InsertOrDeleteWord(d);
                case 8: return Nest(d, 1 + Below(4));
                case 9: return Below(20) == 0 ? Nest(d, 50 + Below(300)) : Bundle(d, _seeds[Below(_seeds.Count)]);
                default: return SetByte(d);
            }
        }

        static byte[] SetWord(byte[] d, int at, int value)
        {
            if (at + 4 > d.Length) return d;
            d[at] = (byte)(value >> 24);
            d[at + 1] = (byte)(value >> 16);
            d[at + 2] = (byte)(value >> 8);
            d[at + 3] = (byte)value;
            return d;
        }

        byte[] Truncate(byte[] d)
        {
            var length = Below(d.Length + 1);
            if (Below(2) == 0) length &= ~3;
            var cut = new byte[length];
            Array.Copy(d, cut, length);
            return cut;
        }

        byte[] FlipBits(byte[] d)
        {
            if (d.Length == 0) return d;
            for (var n = 1 + Below(8); n > 0; n--) d[Below(d.Length)] ^= (byte)(1 << Below(8));
            return d;
        }

        byte[] SetByte(byte[] d)
        {
            if (d.Length == 0) return d;
            var specials = new[] { 0, (int)'/', (int)',', (int)'#', 0xFF, 0x80 };
            d[Below(d.Length)] = (byte)(Below(2) == 0 ? specials[Below(specials.Length)] : Below(256));
            return d;
        }

        byte[] SetTypeTag(byte[] d)
        {
            // The first ',' on a word boundary starts a type-tag string in every seed.
            for (var i = 4; i < d.Length; i += 4)
            {
                if (d[i] != (byte)',') continue;
                var end = Array.IndexOf(d, (byte)0, i);
                if (end < 0) end = d.Length;
                if (end - i > 1) d[i + 1 + Below(end - i - 1)] = (byte)TypeTags[Below(TypeTags.Length)];
                return d;
            }
            return d;
        }

        byte[] Splice(byte[] head, byte[] tail)
        {
            var a = Below(head.Length + 1);
            var b = Below(tail.Length + 1);
            var d = new byte[a + tail.Length - b];
            Array.Copy(head, d, a);
            Array.Copy(tail, b, d, a, tail.Length - b);
            return d;
        }

        byte[] InsertOrDeleteWord(byte[] d)
        {
            var at = Below(d.Length / 4 + 1) * 4;
            var list = new List<byte>(d);
            if (Below(2) == 0 && at + 4 <= d.Length) list.RemoveRange(at, 4);
            else list.InsertRange(at, Word(HostileWords[Below(HostileWords.Length)]));
            return list.ToArray();
        }

        static byte[] Nest(byte[] d, int depth)
        {
            for (var i = 0; i < depth; i++) d = Bundle(d);
            return d;
        }

        /// <summary>An OSC bundle of <paramref name="elements"/>, each with its true size.</summary>
        public static byte[] Bundle(params byte[][] elements)
        {
            var bytes = new List<byte>(BundleHeader);
            foreach (var e in elements)
            {
                bytes.AddRange(Word(e.Length));
                bytes.AddRange(e);
            }
            return bytes.ToArray();
        }

        /// <summary>An OSC message from its address, tag string and already encoded arguments.</summary>
        public static byte[] Osc(string address, string tags, params byte[][] arguments)
        {
            var bytes = new List<byte>(PaddedString(address));
            bytes.AddRange(PaddedString(tags));
            foreach (var a in arguments) bytes.AddRange(a);
            return bytes.ToArray();
        }

        /// <summary>A big-endian 32-bit word.</summary>
        public static byte[] Word(int value) =>
            new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value };

        static byte[] PaddedString(string text)
        {
            var raw = Encoding.UTF8.GetBytes(text);
            var padded = new byte[(raw.Length + 4) & ~3];
            Array.Copy(raw, padded, raw.Length);
            return padded;
        }

        // xorshift64*: deterministic everywhere, unlike System.Random across runtimes.
        int Below(int bound)
        {
            if (bound <= 0) return 0;
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return (int)(((_state * 0x2545F4914F6CDD1DUL) >> 33) % (ulong)bound);
        }
    }
}
