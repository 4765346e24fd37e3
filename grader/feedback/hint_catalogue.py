"""The hint catalogue: the kinds of entry (``Mistake``, ``Generic``, ``ErrorHint``), the generic
detectors every assignment gets (``GENERIC``), the words for common errors (``ERROR_HINTS``), and
the selection of entries an assignment's ``mistakes.py`` makes. A new hint is an entry here or in
that file.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from grader.core.assignment import Assignment
from grader.feedback.hint_values import Context


@dataclass(frozen=True)
class Mistake:
    """A known mistake in one graded function, recomputed on the case's inputs."""
    function: str
    explanation: str
    compute: Callable  # (reference module, **inputs) -> what the mistaken code returns
    kind: str = ""  # a short name shared by entries that describe the same mistake


@dataclass(frozen=True)
class Generic:
    """A mistake recognisable from the expected output alone, in any function.

    ``candidates(expected, context)`` yields ``(mistaken value, fields)``: what the mistake
    would return for this output and what the words need; ``words(names, fields)`` says it.
    """
    kind: str
    candidates: Callable[[np.ndarray, "Context"], Iterator[tuple[object, tuple]]]
    words: Callable[[list[str], dict], str]
    shape_only: bool = False  # changes the shape, not the values: may compound a known mistake


@dataclass(frozen=True)
class ErrorHint:
    """Words for an error whose message matches ``pattern`` (a regular expression); the
    pattern's groups fill ``{0}``, ``{1}``, ... in the words."""
    pattern: str
    words: str
    function: str | None = None  # None: any function
    kind: str = ""


def mistakes_for(assignment: Assignment, function: str) -> list[Mistake]:
    catalogue = getattr(assignment.mistakes, "MISTAKES", ()) if assignment.mistakes else ()
    return [mistake for mistake in catalogue if mistake.function == function]


def generic_detectors(assignment: Assignment) -> list[Generic]:
    """The generic detectors this assignment uses: all, unless its mistakes.py names some
    (``GENERIC = ["transposed", ...]``, or ``GENERIC = []`` for none)."""
    chosen = getattr(assignment.mistakes, "GENERIC", None) if assignment.mistakes else None
    if chosen is None:
        return list(GENERIC)
    return [detector for detector in GENERIC if detector.kind in chosen]


# --------------------------------------------------------------------------- generic detectors


def join(names) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _verb(names, one: str, many: str) -> str:
    return one if len(names) == 1 else many


def _dropped_axis(want, context):
    if want.ndim and 1 in want.shape:
        squeezed = tuple(d for d in want.shape if d != 1)
        yield want.reshape(squeezed), (("got", _shape(squeezed)), ("want", _shape(want.shape)))


def _extra_axis(want, context):
    for position in range(want.ndim + 1):
        shape = want.shape[:position] + (1,) + want.shape[position:]
        yield want.reshape(shape), (("got", _shape(shape)), ("want", _shape(want.shape)))


def _transposed(want, context):
    if want.ndim == 2 and want.shape[0] > 1 and want.shape[1] > 1:
        yield want.T, (("axes", ""),)
    elif 3 <= want.ndim <= 4:
        for order in itertools.permutations(range(want.ndim)):
            if order != tuple(range(want.ndim)):
                yield np.transpose(want, order), (("axes", str(tuple(want.shape))),)


def _sign(want, context):
    if np.abs(want).max(initial=0) > 0:
        yield -want, ()


def _zeros(want, context):
    yield np.zeros_like(want, dtype=float), ()


def _other_output(want, context):
    for path, other in context.others.items():
        if isinstance(other, np.ndarray) and other.shape == want.shape and other.size > 1:
            yield other, (("other-output", path),)


def _input(want, context):
    inputs = sorted(context.inputs.items(), key=lambda item: item[0] != context.path)  # same name first
    for name, value in inputs:
        if isinstance(value, np.ndarray) and value.shape == want.shape and value.size > 1:
            yield value, ((("unchanged", True),) if name == context.path else (("input", name),))


def _factor(want, context):
    """``k * expected`` for the ``k`` that fits the student's values best (least squares); like
    every candidate, it counts only if it reproduces them element by element."""
    have = context.got
    flat = want.astype(float).ravel()
    if have is None or have.shape != want.shape or np.count_nonzero(np.abs(flat) > 1e-12) < 2:
        return
    k = float(np.dot(flat, have.astype(float).ravel()) / np.dot(flat, flat))
    if np.isfinite(k) and abs(k) > 1e-9 and abs(k - 1) > 1e-3 and abs(k + 1) > 1e-3:
        yield k * want, (("factor", _number(k)),)


