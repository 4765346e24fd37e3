"""Values output by output, for hints: reading one output (or one leaf of a dict output) of a
returned value, comparing it within the function's tolerance or as the same computation would
(``REPRODUCED``), and the context a generic detector looks at.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np



NUMERIC = (bool, int, float, np.generic, np.ndarray)


@dataclass(frozen=True)
class Context:
    path: str = ""
    others: dict = field(default_factory=dict)  # leaf path -> expected value, of the other outputs
    inputs: dict = field(default_factory=dict)  # name -> input array (and dict items: parameters["Wax"])
    got: np.ndarray | None = None  # the student's value of this leaf (a factor is read from it)
    whole_outputs: dict = field(default_factory=dict)  # output name -> expected value
    whole_inputs: dict = field(default_factory=dict)  # argument name -> value


# --------------------------------------------------------------------------- values by output


class _Reproduced:
    """Marks a comparison of a mistake's values with the student's: they must agree as the same
    computation does (up to rounding), not merely within the grading tolerance, which can be
    as large as values near 1e-6 themselves."""


REPRODUCED = _Reproduced()


def _reproduced_tolerance(want: np.ndarray):
    finite = np.abs(want[np.isfinite(want)]) if want.size else np.zeros(0)
    scale = float(finite.max()) if finite.size else 1.0
    return _Tolerance(rtol=1e-7, atol=1e-9 * scale if scale > 0 else 1e-300)


@dataclass(frozen=True)
class _Tolerance:
    rtol: float
    atol: float


def same_values(path, want, have, tolerance) -> bool:
    """Equal as ``compare.compare_value`` judges (structure, shape, NaN/inf, values within
    tolerance), without writing its messages: this runs thousands of times per hint. A NaN in
    the value to match where the student has a number counts as different."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and same_values(path, v, have[k], tolerance)
                                              for k, v in want.items())
    if isinstance(want, (tuple, list)):
        return (isinstance(have, (tuple, list)) and len(want) == len(have)
                and all(same_values(path, w, h, tolerance) for w, h in zip(want, have)))
    if isinstance(want, NUMERIC) or isinstance(want, complex):
        if not (isinstance(have, NUMERIC) or isinstance(have, complex)):
            return False
        want, have = np.asarray(want), np.asarray(have)
        if want.shape != have.shape or (have.dtype.kind == "c" and want.dtype.kind != "c"):
            return False
        if want.dtype.kind not in "biufc" or have.dtype.kind not in "biufc":
            return bool(np.array_equal(want, have))
        want = want.astype(np.float64) if want.dtype.kind in "biu" else want
        have = have.astype(np.float64) if have.dtype.kind in "biu" else have
        if tolerance is REPRODUCED:
            tolerance = _reproduced_tolerance(want)
        if want.size:  # most candidates differ at once: look at one element before them all
            w, h = want.flat[0], have.flat[0]
            if abs(h - w) > tolerance.atol + tolerance.rtol * abs(w):  # False for NaN, inf
                if not (w != w and h != h) and not (w == h):
                    return False
        if (~np.isfinite(have) & np.isfinite(want)).any():
            return False
        return bool(np.isclose(have, want, rtol=tolerance.rtol, atol=tolerance.atol, equal_nan=True).all())
    try:
        return bool(want == have)
    except Exception:  # noqa: BLE001
        return False


def same_return(function, want, have, tolerance=None) -> bool:
    if not has_outputs(function, have):
        return False
    return all(same_values(o, output_of(function, want, o), output_of(function, have, o), tolerance or function.tolerance)
               for o in function.compare)


def same_output(function, output, want, have) -> bool:
    try:
        return same_values(output, output_of(function, want, output), output_of(function, have, output), function.tolerance)
    except Exception:  # noqa: BLE001
        return False


def shapes_of(value):
    """The shapes of a value's arrays, in order (the structure a shape-only mistake changes)."""
    if isinstance(value, dict):
        return tuple((k, shapes_of(v)) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return tuple(shapes_of(v) for v in value)
    return np.shape(value) if isinstance(value, NUMERIC) else type(value).__name__


def has_outputs(function, got) -> bool:
    if function.returns is None:
        return isinstance(got, dict)
    return isinstance(got, (tuple, list)) and len(got) == len(function.returns)


def output_of(function, value, name):
    if function.returns is None:
        return value.get(name) if isinstance(value, dict) else None
    return value[function.returns.index(name)]


def leaves_of(path, want, have):
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return
        for key, value in want.items():
            if key in have:
                yield from leaves_of(f'{path}["{key}"]', value, have[key])
    elif isinstance(want, (tuple, list)):
        if isinstance(have, (tuple, list)) and len(have) == len(want):
            for index, (w, h) in enumerate(zip(want, have)):
                yield from leaves_of(f"{path}[{index}]", w, h)
    else:
        yield path, want, have


def context_of(function, expected, inputs) -> Context:
    others = {}
    for output in function.compare:
        value = output_of(function, expected, output)
        for path, leaf, _ in leaves_of(output, value, value):
            if isinstance(leaf, np.ndarray):
                others[path] = leaf
    arrays = {}
    for name, value in inputs.items():
        if isinstance(value, np.ndarray):
            arrays[name] = value
        elif isinstance(value, dict):
            arrays.update({f'{name}["{key}"]': item for key, item in value.items()
                           if isinstance(item, np.ndarray)})
    outputs = {output: output_of(function, expected, output) for output in function.compare}
    return Context("", others, arrays, None, outputs, dict(inputs))
