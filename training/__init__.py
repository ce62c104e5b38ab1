"""The training pipeline, one subpackage per job: ``data`` (corpora, labels, bootstrap voices),
``learning`` (networks, fit, folds, export) and ``judging`` (metrics, judge, ceiling).

The only place that imports torch (and MediaPipe / dlib for labels), always inside functions or
the modules that need it, so building the ``talkrig train`` parser stays cheap.
"""
