"""The class overview: the score histogram, per graded function its pass rate and most common
failures (grouped across students), and a row per student; made in passes over the results so
its memory does not grow with the class."""
from __future__ import annotations

import re
import statistics
from array import array
from collections import Counter
from urllib.parse import quote

from markupsafe import Markup

from grader.core.assignment import Assignment
from grader.reports.page_parts import _SORT_SCRIPT, _content_security_policy, _environment, _when, page_href
from grader.core.results import FUNCTION_STATUSES, FunctionResult, afresh

_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w)")
_LOCATION = re.compile(r"\s*\(cell \d+, line \d+, in [\w.<>]+\)")


def failure_reason(function: FunctionResult) -> str:
    """Why a function did not pass, in one line that groups across students: the hint if one
    explains it, else what the first failing case got wrong (the outputs with wrong values, the
    shape mistakes, or the error), without the values that differ from student to student."""
    if function.status == "passed":
        return ""
    if function.status == "missing":
        return "not defined in the notebook"
    failing = [case for case in function.cases if case.status not in ("passed", "not run")]
    if not failing:
        return function.message or function.status
    hinted = next((case for case in failing if case.hint), None)
    if hinted is not None:
        return "hint: " + hinted.hint
    first = failing[0]
    if not first.mismatches:
        return f"{first.status}: {_LOCATION.sub('', first.message)}".rstrip(": ")
    wrong = [m.output for m in first.mismatches if m.kind == "values"]
    nonfinite = [m.output for m in first.mismatches if m.kind == "nonfinite"]
    shapes: dict[str, list[str]] = {}
    parts = []
    if wrong:
        parts.append(f"wrong values in {_join(wrong)}")
    if nonfinite:
        parts.append(f"NaN or inf in {_join(nonfinite)}")
    for mismatch in first.mismatches:
        if mismatch.kind == "shape":
            shapes.setdefault(mismatch.message.replace(mismatch.output, "{}", 1), []).append(mismatch.output)
        elif mismatch.kind not in ("values", "nonfinite"):
            parts.append(mismatch.message)
    for pattern, outputs in shapes.items():
        text = pattern.format(_join(outputs))
        parts.append(text.replace(" has shape", " have shape", 1) if len(outputs) > 1 else text)
    return "; ".join(parts)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def normalise_message(message: str) -> str:
    """The message with numbers, cell locations and spacing taken out."""
    return " ".join(_NUMBER.sub("#", _LOCATION.sub("", message)).split())


