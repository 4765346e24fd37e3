"""What ``grader ci`` writes for GitHub besides the log: the job summary in Markdown (every piece of
student text escaped) and the GitHub Classroom autograding result (``classroom_result``).
"""
from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

from grader.commands.ci_annotations import read_text, notebook_line
from grader.core.results import FunctionResult, SubmissionResult
from grader.reports.terminal import failure_case, location


SUMMARY_LIMIT = 900_000  # GitHub takes 1 MiB of summary per step
OUTPUT_SHOWN = 2_000  # characters of a function's printed output shown in the summary


# --------------------------------------------------------------------------- the job summary

_MARKS = {"passed": "✅", "failed": "❌", "error": "⚠️", "timeout": "⏱️", "missing": "⚪", "invalid": "❌"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~@<>&])")


def md(text: str) -> str:
    """Student text as inert Markdown on one line: every Markdown and HTML character
    backslashed (``|`` too, so a table cell stays one cell; ``<`` and ``&`` so no tag or
    entity), line breaks as spaces."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def _pre(text: str) -> str:
    return f"<pre>{html.escape(text, quote=False)}</pre>"


def job_summary(assignment, results: list[SubmissionResult], how: str) -> str:
    failing = [result for result in results if not result.all_passed]
    lines = [f"## {'✅' if not failing else '❌'} Notebook grader: {md(assignment.title)}", ""]
    if not results:
        lines += [f"No notebooks to grade ({md(how)}).", ""]
        return "\n".join(lines) + "\n"
    verdict = ("every graded function passes" if not failing else
               f"{len(failing)} of {len(results)} with a function that does not pass")
    lines += [f"{len(results)} notebook{'s' if len(results) != 1 else ''} graded ({md(how)}): {verdict}.", ""]
    size = 0
    for result in results:
        block = _summary_block(result)
        size += len(block)
        if size > SUMMARY_LIMIT:
            lines.append(f"*{len(results) - results.index(result)} more notebook(s) are left out: the summary "
                         f"is full. The log and the JUnit report have them.*")
            break
        lines.append(block)
    lines += ["", "To see the same report on your computer: `grader check NOTEBOOK.ipynb`; "
                  "in the notebook itself: `from grader import check; check()`.", ""]
    return "\n".join(lines) + "\n"


def _summary_block(result: SubmissionResult) -> str:
    name = md(result.path)
    if result.status == "invalid":
        return (f"### ❌ {name}: not a notebook the grader can read\n\n{md(result.error or '')}\n\n"
                f"Open it in Jupyter, save it again and push.\n")
    mark = "✅" if result.all_passed else "❌"
    lines = [f"### {mark} {name}: {result.score:g} / {result.max_score:g} points ({result.percent:.0f}%)", ""]
    for warning in result.warnings:
        lines.append(f"> ⚠️ {md(warning)}")
    if result.warnings:
        lines.append("")
    lines += ["| | Function | Points | Result |", "|:-:|:--|--:|:--|"]
    for function in result.functions:
        lines.append(f"| {_MARKS.get(function.status, '')} | `{function.name}` | "
                     f"{function.score:g} / {function.max_score:g} | {md(_result_words(function))} |")
    failures = [function for function in result.functions if function.status not in ("passed", "missing")]
    missing = [function for function in result.functions if function.status == "missing"]
    if failures or missing:
        lines += ["", "#### What does not pass", ""]
        for function in failures:
            lines.append(_failure_markdown(result, function))
        if missing:
            lines.append("**Not written yet** (no `def` in the notebook): "
                         + ", ".join(f"`{function.name}`" for function in missing) + ".\n")
    return "\n".join(lines) + "\n"


def _result_words(function: FunctionResult) -> str:
    total = len(function.cases)
    if function.status == "passed":
        return f"passed ({total} case{'s' if total != 1 else ''})"
    if function.status == "missing":
        return "missing: not written yet"
    failing = sum(case.status not in ("passed", "not run") for case in function.cases)
    verb = {"error": "raises an error on", "timeout": "runs out of time on"}.get(function.status, "fails")
    return f"{function.status}: {verb} {failing} of {total} case{'s' if total != 1 else ''}"


def _failure_markdown(result: SubmissionResult, function: FunctionResult) -> str:
    where = location(function)
    head = f"**`{function.name}`**" + (f" ({md(where)})" if where else "") + f": {function.status}"
    if function.status == "missing":
        return f"{head}. There is no `def {function.name}` in the notebook yet.\n"
    case = failure_case(function)
    parts = [head, ""]
    if case is None:
        parts += [md(function.message or function.status), ""]
    else:
        about = f": {md(case.about)}" if case.about else ""
        parts += [f"{case.visibility} case *{md(case.name)}*{about}  ", md(case.message or case.status), ""]
        if case.hint:
            parts += [f"> 💡 **Hint:** {md(case.hint)}", ""]
        if case.status == "error" and case.traceback:
            parts += ["<details><summary>traceback</summary>", "", _pre(case.traceback.strip()), "", "</details>", ""]
    if function.output:
        parts += ["<details><summary>what it printed</summary>", "", _pre(shorten(function.output, OUTPUT_SHOWN)),
                  "", "</details>", ""]
    return "\n".join(parts) + "\n"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters)"


# --------------------------------------------------------------------------- GitHub Classroom

def classroom_result(assignment, results: list[SubmissionResult], root: Path) -> dict:
    """The result GitHub Classroom's autograding reporter reads from a step's ``result`` output
    (base64 of this JSON), in the shape its own graders (autograding-command-grader,
    autograding-io-grader, autograding-python-grader) emit: ``version`` 1, ``status``
    ``pass``/``fail``/``error``, ``max_score``, and one test per graded function with its
    ``score`` (the reporter sends Classroom the sum of the tests' scores out of ``max_score``)."""
    tests = []
    several = len(results) > 1
    for result in results:
        file = result.path
        prefix = f"{result.id}: " if several else ""
        if result.status == "invalid":
            tests.append({"name": f"{prefix}notebook", "status": "error", "score": 0,
                          "message": f"Not a notebook the grader can read: {result.error}",
                          "test_code": f"grader check {file}", "filename": file, "line_no": 0, "duration": 0})
            continue
        text = read_text(root / result.path)
        for function in result.functions:
            case = failure_case(function)
            if function.status == "passed":
                message = f"{len(function.cases)} cases pass"
            elif function.status == "missing":
                message = f"There is no def {function.name} in the notebook yet."
            elif case is not None:
                message = f"{case.visibility} case '{case.name}': {case.message or case.status}"
                message += f"\nHint: {case.hint}" if case.hint else ""
            else:
                message = function.message or function.status
            line = (notebook_line(text, function.cell, function.line or 1)
                    if text and function.cell is not None else None)
            tests.append({
                "name": f"{prefix}{function.name}",
                "status": "pass" if function.status == "passed" else
                          "error" if function.status in ("error", "timeout") else "fail",
                "score": function.score, "message": message,
                "test_code": f"grader check {file} --function {function.name}",
                "filename": file, "line_no": line or 0,
                "duration": round(sum(case.seconds for case in function.cases) * 1000)})
    if not results:
        tests.append({"name": "notebook", "status": "fail", "score": 0,
                      "message": "No notebook to grade was found.", "test_code": "grader ci --all",
                      "filename": "", "line_no": 0, "duration": 0})
    max_score = sum(result.max_score for result in results) or assignment.max_score
    status = "pass" if all(test["status"] == "pass" for test in tests) else "fail"
    return {"version": 1, "status": status, "max_score": max_score, "tests": tests}


def classroom_output(document: dict) -> str:
    """The step output line: ``result=<base64 of the compact JSON>``."""
    encoded = base64.b64encode(json.dumps(document, separators=(",", ":"), allow_nan=False).encode()).decode()
    return f"result={encoded}"
