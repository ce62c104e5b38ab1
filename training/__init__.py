"""The training pipeline: corpora, labels, PDM, networks, fit, metrics, export.

The only place that imports torch (and MediaPipe / dlib for labels), always inside functions or
the modules that need it, so building the ``talkrig train`` parser stays cheap.
"""
