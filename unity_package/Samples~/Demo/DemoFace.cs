using UnityEngine;

namespace TalkRig.Receiver.Samples
{
    /// <summary>
    /// Builds a flat stand-in face at start: a 0.2 m grid with all 52 ARKit blendshapes, each a
    /// smooth bump or shift where that part of a face would be (eyes, brows, mouth, jaw, cheeks,
    /// nose). Not an avatar: enough to see every value move. Replace it with your own model.
    /// </summary>
    [RequireComponent(typeof(SkinnedMeshRenderer))]
    [DefaultExecutionOrder(-200)]
    public sealed class DemoFace : MonoBehaviour
    {
        const int Cells = 40;
        const float Size = 0.2f;

        void Awake()
        {
            GetComponent<SkinnedMeshRenderer>().sharedMesh = BuildMesh();
            var driver = GetComponent<BlendshapeDriver>();
            if (driver != null) driver.AutoMap();  // the mesh did not exist when it was enabled
        }

        static Mesh BuildMesh()
        {
            var vertices = new Vector3[(Cells + 1) * (Cells + 1)];
            for (var y = 0; y <= Cells; y++)
            for (var x = 0; x <= Cells; x++)
                vertices[y * (Cells + 1) + x] = new Vector3((x / (float)Cells - 0.5f) * Size, (y / (float)Cells - 0.5f) * Size, 0f);
            var triangles = new int[Cells * Cells * 6];
            for (int y = 0, t = 0; y < Cells; y++)
            for (var x = 0; x < Cells; x++, t += 6)
            {
                var i = y * (Cells + 1) + x;
                triangles[t] = i;
                triangles[t + 1] = i + Cells + 1;
                triangles[t + 2] = i + 1;
                triangles[t + 3] = i + 1;
                triangles[t + 4] = i + Cells + 1;
                triangles[t + 5] = i + Cells + 2;
            }
            var mesh = new Mesh { name = "TalkRig demo face", vertices = vertices, triangles = triangles };
            var deltas = new Vector3[vertices.Length];
            for (var s = 0; s < ArkitNames.Count; s++)
            {
                var name = ArkitNames.CamelCase(s);
                var centre = Centre(name);
                var direction = Direction(name);
                for (var v = 0; v < vertices.Length; v++)
                {
                    var d = (new Vector2(vertices[v].x, vertices[v].y) - centre).magnitude;
                    deltas[v] = direction * Mathf.Exp(-d * d / (2f * 0.012f * 0.012f));
                }
                mesh.AddBlendShapeFrame(name, 100f, deltas, null, null);
            }
            mesh.RecalculateNormals();
            mesh.RecalculateBounds();
            return mesh;
        }

        // Where on the face a shape acts (metres; +x is the face's left as seen by the viewer).
        static Vector2 Centre(string name)
        {
            var side = name.EndsWith("Left") ? -1f : name.EndsWith("Right") ? 1f : 0f;
            if (name.StartsWith("eye")) return new Vector2(0.04f * side, 0.03f);
            if (name.StartsWith("brow")) return new Vector2(0.04f * side, 0.06f);
            if (name.StartsWith("cheek")) return new Vector2(0.05f * (side == 0f ? 1f : side), -0.01f);
            if (name.StartsWith("nose")) return new Vector2(0.015f * side, 0.0f);
            if (name.StartsWith("jaw")) return new Vector2(0f, -0.08f);
            if (name.StartsWith("tongue")) return new Vector2(0f, -0.05f);
            return new Vector2(0.025f * side, -0.045f);  // mouth
        }

        // Which way it moves (metres at weight 100).
        static Vector3 Direction(string name)
        {
            const float Step = 0.012f;
            if (name == "jawLeft" || name == "mouthLeft") return new Vector3(-Step, 0f, 0f);
            if (name == "jawRight" || name == "mouthRight") return new Vector3(Step, 0f, 0f);
            if (name.Contains("Blink") || name.Contains("Down") || name == "jawOpen" || name.Contains("Frown"))
                return new Vector3(0f, -Step, 0f);
            if (name.Contains("Up") || name.Contains("Wide") || name.Contains("Smile") || name.Contains("Squint"))
                return new Vector3(0f, Step, 0f);
            return new Vector3(0f, 0f, -Step);  // towards the camera: pucker, funnel, puff, tongue…
        }
    }
}
