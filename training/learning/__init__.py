"""Learning: networks, config, the dataset of 40 ms windows, fit, folds, PDM, face maps, export.

Reads what ``data`` writes; never imports ``judging`` except in its CLI (``fit``, ``cv`` and
``export`` score what they made).
"""
