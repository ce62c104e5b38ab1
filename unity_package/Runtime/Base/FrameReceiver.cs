using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace TalkRig.Receiver
{
    /// <summary>
    /// A UDP socket and its receive thread: datagram → <see cref="TalkRigDecoder"/> →
    /// <see cref="SequenceGate"/> → <c>onFrame</c>. The callbacks run on the receive thread;
    /// in Unity they post into a <see cref="FrameInbox"/> that <c>Update</c> drains. No datagram
    /// stops the thread: a malformed one is counted (<see cref="ErrorCount"/>), any other
    /// exception (from <c>onFrame</c>, or a decoder bug) too (<see cref="FaultCount"/>), a frame
    /// with NaN or ±∞ is dropped (<see cref="NonFiniteCount"/>); <see cref="LastError"/> says
    /// what happened last. Construct and <see cref="Dispose"/> on any one thread; Dispose joins
    /// the receive thread.
    /// </summary>
    public sealed class FrameReceiver : IDisposable
    {
        // The thread checks for shutdown between receives; 100 ms keeps Dispose (and Unity's
        // domain reload) quick without spinning.
        const int ReceiveTimeoutMs = 100;

        readonly Socket _socket;
        readonly Thread _thread;
        readonly TalkRigDecoder _decoder;
        readonly SequenceGate _gate = new SequenceGate();
        readonly Action<FaceFrame> _onFrame;
        readonly object _statsLock = new object();
        volatile bool _running = true;
        long _datagrams, _frames, _stale, _errors, _faults, _nonFinite;
        string _lastError;

        /// <param name="port">UDP port to listen on (39541 by default in TalkRig; 0 = any free port).</param>
        /// <param name="onFrame">each fresh, complete frame (receive thread).</param>
        /// <param name="onHello">each /talkrig/hello (receive thread), may be null.</param>
        /// <param name="address">interface to bind, <see cref="IPAddress.Any"/> when null.</param>
        /// <param name="vmcAvatar">avatar id for frames built from VMC messages.</param>
        public FrameReceiver(int port, Action<FaceFrame> onFrame, Action<TalkRigHello> onHello = null,
            IPAddress address = null, string vmcAvatar = "default")
        {
            _onFrame = onFrame ?? throw new ArgumentNullException(nameof(onFrame));
            _decoder = new TalkRigDecoder(vmcAvatar);
            _decoder.FrameDecoded += OnDecoded;
            if (onHello != null) _decoder.HelloReceived += onHello;
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                _socket.ReceiveTimeout = ReceiveTimeoutMs;
                // Mono turns SO_REUSEADDR on by default; a second receiver on the same port would
                // then steal half the datagrams instead of failing clearly.
                _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
                _socket.Bind(new IPEndPoint(address ?? IPAddress.Any, port));
            }
            catch (SocketException)
            {
                _socket.Close();
                throw;
            }
            Port = ((IPEndPoint)_socket.LocalEndPoint).Port;
            _thread = new Thread(Run) { IsBackground = true, Name = "TalkRig receiver :" + Port };
            _thread.Start();
        }

        /// <summary>The bound port (useful after binding port 0).</summary>
        public int Port { get; }

        public long DatagramCount { get { lock (_statsLock) return _datagrams; } }
        public long FrameCount { get { lock (_statsLock) return _frames; } }
        /// <summary>Frames dropped because a newer one of the same avatar had arrived.</summary>
        public long StaleCount { get { lock (_statsLock) return _stale; } }
        /// <summary>Malformed datagrams (each raised a <see cref="TalkRigFormatException"/>).</summary>
        public long ErrorCount { get { lock (_statsLock) return _errors; } }
        /// <summary>Other exceptions caught on the receive thread: thrown by <c>onFrame</c> or
        /// <c>onHello</c>, a failed receive, or a bug in the decoder. Each cost at most one datagram.</summary>
        public long FaultCount { get { lock (_statsLock) return _faults; } }
        /// <summary>Frames, landmark chunks and VMC values dropped because a float was NaN or infinite.</summary>
        public long NonFiniteCount { get { lock (_statsLock) return _nonFinite; } }
        public string LastError { get { lock (_statsLock) return _lastError; } }

        void Run()
        {
            var buffer = new byte[65536];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            while (_running)
            {
                int length;
                try
                {
                    length = _socket.ReceiveFrom(buffer, ref from);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut
                                                || e.SocketErrorCode == SocketError.WouldBlock)
                {
                    continue;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    continue;  // Windows reports an ICMP "port unreachable" of an earlier send here
                }
                catch (Exception e) when (!_running && (e is SocketException || e is ObjectDisposedException))
                {
                    return;  // Dispose closed the socket under a blocking receive
                }
                catch (Exception e)
                {
                    RecordFault($"receive: {e.GetType().Name}: {e.Message}");
                    Thread.Sleep(ReceiveTimeoutMs);  // a socket that keeps failing must not spin a core
                    continue;
                }
                lock (_statsLock) _datagrams++;
                Decode(buffer, length, from);
            }
        }

        // One datagram; whatever it throws ends here, so the next datagram is read.
        void Decode(byte[] buffer, int length, EndPoint from)
        {
            try
            {
                _decoder.Decode(buffer, 0, length);
            }
            catch (TalkRigFormatException e)
            {
                RecordError($"datagram from {from}: {e.Message}");
            }
            catch (Exception e)
            {
                RecordFault($"datagram from {from}: {e.GetType().Name}: {e.Message}");
            }
            finally
            {
                lock (_statsLock) _nonFinite = _decoder.NonFiniteCount;
            }
        }

        void OnDecoded(FaceFrame frame)
        {
            if (!_gate.Accept(frame.Avatar, frame.Sequence))
            {
                lock (_statsLock) _stale++;
                return;
            }
            lock (_statsLock) _frames++;
            // Caught here rather than by Decode, so the other messages of a bundle still count.
            try
            {
                _onFrame(frame);
            }
            catch (Exception e)
            {
                RecordFault($"onFrame threw {e.GetType().Name}: {e.Message}");
            }
        }

        void RecordError(string message)
        {
            lock (_statsLock)
            {
                _errors++;
                _lastError = message;
            }
        }

        void RecordFault(string message)
        {
            lock (_statsLock)
            {
                _faults++;
                _lastError = message;
            }
        }

        /// <summary>Stop the thread (waits at most about one receive timeout) and close the socket.</summary>
        public void Dispose()
        {
            if (!_running) return;
            _running = false;
            if (!_thread.Join(ReceiveTimeoutMs * 5)) _socket.Close();
            _thread.Join(ReceiveTimeoutMs * 5);
            _socket.Close();
        }
    }
}
