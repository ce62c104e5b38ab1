// A console stand-in for the Unity component: the compiled receiver core (FrameReceiver →
// TalkRigDecoder → SequenceGate) on loopback, printing each frame it would hand to Unity as one
// JSON line. Built and driven by test_unity_core.py; not part of the Unity package.
//
// Usage: mono ReceiverHarness.exe SECONDS
// Prints {"ready": PORT} once listening, then {"hello": ...} / {"frame": ...} lines; exits when
// stdin closes or after SECONDS, printing {"stats": ...}.
using System;
using System.Globalization;
using System.Net;
using System.Text;
using System.Threading;
using TalkRig.Receiver;

static class ReceiverHarness
{
    static readonly object Lock = new object();

    static int Main(string[] args)
    {
        var seconds = double.Parse(args[0], CultureInfo.InvariantCulture);
        using (var receiver = new FrameReceiver(0, PrintFrame, PrintHello, IPAddress.Loopback))
        {
            Print($"{{\"ready\": {receiver.Port}}}");
            var stdinClosed = new Thread(() => { while (Console.In.ReadLine() != null) { } }) { IsBackground = true };
            stdinClosed.Start();
            stdinClosed.Join(TimeSpan.FromSeconds(seconds));
            Print($"{{\"stats\": {{\"datagrams\": {receiver.DatagramCount}, \"frames\": {receiver.FrameCount}, " +
                  $"\"stale\": {receiver.StaleCount}, \"errors\": {receiver.ErrorCount}, " +
                  $"\"faults\": {receiver.FaultCount}, \"non_finite\": {receiver.NonFiniteCount}, " +
                  $"\"last_error\": {Quote(receiver.LastError ?? "")}}}}}");
        }
        return 0;
    }

    static void PrintFrame(FaceFrame f)
    {
        var values = f.Blendshapes ?? f.Landmarks;
        var bits = new StringBuilder();
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0) bits.Append(',');
            bits.Append(BitConverter.ToUInt32(BitConverter.GetBytes(values[i]), 0));
        }
        Print($"{{\"frame\": {{\"avatar\": {Quote(f.Avatar)}, \"sequence\": {f.Sequence}, " +
              $"\"capture_us\": {f.CaptureTimeUs}, \"voiced\": {(f.Voiced ? "true" : "false")}, " +
              $"\"representation\": \"{f.Representation}\", \"points\": {f.Points}, \"dims\": {f.Dims}, " +
              $"\"bits\": [{bits}]}}}}");
    }

    static void PrintHello(TalkRigHello h)
    {
        Print($"{{\"hello\": {{\"version\": {h.Version}, \"avatar\": {Quote(h.Avatar)}, " +
              $"\"representation\": {Quote(h.Representation)}, \"count\": {h.Count}, \"dims\": {h.Dims}, " +
              $"\"fps\": {h.FramesPerSecond}}}}}");
    }

    // ASCII-only JSON strings, so the console encoding cannot garble an avatar id.
    static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') sb.AppendFormat("\\u{0:x4}", (int)c);
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    static void Print(string line)
    {
        lock (Lock)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }
}
