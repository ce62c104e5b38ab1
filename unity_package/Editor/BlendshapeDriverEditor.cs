using UnityEditor;
using UnityEngine;

namespace TalkRig.Receiver.Editor
{
    /// <summary>The driver's inspector: an Auto-map button, the coverage line and the unmapped names.</summary>
    [CustomEditor(typeof(BlendshapeDriver))]
    sealed class BlendshapeDriverEditor : UnityEditor.Editor
    {
        bool _showArkit = true;
        bool _showMesh;

        public override void OnInspectorGUI()
        {
            var driver = (BlendshapeDriver)target;
            DrawDefaultInspector();
            EditorGUILayout.Space();
            if (GUILayout.Button("Auto-map"))
            {
                Undo.RecordObject(driver, "TalkRig auto-map");
                driver.AutoMap();
                EditorUtility.SetDirty(driver);
            }
            var unmapped = driver.UnmappedArkitNames;
            EditorGUILayout.HelpBox(driver.CoverageSummary, unmapped.Count == 0 ? MessageType.Info : MessageType.Warning);
            _showArkit = EditorGUILayout.Foldout(_showArkit, $"ARKit shapes without a mesh blendshape ({unmapped.Count})");
            if (_showArkit)
                using (new EditorGUI.IndentLevelScope())
                    foreach (var name in unmapped) EditorGUILayout.LabelField(name);
            var meshNames = driver.UnmappedMeshNames;
            _showMesh = EditorGUILayout.Foldout(_showMesh, $"Mesh blendshapes left alone ({meshNames.Count})");
            if (_showMesh)
            {
                using (new EditorGUI.IndentLevelScope())
                    foreach (var name in meshNames) EditorGUILayout.LabelField(name);
                EditorGUILayout.HelpBox("Add a Custom Names entry to drive one of these from an ARKit value.", MessageType.None);
            }
        }
    }
}
