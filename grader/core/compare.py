"""Compare like a careful TA: structure, then shape, then NaN/inf, then values within tolerance.

Works on plain data only (what ``codec.decode`` produces), so nothing a student made is ever
called here. Each difference becomes a ``Mismatch`` that names the output, says what was
expected against what came back, and shows the worst element.
"""
from __future__ import annotations

import numpy as np

from grader.core.assignment import GradedFunction, Tolerance
from grader.runtime.codec import Unsupported
from grader.core.results import Mismatch

_NUMERIC = (bool, int, float, complex, np.generic, np.ndarray)


def compare_return(function: GradedFunction, expected, got, reveal: bool = True) -> tuple[Mismatch, ...]:
    """Every difference between what the function returned and what the reference returned.

    With ``reveal`` off (a hidden case), no expected value appears in a mismatch.
    """
    if function.returns is None:
        if not isinstance(got, dict):
            return (_structure("return value", f"returned {_kind(got)}, but should return a dict "
                               f"with keys {', '.join(function.compare)}"),)
        missing = [key for key in function.compare if key not in got]
        mismatches = [_structure(key, f"the returned dict has no key '{key}' (it has: "
                                 f"{', '.join(map(str, got)) or 'none'})") for key in missing]
        for key in function.compare:
            if key in got:
                mismatches.extend(compare_value(key, expected[key], got[key], function.tolerance, reveal))
        return tuple(mismatches)
    count = len(function.returns)
    if not isinstance(got, (tuple, list)) or len(got) != count:
        shown = f"{len(got)} values" if isinstance(got, (tuple, list)) else _kind(got)
        return (_structure("return value", f"returned {shown}, but should return {count} values: "
                           f"{', '.join(function.returns)}"),)
    mismatches = []
    for name in function.compare:
        position = function.returns.index(name)
        mismatches.extend(compare_value(name, expected[position], got[position], function.tolerance, reveal))
    return tuple(mismatches)


def compare_value(path: str, expected, got, tolerance: Tolerance, reveal: bool = True) -> list[Mismatch]:
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [_structure(path, f"{path} is {_kind(got)}, but should be a dict with keys {', '.join(expected)}")]
        mismatches = []
        for key, value in expected.items():
            child = f'{path}["{key}"]'
            if key not in got:
                mismatches.append(_structure(child, f"{path} has no key '{key}'"))
            else:
                mismatches.extend(compare_value(child, value, got[key], tolerance, reveal))
        return mismatches
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            shown = f"{len(got)} items" if isinstance(got, (tuple, list)) else _kind(got)
            return [_structure(path, f"{path} has {shown}, but should have {len(expected)} items")]
        mismatches = []
        for index, (want, have) in enumerate(zip(expected, got)):
            mismatches.extend(compare_value(f"{path}[{index}]", want, have, tolerance, reveal))
        return mismatches
    if isinstance(expected, _NUMERIC):
        return _compare_numbers(path, np.asarray(expected), got, tolerance, reveal)
    if expected != got:
        should = f", but should be {expected!r:.80}" if reveal else ""
        return [_structure(path, f"{path} is {got!r:.80}{should}")]
    return []


def _compare_numbers(path: str, expected: np.ndarray, got, tolerance: Tolerance, reveal: bool) -> list[Mismatch]:
    if not isinstance(got, _NUMERIC) or isinstance(got, Unsupported):
        return [_structure(path, f"{path} is {_kind(got)}, but should be "
                           f"{'an array of shape ' + _shape(expected.shape) if expected.ndim else 'a number'}")]
    got = np.asarray(got)
    if got.dtype.kind == "c" and expected.dtype.kind != "c":
        return [Mismatch(path, "values", f"{path} holds complex numbers", _shape(expected.shape), _shape(got.shape))]
    if got.shape != expected.shape:
        return [Mismatch(path, "shape", f"{path} has shape {_shape(got.shape)}, but should have shape "
                         f"{_shape(expected.shape)}{_shape_hint(expected.shape, got.shape)}",
                         _shape(expected.shape), _shape(got.shape))]
    if got.dtype == expected.dtype and (got == expected).all():  # most correct values: the same bits
        return []
    want = expected.astype(np.float64) if expected.dtype.kind in "biu" else expected
    have = got.astype(np.float64) if got.dtype.kind in "biu" else got
    bad_finite = ~np.isfinite(have) & np.isfinite(want)
    if bad_finite.any():
        index = tuple(int(i) for i in np.argwhere(bad_finite)[0])
        value = _number(have[index] if have.ndim else have)
        expected_value = _number(want[index] if want.ndim else want) if reveal else ""
        should = f" where {expected_value} is expected" if reveal else ""
        return [Mismatch(path, "nonfinite", f"{path} contains {value} at {_index(index)} "
                         f"({int(bad_finite.sum())} of {have.size} elements are NaN or inf){should}",
                         _shape(expected.shape), _shape(got.shape), _index(index),
                         expected_value, value, int(bad_finite.sum()), int(have.size))]
    with np.errstate(invalid="ignore", over="ignore"):
        # np.isclose's rule (|got - expected| <= atol + rtol * |expected|, NaN equal to NaN),
        # written out: isclose costs several times more on the small arrays graded here
        close = np.abs(have - want) <= tolerance.atol + tolerance.rtol * np.abs(want)
        close |= have == want
        close |= np.isnan(have) & np.isnan(want)
    if close.all():
        return []
    with np.errstate(invalid="ignore", over="ignore"):
        excess = np.where(close, -np.inf, np.abs(have - want) - tolerance.rtol * np.abs(want))
    flat = int(np.nanargmax(excess)) if excess.ndim else 0
    index = np.unravel_index(flat, excess.shape) if excess.ndim else ()
    index = tuple(int(i) for i in index)
    differing = int((~close).sum())
    expected_value = _number(want[index] if want.ndim else want) if reveal else ""
    got_value = _number(have[index] if have.ndim else have)
    where = f"; worst at {_index(index)}" if index else ""
    values = f"expected {expected_value}, got {got_value}" if reveal else f"you return {got_value}"
    return [Mismatch(path, "values",
                     f"{path} is wrong in {differing} of {have.size} elements{where}: {values}",
                     _shape(expected.shape), _shape(got.shape), _index(index), expected_value, got_value,
                     differing, int(have.size))]


def _shape_hint(expected: tuple, got: tuple) -> str:
    if expected == ():
        return " (an array where a single number is expected)"
    if tuple(d for d in expected if d != 1) == tuple(d for d in got if d != 1):
        if len(got) < len(expected):
            return " (a sum or mean that dropped an axis: use keepdims=True, or reshape)"
        return " (an extra axis of length 1: check the reshape)"
    if got == expected[::-1]:
        return " (transposed?)"
    return ""


def _structure(path: str, message: str) -> Mismatch:
    return Mismatch(path, "structure", message)


def _kind(value) -> str:
    if isinstance(value, Unsupported):
        return f"a {value.type_name} object"
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {_shape(value.shape)}"
    names = {tuple: "a tuple", list: "a list", dict: "a dict", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", complex: "a complex number"}
    return names.get(type(value), f"a {type(value).__name__}")


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _index(index: tuple) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def _number(value) -> str:
    return f"{complex(value) if np.iscomplexobj(value) else float(value):.8g}"
