"""Trusted reference implementations used by the grader to compute expected values."""
