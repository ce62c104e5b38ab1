using UnityEditor;

namespace TalkRig.Receiver.Editor
{
    /// <summary>The receiver's inspector: what is connected, counters and the last error (play mode).</summary>
    [CustomEditor(typeof(TalkRigReceiver))]
    sealed class TalkRigReceiverEditor : UnityEditor.Editor
    {
        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            if (!EditorApplication.isPlaying) return;
            var receiver = (TalkRigReceiver)target;
            var hello = receiver.LastHello;
            EditorGUILayout.HelpBox(hello != null ? hello.ToString() : "Waiting for TalkRig…", MessageType.None);
            EditorGUILayout.HelpBox(receiver.Status, MessageType.None);
        }

        // The counters change every frame while playing.
        public override bool RequiresConstantRepaint() => EditorApplication.isPlaying;
    }
}
