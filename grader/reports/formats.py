"""Optional export formats: Gradescope's ``results.json`` and JUnit XML.

``FORMATS`` names each one with a line for ``--help``. Both are written from the same
``SubmissionResult``s as every other report; neither ever holds a hidden case's expected
values (the comparison never put them in a message).

Gradescope runs its autograder on one submission at a time and reads
``/autograder/results/results.json``; a batch therefore gets one file per submission,
``gradescope/<id>.json``, each in that format (copy or point the autograder at the one it needs,
or write it straight there with ``write_gradescope_json``). Every case is a Gradescope test:
public cases are ``visible``, hidden ones ``after_published``.

JUnit XML (``junit.xml``) follows the schema CI servers read (Jenkins' junit-10.xsd, the subset
GitLab, GitHub Actions reporters and Azure use): ``<testsuites>``, one ``<testsuite>`` per
submission, one ``<testcase>`` per graded function, a ``<failure>`` (wrong result, missing
function) or ``<error>`` (raised, timed out, not a notebook) whose ``message`` is the one-line
reason and whose text is the full explanation.
"""
from __future__ import annotations

import json
import math
import re
import secrets
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from grader.reports.export import written_atomically
from grader.core.names import output_name
from grader.core.results import CaseResult, FunctionResult, SubmissionResult, afresh

if TYPE_CHECKING:  # annotations only: the parser's help reads this module, numpy not needed
    from grader.core.assignment import Assignment

FORMATS: dict[str, str] = {
    "gradescope": "Gradescope autograder results, one file per submission: gradescope/<id>.json "
                  "(hidden cases visible after grades are published)",
    "junit": "JUnit XML for CI systems: junit.xml, a testsuite per submission, a testcase per "
             "graded function",
}
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def format_help() -> str:
    """The formats as lines for ``--help``."""
    return "; ".join(f"{name}: {description}" for name, description in FORMATS.items())


# --------------------------------------------------------------------------- Gradescope


def gradescope_document(assignment: Assignment, result: SubmissionResult) -> dict:
    """One submission in Gradescope's results.json format."""
    tests = []
    number = 0
    by_name = {function.name: function for function in result.functions}
    for spec in assignment.functions:
        function = by_name.get(spec.name)
        if function is None and result.status == "graded":
            continue  # not checked in this run (grader check --function)
        number += 1
        weights = sum(case.weight for case in spec.cases) or 1.0
        cases = {case.name: case for case in function.cases} if function else {}
        shares = _shares(spec.points, [case.weight / weights for case in spec.cases])
        for index, (case, maximum) in enumerate(zip(spec.cases, shares), start=1):
            outcome = cases.get(case.name)
            passed = outcome is not None and outcome.status == "passed"
            tests.append({
                "name": f"{spec.name}: {case.name} ({case.visibility})",
                "number": f"{number}.{index}",
                "score": _round(maximum if passed else 0.0),
                "max_score": _round(maximum),
                "status": "passed" if passed else "failed",
                "output": _gradescope_output(result, function, outcome, case.about),
                "output_format": "text",
                "tags": [spec.name, case.visibility],
                "visibility": "after_published" if case.hidden else "visible",
            })
    document = {
        "score": _round(result.score),
        "execution_time": max(0, math.ceil(result.seconds)),
        "output": _gradescope_summary(assignment, result),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return document


def _gradescope_output(result: SubmissionResult, function: FunctionResult | None,
                       outcome: CaseResult | None, about: str) -> str:
    lines = [about] if about else []
    if result.status != "graded":
        lines.append(f"Not graded: the file is not a readable notebook ({result.error}).")
    elif function is None or function.status == "missing":
        lines.append(function.message if function else "Not graded.")
    elif outcome is None:
        lines.append("Not run.")
    elif outcome.status == "passed":
        lines.append("Passed.")
    else:
        lines.append(f"{outcome.status}: {outcome.message}")
        if outcome.hint:
            lines.append(f"Hint: {outcome.hint}")
        if outcome.traceback:
            lines.append(outcome.traceback)
    return "\n".join(lines)


def _gradescope_summary(assignment: Assignment, result: SubmissionResult) -> str:
    if result.status != "graded":
        return f"This file could not be graded: {result.error}"
    lines = [f"{assignment.title}: {result.score:g} / {result.max_score:g} points."]
    lines.extend(f"Warning: {warning}" for warning in result.warnings)
    lines.extend(f"Adjusted {adjustment.points:+g} points: {adjustment.reason}" for adjustment in result.adjustments)
    return "\n".join(lines)


def write_gradescope_json(path: Path, assignment: Assignment, result: SubmissionResult) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, json.dumps(gradescope_document(assignment, result), indent=1, allow_nan=False))
    return path


def write_gradescope(out_dir: Path, assignment: Assignment, results) -> list[Path]:
    """``gradescope/<id>.json`` for every submission."""
    return [write_gradescope_json(out_dir / "gradescope" / output_name(result.id, ".json"), assignment, result)
            for result in results]


def _round(value: float) -> float:
    return round(float(value), 4)