def _histogram(percents: list[float], bins: int = 10) -> dict:
    counts = [0] * bins
    for percent in percents:
        counts[min(bins - 1, max(0, int(percent // (100 / bins))))] += 1
    width, height, left, bottom, top = 520, 200, 34, 28, 14
    plot_width, plot_height = width - left - 8, height - bottom - top
    tallest = max(counts) or 1
    bars = []
    for index, count in enumerate(counts):
        bar_height = plot_height * count / tallest
        x = left + index * plot_width / bins
        low = int(index * 100 / bins)
        high = int((index + 1) * 100 / bins) - (1 if index < bins - 1 else 0)
        bars.append({"x": round(x + 2, 1), "y": round(top + plot_height - bar_height, 1),
                     "width": round(plot_width / bins - 4, 1), "height": round(bar_height, 1),
                     "count": count, "label": f"{low}–{high}", "centre": round(x + plot_width / bins / 2, 1)})
    ticks = sorted({0, tallest // 2, tallest}) if tallest > 1 else [0, 1]
    return {"bars": bars, "width": width, "height": height, "left": left, "top": top,
            "bottom": height - bottom, "right": width - 8,
            "ticks": [{"value": tick, "y": round(top + plot_height - plot_height * tick / tallest, 1)}
                      for tick in ticks]}


def render_index(assignment: Assignment, results, pages: dict[str, str] | None = None,
                 *, stream: bool = False, by_score=None, course: str = ""):
    """The class overview as a string, or with ``stream`` as the pieces of it in order (a class
    of thousands makes a page of megabytes: better written as it is made).

    ``results`` are the submissions' results, or a function
    that gives them afresh in id order, such as the gradebook's: the page is then made in passes
    over them (the aggregates first, then each table row by row) and holds only the aggregates,
    so its memory does not grow with the class. ``by_score`` gives them lowest score first
    (invalid ones before all), afresh; without it they are sorted here. ``course``: the course's
    sections (regrade changes, adjustments, similar code), HTML made by ``course_report``.
    """
    each = afresh(results)
    if by_score is None:
        by_score = lambda: iter(sorted(each(), key=score_order))  # noqa: E731
    overview = _Overview(assignment)
    for result in each():
        overview.add(result)
    hrefs = _Hrefs(pages)
    template = _environment().get_template("index.html.j2")
    return (template.generate if stream else template.render)(
        assignment=assignment, results=each(), by_score=by_score(), summary=overview.summary(),
        invalid=(result for result in each() if result.status != "graded"),
        functions=overview.functions(), histogram=_histogram(overview.percents), pages=hrefs,
        names=assignment.graded_names, functions_of=_by_name,
        status_rank={s: i for i, s in enumerate(FUNCTION_STATUSES)},
        generated=_when(overview.generated), script=Markup(_SORT_SCRIPT),
        csp=_content_security_policy(_SORT_SCRIPT), course=Markup(course))


def render_assignments_index(titles: dict[str, str]) -> str:
    """The page above the class overviews of a batch graded by several assignments
    (``titles``: assignment name, its folder below the page -> its title)."""
    return _environment().get_template("assignments.html.j2").render(titles=titles)


def score_order(result) -> tuple:
    """The overview's order by score: invalid submissions first, then lowest percent first."""
    return (result.status == "graded", result.percent, result.id)


def _by_name(result) -> dict:
    return {function.name: function for function in result.functions}


class _Hrefs:
    """Each submission's page link, worked out when a row asks for it (``pages`` overrides the
    page name of some ids)."""

    def __init__(self, pages: dict[str, str] | None):
        self._pages = pages or {}

    def __getitem__(self, submission_id: str) -> str:
        name = self._pages.get(submission_id)
        return quote(name) if name is not None else page_href(submission_id)


class _Overview:
    """The class overview's figures, gathered in one pass over the results: per submission only
    its score, per function the counts and the most common failures (with a few students each)."""

    SHOWN_STUDENTS = 6

    def __init__(self, assignment: Assignment):
        self.assignment = assignment
        self.count = self.graded = self.all_passed = 0
        self.scores, self.percents = array("d"), array("d")
        self.generated = ""
        self.counts = {spec.name: Counter() for spec in assignment.functions}
        self.function_scores = {spec.name: array("d") for spec in assignment.functions}
        self.reasons: dict[str, dict[str, dict]] = {spec.name: {} for spec in assignment.functions}

    def add(self, result) -> None:
        self.count += 1
        self.generated = max(self.generated, result.graded_at or "")
        if result.status != "graded":
            return
        self.graded += 1
        self.scores.append(result.score)
        self.percents.append(result.percent)
        self.all_passed += result.all_passed
        for function in result.functions:
            if function.name not in self.counts:
                continue
            self.counts[function.name][function.status] += 1
            self.function_scores[function.name].append(function.score)
            shown = failure_reason(function)
            if shown:
                group = self.reasons[function.name].setdefault(
                    normalise_message(shown), {"text": shown, "count": 0, "students": []})
                group["count"] += 1
                if len(group["students"]) < self.SHOWN_STUDENTS:
                    group["students"].append(result.id)

    def functions(self) -> list[dict]:
        rows = []
        for spec in self.assignment.functions:
            counts, scores = self.counts[spec.name], self.function_scores[spec.name]
            graded = sum(counts.values())
            top = sorted(self.reasons[spec.name].values(), key=lambda group: (-group["count"], group["text"]))
            rows.append({
                "name": spec.name, "points": spec.points, "graded": graded,
                "counts": counts, "passed": counts.get("passed", 0),
                "rate": 100.0 * counts.get("passed", 0) / graded if graded else 0.0,
                "mean": statistics.fmean(scores) if scores else 0.0,
                "segments": [{"status": status, "count": counts[status], "width": 100.0 * counts[status] / graded}
                             for status in ("passed", "failed", "error", "timeout", "missing")
                             if counts.get(status)] if graded else [],
                "reasons": top[:5], "more_reasons": max(0, len(top) - 5)})
        return rows

    def summary(self) -> dict:
        scores, percents = self.scores, self.percents
        return {
            "count": self.count, "graded": self.graded, "invalid": self.count - self.graded,
            "mean": statistics.fmean(scores) if scores else 0.0,
            "median": statistics.median(scores) if scores else 0.0,
            "low": min(scores) if scores else 0.0, "high": max(scores) if scores else 0.0,
            "all_passed": self.all_passed,
            "mean_percent": statistics.fmean(percents) if percents else 0.0,
            "median_percent": statistics.median(percents) if percents else 0.0,
        }