def _number(k: float) -> str:
    for n in (2, 3, 4, 5, 10):
        if abs(k - n) < 1e-6 * n:
            return f"{n}"
        if abs(k - 1 / n) < 1e-6 / n:
            return f"1/{n}"
    return f"{k:.4g}"


def _has_shape(names, f) -> str:
    """Alone, a shape mistake leaves the values right, and saying so helps; on top of another
    mistake it does not."""
    if f.get("after"):
        return f"{_verb(names, 'has', 'have')} shape"
    return f"{_verb(names, 'has', 'have')} the right values but shape"


def _input_words(names, f):
    if f.get("unchanged"):
        return (f"{join(names)} {_verb(names, 'comes', 'come')} back unchanged from the input: "
                f"{_verb(names, 'it is', 'they are')} never updated (check that the loop reaches "
                f"{_verb(names, 'it', 'them')} and that the new value is what you return)")
    return (f"{join(names)} {_verb(names, 'is', 'are')} exactly the input {f['input']}, unchanged: "
            f"the argument is returned instead of the value computed from it")


GENERIC: list[Generic] = [
    Generic("keepdims", _dropped_axis, lambda names, f: (
        f"{join(names)} {_has_shape(names, f)} {f['got']} where {f['want']} is expected: a sum dropped "
        f"its axis. Keep it with keepdims=True, as in np.sum(..., axis=1, keepdims=True)"), shape_only=True),
    Generic("extra-axis", _extra_axis, lambda names, f: (
        f"{join(names)} {_has_shape(names, f)} {f['got']} where {f['want']} is expected: an extra axis "
        f"of length 1 (a keepdims=True or a reshape too many). Remove it, or reshape to {f['want']}"),
        shape_only=True),
    Generic("transposed", _transposed, lambda names, f: (
        f"{join(names)} {_verb(names, 'is', 'are')} the transpose of the expected result: the values "
        f"are right but rows and columns are swapped. Check the order of the product (W @ a, not "
        f"a @ W) and any .T too many or too few" if not f["axes"] else
        f"{join(names)} {_verb(names, 'holds', 'hold')} the right values with the axes in another "
        f"order: make the array with the shape the docstring gives ({f['axes']} here) and store "
        f"each slice along the axis it belongs to"), shape_only=True),
    Generic("sign", _sign, lambda names, f: (
        f"{join(names)} {_verb(names, 'has', 'have')} the right size but the opposite sign everywhere: "
        f"a minus sign is missing or one too many (e.g. a - b written b - a)")),
    Generic("zeros", _zeros, lambda names, f: (
        f"{join(names)} {_verb(names, 'is', 'are')} all zeros: the array is created (np.zeros) but "
        f"never filled or added to; check that the loop writes into it, with the right variable")),
    Generic("other-output", _other_output, lambda names, f: (
        f"{join(names)} {_verb(names, 'holds', 'hold')} exactly what {f['other-output']} should be: "
        f"the wrong variable is returned or stored (check the names in the return statement and "
        f"their order)")),
    Generic("input", _input, _input_words),
    Generic("factor", _factor, lambda names, f: (
        f"{join(names)} {_verb(names, 'is', 'are')} off by a constant factor: every value is "
        f"{f['factor']} times the expected one. Look for a term counted twice, or a factor left out "
        f"or added (a learning rate, a division by the number of examples)")),
]


# --------------------------------------------------------------------------- error hints

ERROR_HINTS: list[ErrorHint] = [
    ErrorHint(r"unsupported operand type\(s\) for \^|ufunc 'bitwise_xor' not supported",
              "^ is not a power in Python (it is bitwise xor, which floats do not have): use ** for "
              "powers, e.g. x ** 2", kind="xor-power"),
    ErrorHint(r"module 'numpy' has no attribute '(float|int|bool|object|complex|str)'",
              "np.{0} was removed from NumPy (1.24): write the built-in {0} instead, or a NumPy type "
              "such as np.float64", kind="removed-numpy-alias"),
    ErrorHint(r"matmul: Input operand \d+ has a mismatch in its core dimension|shapes \(\d+,\d*\) and "
              r"\(\d+,\d*\) not aligned",
              "a matrix product whose sizes do not fit: in W @ a the columns of W must match the rows "
              "of a. Check the order of the two factors and whether one needs .T", kind="matmul-shapes"),
]
