using System;

namespace TalkRig.Receiver
{
    /// <summary>
    /// A datagram that cannot be read: broken OSC, a TalkRig message with the wrong arguments,
    /// or landmark chunks that contradict each other. The message names the address (or the
    /// byte offset) and what is wrong; the receiver counts it and drops only that datagram.
    /// </summary>
    public sealed class TalkRigFormatException : FormatException
    {
        public TalkRigFormatException(string message) : base(message) { }
    }
}
