"""Reproduce: a short Python snippet that rebuilds a public case in the student's own notebook.

The case builders live in the assignment's ``cases.py``, which students do not have, so the
snippet cannot just call the builder. Instead the builder is run again with a recording
``numpy.random`` (a private ``RandomState``: the process's global generator is never touched)
and a recording reference, and every input is traced back to what made it: a draw
(``np.random.randn(3, 10)``, perhaps scaled), a call of a graded function on earlier values
(``rnn_cell_forward(xt_tmp, a_prev_tmp, parameters_tmp)``, as the notebook's test cells do), a
dict of those, or a small literal. The snippet is then executed here, against the reference,
and kept only when it rebuilds the grader's inputs exactly. When the trace fails, small inputs
are written out as exact array literals; otherwise the reader is told where the case comes
from, without a snippet that would not reproduce it. The tracing is ``case_trace``'s; the
literals are ``python_literals``'.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from grader.core.assignment import Assignment, Case, GradedFunction
from grader.feedback.case_trace import trace
from grader.feedback.python_literals import as_literal, float_literal
from grader.core.results import Mismatch

LITERAL_LIMIT = 200  # numbers in all the inputs together, for the exact-literal fallback


@dataclass(frozen=True)
class Reproduction:
    code: str  # empty when no snippet could be made
    exact: bool  # executed here: it rebuilds the grader's inputs exactly
    notes: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()  # other graded functions the snippet calls to build the inputs


def reproduce(assignment: Assignment, function: GradedFunction, case: Case,
              mismatches: tuple[Mismatch, ...] = (), outcome: str = "") -> Reproduction:
    """A snippet that rebuilds ``case`` in a notebook, calls the function and prints the checks
    (``outcome``, the error it raised when graded, becomes a comment on the call)."""
    setup: list[str] | None = None
    uses: tuple[str, ...] = ()
    traces = getattr(assignment, "traces", None)  # a student bundle carries its public cases' traces
    try:
        traced = traces.get((function.name, case.name)) if traces is not None else trace(assignment, function, case)
    except Exception:  # an unusual builder: fall back below
        traced = None
    if traced is not None:
        setup, arguments, uses = traced
    else:
        literal = _literals(case.inputs)
        if literal is not None:
            setup, arguments = literal
    if setup is None:
        return Reproduction("", False, (_unreproducible(case),))
    call = _call_lines(function, arguments)
    if outcome:
        call.append(f"# when graded: {' '.join(outcome.split())}")
    checks = _check_lines(function, mismatches)
    code = "\n".join(["import numpy as np", *setup, "", *call, *checks]) + "\n"
    return Reproduction(code, True, (), uses)


# --------------------------------------------------------------------------- fallbacks and checks


def _literals(inputs: dict):
    """Setup lines writing every input out exactly, when they are small enough."""
    total = sum(_count(value) for value in inputs.values())
    if total > LITERAL_LIMIT:
        return None
    lines, arguments = [], {}
    for key, value in inputs.items():
        literal = as_literal(value, limit=LITERAL_LIMIT)
        if literal is None:
            return None
        if isinstance(value, (np.ndarray, dict, list, tuple)):
            lines.append(f"{key}_tmp = {literal}")
            arguments[key] = f"{key}_tmp"
        else:
            arguments[key] = literal
    return lines, arguments


def _count(value) -> int:
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, dict):
        return sum(_count(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_count(item) for item in value)
    return 1


def _unreproducible(case: Case) -> str:
    arguments = ", ".join(f"{key}={value!r}" for key, value in case.arguments.items())
    return (f"This case's inputs come from the grader's case builder {case.builder}({arguments}), "
            f"which is not in your notebook, and are too large to print here: {_shapes(case.inputs)}.")


def _shapes(inputs: dict) -> str:
    parts = []
    for key, value in inputs.items():
        if isinstance(value, np.ndarray):
            parts.append(f"{key} of shape {value.shape}")
        elif isinstance(value, dict):
            parts.append(f"{key} (a dict of {len(value)})")
        elif isinstance(value, (list, tuple)):
            parts.append(f"{key} (a {type(value).__name__} of {len(value)})")
        else:
            parts.append(f"{key} = {value!r}")
    return ", ".join(parts)


def _call_lines(function: GradedFunction, arguments: dict) -> list[str]:
    call = f"{function.name}({', '.join(f'{key}={value}' for key, value in arguments.items())})"
    if function.returns is None:
        return [f"got = {call}"]
    return [f"{', '.join(name + '_got' for name in function.returns)} = {call}"]


_PATH = re.compile(r"^([^\[]+)(.*)$")


def output_expression(function: GradedFunction, output: str) -> str | None:
    """How the snippet names an output: ``got["dba"]``, ``a_next_got``, ``parameters_got["W1"]``."""
    match = _PATH.match(output)
    if match is None or output == "return value":
        return None
    head, rest = match.groups()
    if function.returns is None:
        return f"got[{head!r}]{rest}"
    if head not in function.returns:
        return None
    return f"{head}_got{rest}"


def _check_lines(function: GradedFunction, mismatches: tuple[Mismatch, ...]) -> list[str]:
    lines = []
    for mismatch in mismatches:
        target = output_expression(function, mismatch.output)
        if target is None:
            lines.append(f"# {mismatch.message}")
            continue
        if mismatch.kind == "shape":
            lines.append(f"print({mismatch.output + '.shape'!r}, np.shape({target}), "
                         f"'expected', {mismatch.expected_shape})")
        elif mismatch.kind in ("values", "nonfinite") and mismatch.expected:
            index = mismatch.index.strip("[]")
            element = f"{target}[{index}]" if index else target
            label = f"{mismatch.output}{mismatch.index if index else ''}"  # a scalar has no index
            lines.append(f"print({label!r}, {element}, 'expected', {_expected(mismatch.expected)})")
        else:
            lines.append(f"# {mismatch.message}")
    return lines


def _expected(text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        return repr(text)
    return float_literal(number) if not np.isfinite(number) else text

