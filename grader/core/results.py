"""The verdicts: plain frozen dataclasses from comparison up to the whole submission.

``SubmissionResult.to_dict`` is the ``results.json`` contract (see DESIGN.md); the reports and
the gradebook read these and nothing else.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Callable, Iterator

# statuses, worst first: a function takes the worst status among its cases
FUNCTION_STATUSES = ("timeout", "error", "failed", "missing", "passed")
CASE_STATUSES = ("timeout", "error", "failed", "not run", "passed")
_MOST_SECONDS = 1e6  # no case runs for eleven days: a larger duration is a lie (and overflows a round)


@dataclass(frozen=True)
class Mismatch:
    """One output that differs from the reference."""
    output: str  # the output's path: dba, parameters["W1"], return value
    kind: str  # structure, shape, nonfinite, values
    message: str
    expected_shape: str = ""
    got_shape: str = ""
    index: str = ""  # the worst element
    expected: str = ""
    got: str = ""
    differing: int = 0
    total: int = 0


@dataclass(frozen=True)
class CaseResult:
    name: str
    visibility: str
    about: str
    status: str  # passed, failed, error, timeout, not run
    message: str = ""
    mismatches: tuple[Mismatch, ...] = ()
    hint: str = ""
    traceback: str = ""
    seconds: float = 0.0
    weight: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "seconds", finite(self.seconds))
        object.__setattr__(self, "message", visible(self.message))
        object.__setattr__(self, "traceback", visible(self.traceback))

    def to_dict(self) -> dict:
        # a Mismatch holds only strings and numbers: its fields as they are (asdict's deep copy
        # was most of the cost of storing a result)
        return {"name": self.name, "status": self.status, "message": self.message,
                "visibility": self.visibility, "about": self.about, "hint": self.hint,
                "mismatches": [dict(vars(m)) for m in self.mismatches], "traceback": self.traceback,
                "seconds": round(self.seconds, 6), "weight": self.weight}


@dataclass(frozen=True)
class FunctionResult:
    name: str
    status: str  # passed, failed, error, missing, timeout
    score: float
    max_score: float
    message: str = ""
    cases: tuple[CaseResult, ...] = ()
    cell: int | None = None  # where the notebook defines it
    line: int | None = None
    marked: bool = False
    source: str = ""
    output: str = ""  # what it printed while graded (truncated)
    section: str = ""  # the assignment's text it follows, to read again when it fails
    section_cell: int | None = None  # the notebook cell holding that heading

    def __post_init__(self):
        object.__setattr__(self, "message", visible(self.message))
        object.__setattr__(self, "output", visible(self.output))

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "score": self.score,
                "max_score": self.max_score, "message": self.message,
                "cases": [case.to_dict() for case in self.cases],
                "cell": self.cell, "line": self.line, "marked": self.marked, "source": self.source,
                "output": self.output, "section": self.section, "section_cell": self.section_cell}


@dataclass(frozen=True)
class Adjustment:
    """A change to a graded score made by the course, not by grading: an instructor's override
    of one function's points, or a late penalty on the whole score; who made it, when and why."""
    kind: str  # override, late
    function: str  # the graded function, "" for the whole submission
    points: float  # added to the graded score (negative: taken off)
    reason: str
    by: str = ""
    at: str = ""


