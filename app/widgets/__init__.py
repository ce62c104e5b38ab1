"""The window's widgets: each shows one part of a frame or of the metrics (GUI thread only)."""
