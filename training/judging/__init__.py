"""Judging: exported or trained models scored on real material they never learned.

The paper's metrics, the real-speech judge, the label ceiling and speaker invariance. Reads
``data`` and ``learning``; they never import it (except the learning CLI).
"""
