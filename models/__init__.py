"""Model files and the code that reads them: the ARKit table, the audio/model contract, the
model card, the registry and the ONNX Runtime session."""
