"""Hints: when a result is wrong, try the assignment's known mistakes on the actual inputs.

An assignment may ship ``mistakes.py`` with a list ``MISTAKES`` of ``Mistake`` entries: the
function it concerns, the words to say, and a function that computes what that mistake returns
on the same inputs (the reference with the mistake applied). A hint is given only when the
mistaken computation reproduces the student's values, never on a guess.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

from grader.assignment import Assignment, Case, GradedFunction
from grader.compare import compare_return


@dataclass(frozen=True)
class Mistake:
    function: str
    explanation: str
    compute: Callable  # (reference module, **inputs) -> what the mistaken code returns


def explain(assignment: Assignment, function: GradedFunction, case: Case, got, mismatches) -> str:
    if assignment.mistakes is None:
        return ""
    for mistake in getattr(assignment.mistakes, "MISTAKES", ()):
        if mistake.function != function.name:
            continue
        try:
            mistaken = mistake.compute(assignment.reference, **copy.deepcopy(case.inputs))
        except Exception:  # a detector that cannot run on these inputs says nothing
            continue
        if not compare_return(function, mistaken, got):
            return mistake.explanation
    return ""
