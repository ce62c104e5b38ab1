using System;
using TalkRig.Receiver.Internal;

namespace TalkRig.Receiver
{
    /// <summary>
    /// Datagrams → frames and hellos: TalkRig's own address space (/talkrig/hello,
    /// /talkrig/blendshapes, /talkrig/landmarks, see docs/osc-address-space.md) and VMC
    /// blendshapes (/VMC/Ext/Blend/Val, /VMC/Ext/Blend/Apply, in bundles or not). Other
    /// addresses are ignored, so the port can be shared. Receive thread only: the events fire
    /// on the thread that calls <see cref="Decode"/>. Frames are not ordered here (see
    /// <see cref="SequenceGate"/>); landmark frames are emitted only when complete. A frame,
    /// landmark chunk or VMC value holding NaN or ±∞ is dropped and counted
    /// (<see cref="NonFiniteCount"/>), so every frame emitted is finite.
    /// </summary>
    public sealed class TalkRigDecoder
    {
        public const int ProtocolVersion = 1;
        const string HelloAddress = "/talkrig/hello";
        const string BlendshapesAddress = "/talkrig/blendshapes";
        const string LandmarksAddress = "/talkrig/landmarks";
        const string VmcVal = "/VMC/Ext/Blend/Val";
        const string VmcApply = "/VMC/Ext/Blend/Apply";
        const int HeaderArgs = 5;          // avatar, sequence, time hi, time lo, flags
        const int LandmarkHeaderArgs = 10; // + points, dims, chunk index, chunk count, first point
        const int FlagVoiced = 1;

        readonly LandmarkAssembler _landmarks = new LandmarkAssembler();
        readonly VmcAccumulator _vmc;
        readonly Action<OscMessage> _onMessage;
        long _nonFinite;

        /// <param name="vmcAvatar">avatar id for frames built from VMC messages.</param>
        public TalkRigDecoder(string vmcAvatar = "default")
        {
            _vmc = new VmcAccumulator(vmcAvatar);
            _onMessage = Handle;
        }

        /// <summary>A complete frame arrived (receive thread).</summary>
        public event Action<FaceFrame> FrameDecoded;

        /// <summary>A /talkrig/hello arrived (receive thread).</summary>
        public event Action<TalkRigHello> HelloReceived;

        public LandmarkAssembler Assembler => _landmarks;

        /// <summary>Messages dropped because a float in them was NaN or infinite (receive thread).</summary>
        public long NonFiniteCount => _nonFinite;

        /// <summary>
        /// Decode one UDP payload. Throws <see cref="TalkRigFormatException"/> for a malformed
        /// datagram, whatever its bytes, and no other exception (besides
        /// <see cref="ArgumentException"/> for a range outside <paramref name="data"/>, and what
        /// the event handlers throw); frames completed before the bad message of a bundle are
        /// still delivered.
        /// </summary>
        public void Decode(byte[] data, int offset, int length) =>
            OscParser.Parse(data, offset, length, _onMessage);

        void Handle(OscMessage m)
        {
            // Decode before checking for subscribers: a malformed message must throw either way,
            // and landmark chunks must reach the assembler.
            FaceFrame frame = null;
            switch (m.Address)
            {
                case BlendshapesAddress:
                    frame = ReadBlendshapes(m);
                    if (!Finite.All(frame.Blendshapes)) frame = DropNonFinite();
                    break;
                case LandmarksAddress:
                    var chunk = ReadChunk(m);
                    frame = Finite.All(chunk.Coordinates) ? _landmarks.Add(chunk) : DropNonFinite();
                    break;
                case HelloAddress:
                    var hello = ReadHello(m);
                    HelloReceived?.Invoke(hello);
                    break;
                case VmcVal:
                    Require(m, m.Tags == "sf", "sf");
                    var value = m.GetFloat(1);
                    // Dropped, not zeroed: the avatar keeps the last good value, as for a lost message.
                    if (Finite.Is(value)) _vmc.Value(m.GetString(0), value);
                    else DropNonFinite();
                    break;
                case VmcApply:
                    frame = _vmc.Apply();
                    break;
            }
            if (frame != null) FrameDecoded?.Invoke(frame);
        }

        FaceFrame DropNonFinite()
        {
            _nonFinite++;
            return null;
        }

        static FaceFrame ReadBlendshapes(OscMessage m)
        {
            Require(m, m.Count == HeaderArgs + ArkitNames.Count && HeaderIs(m, "siiii", HeaderArgs), "siiii + 52 f");
            var values = new float[ArkitNames.Count];
            for (var i = 0; i < values.Length; i++) values[i] = m.GetFloat(HeaderArgs + i);
            return new FaceFrame(m.GetString(0), m.GetInt(1), CaptureTime(m), (m.GetInt(4) & FlagVoiced) != 0,
                Representation.Blendshapes, values, null, 0, 0);
        }

        static LandmarkChunk ReadChunk(OscMessage m)
        {
            Require(m, m.Count > LandmarkHeaderArgs && HeaderIs(m, "siiiiiiiii", LandmarkHeaderArgs), "siiiiiiiii + n f");
            var coordinates = new float[m.Count - LandmarkHeaderArgs];
            for (var i = 0; i < coordinates.Length; i++) coordinates[i] = m.GetFloat(LandmarkHeaderArgs + i);
            return new LandmarkChunk
            {
                Avatar = m.GetString(0),
                Sequence = m.GetInt(1),
                CaptureTimeUs = CaptureTime(m),
                Voiced = (m.GetInt(4) & FlagVoiced) != 0,
                Points = m.GetInt(5),
                Dims = m.GetInt(6),
                ChunkIndex = m.GetInt(7),
                ChunkCount = m.GetInt(8),
                FirstPoint = m.GetInt(9),
                Coordinates = coordinates,
            };
        }

        static TalkRigHello ReadHello(OscMessage m)
        {
            Require(m, m.Tags == "sissiii" && m.GetString(0) == "talkrig", "sissiii starting with \"talkrig\"");
            return new TalkRigHello(m.GetInt(1), m.GetString(2), m.GetString(3), m.GetInt(4), m.GetInt(5), m.GetInt(6));
        }

        // Unsigned 64-bit microseconds split into two int32 words (hi, lo).
        static long CaptureTime(OscMessage m) => ((long)(uint)m.GetInt(2) << 32) | (uint)m.GetInt(3);

        static bool HeaderIs(OscMessage m, string header, int count)
        {
            if (string.CompareOrdinal(m.Tags, 0, header, 0, count) != 0) return false;
            for (var i = count; i < m.Count; i++)
                if (m.Tags[i] != 'f') return false;
            return true;
        }

        static void Require(OscMessage m, bool ok, string expected)
        {
            if (!ok)
                throw new TalkRigFormatException(
                    $"OSC message {m.Address} has type tags ,{m.Tags} but ,{expected} is expected");
        }
    }
}
