using System.Collections.Generic;

namespace TalkRig.Receiver
{
    /// <summary>What a frame carries (the <c>representation</c> of /talkrig/hello).</summary>
    public enum Representation
    {
        Blendshapes,
        Landmarks2D,
        Landmarks3D,
    }

    /// <summary>
    /// One complete face frame, immutable once built. Created on the receive thread, handed to
    /// the main thread through <see cref="FrameInbox"/>; arrays must not be changed by readers.
    /// </summary>
    public sealed class FaceFrame
    {
        public FaceFrame(string avatar, int sequence, long captureTimeUs, bool voiced,
            Representation representation, float[] blendshapes, float[] landmarks, int points, int dims,
            IReadOnlyDictionary<string, float> extraValues = null)
        {
            Avatar = avatar;
            Sequence = sequence;
            CaptureTimeUs = captureTimeUs;
            Voiced = voiced;
            Representation = representation;
            Blendshapes = blendshapes;
            Landmarks = landmarks;
            Points = points;
            Dims = dims;
            ExtraValues = extraValues ?? Empty;
        }

        static readonly IReadOnlyDictionary<string, float> Empty = new Dictionary<string, float>();

        /// <summary>Avatar id the frame is meant for (VMC frames: the accumulator's avatar).</summary>
        public string Avatar { get; }

        /// <summary>Frame number from the sender (VMC: counted by the receiver).</summary>
        public int Sequence { get; }

        /// <summary>Capture time, microseconds since the UNIX epoch (UTC); 0 when unknown (VMC).</summary>
        public long CaptureTimeUs { get; }

        /// <summary>False while the sender's silence gate holds the face at rest.</summary>
        public bool Voiced { get; }

        public Representation Representation { get; }

        /// <summary>52 values in canonical ARKit order, [0, 1]; null for landmark frames.</summary>
        public float[] Blendshapes { get; }

        /// <summary><c>Points × Dims</c> coordinates x0, y0[, z0], x1, …; null for blendshape frames.</summary>
        public float[] Landmarks { get; }

        public int Points { get; }

        public int Dims { get; }

        /// <summary>VMC values whose names are not ARKit names (e.g. VRM presets A, I, U, Blink).</summary>
        public IReadOnlyDictionary<string, float> ExtraValues { get; }
    }

    /// <summary>A /talkrig/hello announcement: what a sender is about to stream.</summary>
    public sealed class TalkRigHello
    {
        public TalkRigHello(int version, string avatar, string representation, int count, int dims, int framesPerSecond)
        {
            Version = version;
            Avatar = avatar;
            Representation = representation;
            Count = count;
            Dims = dims;
            FramesPerSecond = framesPerSecond;
        }

        public int Version { get; }
        public string Avatar { get; }
        /// <summary>"blendshapes", "landmarks2d" or "landmarks3d".</summary>
        public string Representation { get; }
        public int Count { get; }
        public int Dims { get; }
        public int FramesPerSecond { get; }

        public override string ToString() =>
            $"TalkRig connected: avatar {Avatar}, {Representation} @ {FramesPerSecond} fps";
    }
}
