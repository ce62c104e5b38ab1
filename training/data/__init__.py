"""Making data: corpora → manifest + per-utterance labels, and the synthetic bootstrap corpus.

Corpus readers, video decoding and the face trackers that label it (MediaPipe, dlib), the
espeak-ng and neural voices with forced alignment, the viseme table, prosody, audio augmentation,
non-speech sounds and the held-out list (``holdout/``). Nothing here imports ``learning`` or
``judging``.
"""
