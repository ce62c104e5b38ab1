"""The training pipeline (the only place that imports torch).

Not built yet: see the training issue.
"""
