"""Targets: one wire format per module, each a non-blocking sender that fails alone."""
