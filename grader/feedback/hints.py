"""Hints: when a result is wrong, try the known mistakes on the actual values and name the one that fits.

Three kinds of entry, all data:

* ``Mistake`` (per assignment, in its ``mistakes.py`` list ``MISTAKES``): a function, the words to
  say, and a computation of what that mistake returns on the case's own inputs (the reference with
  the mistake applied).
* ``Generic`` detectors (``GENERIC`` in ``hint_catalogue``, for every function of every assignment): mistakes that
  can be recomputed from the expected output alone: a dropped or an extra axis of length 1,
  transposed, the sign flipped, all zeros, another output or an input returned instead, off by a
  constant factor.
* ``ErrorHint`` (``ERROR_HINTS`` in ``hint_catalogue`` and in ``mistakes.py``): words for an error message (``^``
  used for a power, ``np.float``), for functions that raise instead of returning.

A hint is given only when a mistaken computation reproduces the student's values within the
function's tolerance, never on a guess. It is worked out output by output, so two mistakes in
different outputs are both named, and an output whose values follow a known mistake but whose
shape also lost an axis gets both said. ``explain`` looks at one case; ``explain_cases`` looks at
all of a function's cases together and keeps only explanations that hold on every case, which
rules out coincidences of one case (at Adam's first step, several mistakes give the same numbers).
"""
from __future__ import annotations

import re

import numpy as np

from grader.core.assignment import Assignment, Case, GradedFunction
from grader.feedback.hint_catalogue import (ERROR_HINTS, GENERIC, ErrorHint, Generic, Mistake,  # noqa: F401
                                   generic_detectors, join, mistakes_for)
from grader.feedback.hint_diagnosis import Diagnosis, conflicting_claims, diagnose_case


# --------------------------------------------------------------------------- the entry points


def explain(assignment: Assignment, function: GradedFunction, case: Case, got, mismatches=()) -> str:
    """The hint for a wrong result on this one case, or "" when no known mistake reproduces it."""
    diagnosis = diagnose(assignment, function, case, got)
    return diagnosis.text if diagnosis else ""


def explain_cases(assignment: Assignment, function: GradedFunction, values: list) -> list[str]:
    """Hints for all of a function's cases at once: ``values[i]`` is what the student returned
    on ``function.cases[i]`` (None where the case did not return). An explanation is kept only
    if it holds on every case: where it names an output that is wrong on another case, it must
    name it there too, and a known mistake must not change an output that the student got right."""
    diagnoses = diagnose_cases(assignment, function, values)
    return [d.text if d else "" for d in diagnoses]


def diagnose_cases(assignment: Assignment, function: GradedFunction, values: list) -> list[Diagnosis | None]:
    cases = function.cases
    excluded: set = set()
    for _ in range(8):
        diagnoses = [diagnose(assignment, function, case, value, excluded) if value is not None else None
                     for case, value in zip(cases, values)]
        conflicts = conflicting_claims(assignment, function, cases, values, diagnoses)
        if not conflicts - excluded:
            return diagnoses
        excluded |= conflicts
    return [None] * len(cases)


def diagnose(assignment: Assignment, function: GradedFunction, case: Case, got,
             excluded: frozenset | set = frozenset()) -> Diagnosis | None:
    """Name every known mistake that reproduces one of the wrong outputs; None when none does.
    ``excluded`` holds (explanation key, output) pairs not to use."""
    try:
        with np.errstate(all="ignore"):
            return diagnose_case(assignment, function, case, got, excluded)
    except Exception:  # noqa: BLE001  (a hint is a bonus: it must never break grading)
        return None


def explain_error(assignment: Assignment | None, function: str, error: str) -> str:
    """Words for an error message: the assignment's ``ERROR_HINTS`` first, then the generic ones."""
    mistakes = getattr(assignment, "mistakes", None)
    for entry in list(getattr(mistakes, "ERROR_HINTS", ())) + ERROR_HINTS:
        if entry.function not in (None, function):
            continue
        match = re.search(entry.pattern, error or "")
        if match:
            try:
                return entry.words.format(*(group or "" for group in match.groups()))
            except (IndexError, KeyError):
                return entry.words
    return ""


