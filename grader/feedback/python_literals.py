"""Small plain values written as Python source that evaluates to them exactly (floats with every
digit, arrays as ``np.array([...])``), for the snippets that rebuild a case.
"""
from __future__ import annotations

import numpy as np


def as_literal(value, limit: int = 60) -> str | None:
    """Python source that evaluates to ``value`` exactly, for small plain values."""
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return repr(int(value))
    if isinstance(value, (float, np.floating)):
        return float_literal(float(value))
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return None
        if value.size and not value.any():
            return f"np.zeros({value.shape!r})"
        if value.size > limit:
            return None
        listed = _nested(value.tolist())
        dtype = "" if value.dtype == np.float64 else f", dtype=np.{value.dtype.name}"
        return f"np.array({listed}{dtype})"
    if isinstance(value, (tuple, list)):
        items = [as_literal(item, limit) for item in value]
        if any(item is None for item in items):
            return None
        if isinstance(value, tuple):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return "[" + ", ".join(items) + "]"
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        items = {key: as_literal(item, limit) for key, item in value.items()}
        if any(item is None for item in items.values()):
            return None
        return "{" + ", ".join(f"{key!r}: {item}" for key, item in items.items()) + "}"
    return None


def float_literal(number: float) -> str:
    if np.isnan(number):
        return "np.nan"
    if np.isinf(number):
        return "np.inf" if number > 0 else "-np.inf"
    return repr(number)


def _nested(items) -> str:
    if isinstance(items, list):
        return "[" + ", ".join(_nested(item) for item in items) + "]"
    if isinstance(items, float):
        return float_literal(items)
    return repr(items)
