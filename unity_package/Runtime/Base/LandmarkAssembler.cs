using System;
using System.Collections.Generic;

namespace TalkRig.Receiver
{
    /// <summary>One /talkrig/landmarks message: a slice of a landmark frame.</summary>
    public sealed class LandmarkChunk
    {
        public string Avatar;
        public int Sequence;
        public long CaptureTimeUs;
        public bool Voiced;
        public int Points;
        public int Dims;
        public int ChunkIndex;
        public int ChunkCount;
        public int FirstPoint;
        /// <summary><c>pointsInChunk × Dims</c> coordinates.</summary>
        public float[] Coordinates;
    }

    /// <summary>
    /// Reassembles landmark chunks into complete frames (docs/osc-address-space.md): a frame is
    /// emitted only when all its chunk indices arrived; older partial frames of that avatar are
    /// then dropped, and chunks of a frame older than the last completed one are ignored, so a
    /// frame is never made of two sequences. At most <see cref="MaxPendingFrames"/> frames wait
    /// in all (about 2 MB at <see cref="MaxPoints"/>): past that a flood of made-up avatars or
    /// sequences is given up whole. Receive thread only (not thread-safe).
    /// </summary>
    public sealed class LandmarkAssembler
    {
        // Frames still waiting for chunks, per avatar; more than this means loss, not reordering.
        const int MaxPending = 4;

        /// <summary>Largest frame accepted (models send 68 or 478), so a corrupt header cannot
        /// make the receiver allocate gigabytes.</summary>
        public const int MaxPoints = 10000;

        /// <summary>Frames waiting for chunks, all avatars together, at most.</summary>
        public const int MaxPendingFrames = 16;

        sealed class Pending
        {
            public LandmarkChunk First;
            public bool[] Received;
            public int ReceivedCount;
            public float[] Coordinates;
        }

        readonly Dictionary<string, List<Pending>> _pending = new Dictionary<string, List<Pending>>();
        readonly SequenceGate _completed = new SequenceGate();
        int _pendingFrames;

        /// <summary>Frames given up because a newer one completed first (or too many were open).</summary>
        public int DroppedPartialFrames { get; private set; }

        /// <summary>Frames waiting for chunks now (at most <see cref="MaxPendingFrames"/>).</summary>
        public int PendingFrameCount => _pendingFrames;

        /// <summary>
        /// Add a chunk; returns the complete frame when this chunk finished it, else null.
        /// Throws <see cref="TalkRigFormatException"/> when the chunk contradicts itself or the
        /// other chunks of its frame.
        /// </summary>
        public FaceFrame Add(LandmarkChunk chunk)
        {
            Validate(chunk);
            if (!_completed.IsFresh(chunk.Avatar, chunk.Sequence)) return null;
            _pending.TryGetValue(chunk.Avatar, out var open);
            var frame = open?.Find(p => p.First.Sequence == chunk.Sequence);
            if (frame == null)
                frame = Open(chunk);
            else if (frame.First.Points != chunk.Points || frame.First.Dims != chunk.Dims
                     || frame.First.ChunkCount != chunk.ChunkCount)
            {
                throw new TalkRigFormatException(
                    $"/talkrig/landmarks avatar {chunk.Avatar} sequence {chunk.Sequence}: chunk {chunk.ChunkIndex} says " +
                    $"{chunk.Points}×{chunk.Dims} in {chunk.ChunkCount} chunks, an earlier chunk said " +
                    $"{frame.First.Points}×{frame.First.Dims} in {frame.First.ChunkCount}");
            }
            if (frame.Received[chunk.ChunkIndex]) return null;  // a duplicated datagram
            frame.Received[chunk.ChunkIndex] = true;
            frame.ReceivedCount++;
            Array.Copy(chunk.Coordinates, 0, frame.Coordinates, chunk.FirstPoint * chunk.Dims, chunk.Coordinates.Length);
            if (frame.ReceivedCount < chunk.ChunkCount) return null;

            _completed.Accept(chunk.Avatar, chunk.Sequence);
            open = _pending[chunk.Avatar];
            DroppedPartialFrames += open.Count - 1;
            _pendingFrames -= open.Count;
            _pending.Remove(chunk.Avatar);
            var first = frame.First;
            return new FaceFrame(first.Avatar, first.Sequence, first.CaptureTimeUs, first.Voiced,
                first.Dims == 2 ? Representation.Landmarks2D : Representation.Landmarks3D,
                null, frame.Coordinates, first.Points, first.Dims);
        }

        Pending Open(LandmarkChunk chunk)
        {
            if (_pendingFrames >= MaxPendingFrames)
            {
                DroppedPartialFrames += _pendingFrames;
                _pendingFrames = 0;
                _pending.Clear();
            }
            if (!_pending.TryGetValue(chunk.Avatar, out var open))
                _pending[chunk.Avatar] = open = new List<Pending>();
            if (open.Count == MaxPending)
            {
                open.RemoveAt(0);
                DroppedPartialFrames++;
                _pendingFrames--;
            }
            var frame = new Pending
            {
                First = chunk,
                Received = new bool[chunk.ChunkCount],
                Coordinates = new float[chunk.Points * chunk.Dims],
            };
            open.Add(frame);
            _pendingFrames++;
            return frame;
        }

        static void Validate(LandmarkChunk c)
        {
            string problem = null;
            var n = c.Coordinates == null ? -1 : c.Coordinates.Length;
            if (c.Points <= 0 || c.Points > MaxPoints) problem = $"points {c.Points} is outside 1..{MaxPoints}";
            else if (c.Dims != 2 && c.Dims != 3) problem = $"dims {c.Dims} is not 2 or 3";
            else if (c.ChunkCount <= 0 || c.ChunkCount > c.Points || c.ChunkIndex < 0 || c.ChunkIndex >= c.ChunkCount)
                problem = $"chunk index {c.ChunkIndex} is outside 0..count-1 (count {c.ChunkCount})";
            else if (n <= 0 || n % c.Dims != 0) problem = $"{n} coordinates is not a positive multiple of dims {c.Dims}";
            // Points - count, not FirstPoint + count: a FirstPoint near int.MaxValue would wrap the sum.
            else if (c.FirstPoint < 0 || c.FirstPoint > c.Points - n / c.Dims)
                problem = $"points {c.FirstPoint}..{(long)c.FirstPoint + n / c.Dims - 1} fall outside the frame's {c.Points} points";
            if (problem != null)
                throw new TalkRigFormatException(
                    $"/talkrig/landmarks avatar {c.Avatar} sequence {c.Sequence}: {problem}");
        }
    }
}