def _shares(points: float, fractions: list[float]) -> list[float]:
    """A function's points split over its cases, rounded so that they add up to the points."""
    shares = [_round(points * fraction) for fraction in fractions]
    if shares:
        shares[-1] = _round(points - sum(shares[:-1]))
    return shares


# --------------------------------------------------------------------------- JUnit


def junit_tree(assignment: Assignment, results: list[SubmissionResult]) -> ElementTree.ElementTree:
    suites = [_suite(assignment, result) for result in sorted(results, key=lambda result: result.id)]
    root = _testsuites(assignment, suites)
    root.extend(suites)
    return ElementTree.ElementTree(root)


def _testsuites(assignment: Assignment, suites) -> ElementTree.Element:
    """The document's root, with the totals of ``suites`` (not holding them)."""
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for suite in suites:
        for key in ("tests", "failures", "errors"):
            totals[key] += int(suite.get(key))
        totals["time"] += float(suite.get("time"))
    return ElementTree.Element("testsuites", name=_clean(assignment.name), tests=str(totals["tests"]),
                               failures=str(totals["failures"]), errors=str(totals["errors"]),
                               time=f"{totals['time']:.3f}")


def _suite(assignment: Assignment, result: SubmissionResult) -> ElementTree.Element:
    suite = ElementTree.Element("testsuite", name=_clean(result.id))
    suite.set("timestamp", _timestamp(result.graded_at))
    properties = ElementTree.SubElement(suite, "properties")
    for name, value in (("assignment", assignment.name), ("path", result.path),
                        ("status", result.status), ("score", f"{result.score:g}"),
                        ("max_score", f"{result.max_score:g}"),
                        *((("graded_score", f"{result.graded_score:g}"),) if result.adjustments else ())):
        ElementTree.SubElement(properties, "property", name=name, value=_clean(value))
    failures = errors = 0
    classname = _clean(f"{assignment.name}.{result.id}")
    if result.status != "graded":
        case = ElementTree.SubElement(suite, "testcase", name="notebook", classname=classname, time="0.000")
        error = ElementTree.SubElement(case, "error", message=_clean(result.error or "invalid"), type="invalid")
        error.text = _clean(f"{result.path}: {result.error}")
        errors = 1
        tests = 1
    else:
        tests = 0
        for function in result.functions:
            tests += 1
            seconds = sum(case.seconds for case in function.cases)
            case = ElementTree.SubElement(suite, "testcase", name=function.name, classname=classname,
                                          time=f"{seconds:.3f}")
            case.set("assertions", str(len(function.cases)))
            if function.status == "passed":
                continue
            kind = "error" if function.status in ("error", "timeout") else "failure"
            element = ElementTree.SubElement(case, kind, message=_clean(_one_line(function.message or function.status)),
                                             type=function.status)
            element.text = _clean(_junit_text(function))
            if function.output:
                ElementTree.SubElement(case, "system-out").text = _clean(function.output)
            if kind == "error":
                errors += 1
            else:
                failures += 1
        if result.warnings:
            ElementTree.SubElement(suite, "system-err").text = _clean("\n".join(result.warnings))
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    suite.set("time", f"{result.seconds:.3f}")
    # schema order: properties, testcase*, system-out, system-err
    return suite


def _junit_text(function: FunctionResult) -> str:
    lines = [f"{function.name}: {function.status}, {function.score:g} / {function.max_score:g} points"]
    if function.cell is not None:
        lines.append(f"defined in cell {function.cell}, line {function.line}")
    if function.status == "missing":
        lines.append(function.message)
    for case in function.cases:
        if case.status == "passed":
            continue
        lines.append("")
        lines.append(f"{case.visibility} case '{case.name}' ({case.about}): {case.status}")
        if case.message:
            lines.append(f"  {case.message}")
        if case.hint:
            lines.append(f"  Hint: {case.hint}")
        if case.traceback:
            lines.extend("  " + line for line in case.traceback.splitlines())
    return "\n".join(lines)


def write_junit_xml(path: Path, assignment: Assignment,
                    results: Iterable[SubmissionResult] | Callable[[], Iterable[SubmissionResult]]) -> Path:
    """``junit_tree``'s document, written a test suite at a time: ``results`` may be a function
    that gives them afresh in id order (the gradebook's), read twice (the totals come first in
    the document), so a class of any size is never held at once."""
    each = afresh(results)
    root = _testsuites(assignment, (_suite(assignment, result) for result in each()))
    marker = f"suites-{secrets.token_hex(8)}"
    root.text = marker
    opening, closing = ElementTree.tostring(root, encoding="unicode").split(marker)
    with written_atomically(path) as handle:
        handle.write("<?xml version='1.0' encoding='utf-8'?>\n" + opening)
        written = False
        for result in each():
            suite = _suite(assignment, result)
            ElementTree.indent(suite, space=" ", level=1)
            handle.write("\n " + ElementTree.tostring(suite, encoding="unicode"))
            written = True
        handle.write(("\n" if written else "") + closing)
    return path


def _clean(text) -> str:
    """Text XML 1.0 can carry: control characters and lone surrogates become U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", str(text))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _timestamp(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        moment = datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def _write(path: Path, text: str) -> None:
    with written_atomically(path) as handle:
        handle.write(text)