@dataclass(frozen=True)
class SubmissionResult:
    id: str
    path: str
    status: str  # graded, invalid
    error: str | None
    score: float
    max_score: float
    functions: tuple[FunctionResult, ...] = ()
    warnings: tuple[str, ...] = ()
    graded_at: str = ""
    seconds: float = 0.0
    notebook_format: int | None = None
    adjustments: tuple[Adjustment, ...] = ()  # already counted in score and the functions' scores
    graded_score: float | None = None  # the score grading gave, before the adjustments

    def __post_init__(self):
        object.__setattr__(self, "seconds", finite(self.seconds))
        object.__setattr__(self, "error", visible(self.error) if self.error is not None else None)
        object.__setattr__(self, "warnings", tuple(visible(warning) for warning in self.warnings))

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    @property
    def all_passed(self) -> bool:
        return self.status == "graded" and all(f.status == "passed" for f in self.functions)

    def to_dict(self) -> dict:
        return {"id": self.id, "path": self.path, "status": self.status, "error": self.error,
                "score": self.score, "max_score": self.max_score,
                "functions": [function.to_dict() for function in self.functions],
                "warnings": list(self.warnings), "graded_at": self.graded_at,
                "seconds": round(self.seconds, 4), "notebook_format": self.notebook_format,
                **({"graded_score": self.graded_score, "adjustments": [asdict(a) for a in self.adjustments]}
                   if self.adjustments else {})}

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionResult:
        """The result back from its ``to_dict`` form (as the gradebook stores it)."""
        return cls(
            id=data["id"], path=data["path"], status=data["status"], error=data.get("error"),
            score=data["score"], max_score=data["max_score"],
            functions=tuple(_function_from_dict(f) for f in data.get("functions", [])),
            warnings=tuple(data.get("warnings", [])), graded_at=data.get("graded_at", ""),
            seconds=data.get("seconds", 0.0), notebook_format=data.get("notebook_format"),
            adjustments=tuple(Adjustment(**a) for a in data.get("adjustments", [])),
            graded_score=data.get("graded_score"))


def _function_from_dict(data: dict) -> FunctionResult:
    return FunctionResult(
        name=data["name"], status=data["status"], score=data["score"], max_score=data["max_score"],
        message=data.get("message", ""), cases=tuple(_case_from_dict(c) for c in data.get("cases", [])),
        cell=data.get("cell"), line=data.get("line"), marked=data.get("marked", False),
        source=data.get("source", ""), output=data.get("output", ""),
        section=data.get("section", ""), section_cell=data.get("section_cell"))


def _case_from_dict(data: dict) -> CaseResult:
    return CaseResult(
        name=data["name"], visibility=data.get("visibility", "public"), about=data.get("about", ""),
        status=data["status"], message=data.get("message", ""),
        mismatches=tuple(Mismatch(**m) for m in data.get("mismatches", [])), hint=data.get("hint", ""),
        traceback=data.get("traceback", ""), seconds=data.get("seconds", 0.0),
        weight=data.get("weight", 1.0))


def finite(value, fallback: float = 0.0) -> float:
    """A duration as the reports can hold it: a finite, non-negative float. Durations may come
    from the student's process, whose clock the student's code can patch (NaN, inf, a negative
    number, one too large to round, or not a number at all): those become ``fallback``, so no value a child reports can
    stop the gradebook or an export from being written."""
    if not isinstance(value, (int, float)):
        return fallback
    try:
        number = float(value)
    except OverflowError:
        return fallback
    return number if math.isfinite(number) and 0 <= number <= _MOST_SECONDS else fallback


_CONTROL = re.compile("\r\n|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Text a student's code printed or raised, safe to show on a terminal or in a log: control
    characters (a terminal escape, a carriage return that hides a line, a bell) are written out
    as ``\\x1b`` and the like; newlines and tabs stay."""
    if not isinstance(text, str):
        return text
    return _CONTROL.sub(lambda found: "\n" if found.group(0) == "\r\n" else f"\\x{ord(found.group(0)):02x}", text)


def worst(statuses, order=FUNCTION_STATUSES) -> str:
    ranked = [order.index(status) for status in statuses if status in order]
    return order[min(ranked)] if ranked else order[-1]


def afresh(results) -> Callable[[], Iterator]:
    """A function that gives the results (or summaries) afresh, in id order, for a report made in
    passes: ``results`` itself when it is one already (the gradebook's streams them), else the
    results sorted once and held."""
    if callable(results):
        return results
    held = sorted(results, key=lambda result: result.id)
    return lambda: iter(held)
