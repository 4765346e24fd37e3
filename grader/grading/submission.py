"""Grade one submission: load, extract, run each graded function isolated, compare, score."""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from grader.feedback import hints
from grader.core.assignment import Assignment, GradedFunction
from grader.core.compare import compare_return
from grader.core.extract import Submission, extract
from grader.core.notebook import InvalidNotebook, load_notebook, parse_notebook
from grader.core.results import CASE_STATUSES, CaseResult, FunctionResult, SubmissionResult, worst
from grader.execution.runner import Chain, FunctionRun, Outcome, run_submission
from grader.execution.zygote import Zygote

if TYPE_CHECKING:
    from grader.grading.verdicts import Verdicts

_UNDEFINED_NAME = re.compile(r"NameError: name '(\w+)' is not defined")


def grade_notebook(zygote: Zygote, assignment: Assignment, path: Path, submission_id: str,
                   only: tuple[str, ...] = (), data: bytes | None = None,
                   verdicts: Verdicts | None = None) -> SubmissionResult:
    """``data``: the notebook's bytes when the caller has read them (``read_notebook_bytes``).
    With ``verdicts``, a function run before with the same key is not run again."""
    started = time.perf_counter()
    graded_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        notebook = load_notebook(path) if data is None else parse_notebook(data, Path(path))
    except InvalidNotebook as error:
        return SubmissionResult(submission_id, str(path), "invalid", str(error), 0.0,
                                assignment.max_score, graded_at=graded_at,
                                seconds=time.perf_counter() - started)
    submission = extract(notebook, assignment.ignored_modules)
    chosen = [function for function in assignment.functions if not only or function.name in only]
    present = [function for function in chosen if submission.defines(function.name)]
    run = (verdicts.run_submission(zygote, assignment, submission, present) if verdicts is not None
           else run_submission(zygote, assignment, submission, present))
    warnings = list(submission.warnings) + [w for w in run.load_warnings if w not in submission.warnings]
    headings = _headings(notebook)
    results = [grade_function(assignment, submission, function, run.functions.get(function.name),
                              headings.get(_normal(function.section)))
               for function in chosen]
    score = round(sum(result.score for result in results), 4)
    return SubmissionResult(submission_id, str(path), "graded", None, score, assignment.max_score,
                            tuple(results), tuple(warnings), graded_at,
                            time.perf_counter() - started, notebook.nbformat)


def grade_function(assignment: Assignment, submission: Submission, function: GradedFunction,
                   run: FunctionRun | None, section_cell: int | None = None) -> FunctionResult:
    definition = submission.functions.get(function.name)
    if definition is None or run is None:
        message = f"{function.name} is not defined in the notebook (no `def {function.name}` found)"
        return FunctionResult(function.name, "missing", 0.0, function.points, message,
                              section=function.section, section_cell=section_cell)
    cases = tuple(_case_result(assignment, submission, function, case, outcome)
                  for case, outcome in zip(function.cases, run.outcomes))
    status = worst([case.status for case in cases if case.status != "not run"])
    total_weight = sum(case.weight for case in function.cases)
    passed_weight = sum(case.weight for case in cases if case.status == "passed")
    score = round(function.points * passed_weight / total_weight, 4) if total_weight else 0.0
    message = _function_message(cases)
    if status == "passed":
        message = _chain_note(assignment, submission, function, run.chain)
    return FunctionResult(
        function.name, status, score, function.points, message,
        cases, definition.cell, definition.line, definition.marked, definition.source, run.output,
        function.section, section_cell)


def _headings(notebook) -> dict[str, int]:
    """Each markdown heading of the notebook, normalised, and the cell it is in."""
    found: dict[str, int] = {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    found.setdefault(_normal(line.lstrip("#")), cell.number)
    return found


def _normal(heading: str) -> str:
    return " ".join(heading.replace("-", " ").split()).casefold()


def _chain_note(assignment: Assignment, submission: Submission, function: GradedFunction,
                chain: Chain | None) -> str:
    """For a function correct on its own: whether it still works calling the student's own
    versions of the graded functions it calls, and if not, whom to fix first."""
    if chain is None:
        return ""
    outcome = chain.outcome
    if outcome.status == "returned":
        if not compare_return(function, function.cases[0].expected, outcome.value):
            return ""
        what = "gives wrong results"
    elif outcome.status == "timeout":
        what = "does not finish"
    else:
        what = f"fails ({outcome.error})"
    if not chain.callees:
        return f"Correct on its own, but {what} when it calls your own functions."
    yours = _join([f"your {name}" for name in chain.callees])
    fix = "that" if len(chain.callees) == 1 else "those"
    return (f"Correct on its own (graded with the reference {_join(list(chain.callees))}), but it "
            f"{what} when it calls {yours}: fix {fix} first.")


def _case_result(assignment: Assignment, submission: Submission, function: GradedFunction, case,
                 outcome: Outcome) -> CaseResult:
    common = dict(name=case.name, visibility=case.visibility, about=case.about,
                  seconds=outcome.seconds, weight=case.weight)
    if outcome.status == "returned":
        reveal = assignment.reveal_hidden or not case.hidden
        mismatches = compare_return(function, case.expected, outcome.value, reveal)
        if not mismatches:
            return CaseResult(status="passed", **common)
        hint = hints.explain(assignment, function, case, outcome.value, mismatches)
        return CaseResult(status="failed", message=_mismatch_summary(mismatches),
                          mismatches=mismatches, hint=hint, **common)
    if outcome.status == "timeout":
        return CaseResult(status="timeout", message=outcome.error, **common)
    if outcome.status == "not run":
        return CaseResult(status="not run", message=outcome.error, **common)
    return CaseResult(status="error", message=outcome.error, traceback=outcome.traceback,
                      hint=_explain_error(submission, outcome.error)
                      or hints.explain_error(assignment, function.name, outcome.error), **common)


def _explain_error(submission: Submission, error: str) -> str:
    """Say plainly when the function leans on a variable only a test cell assigns."""
    match = _UNDEFINED_NAME.search(error)
    if match is None or match.group(1) not in submission.variables:
        return ""
    name = match.group(1)
    return (f"it uses the variable `{name}` that cell {submission.variables[name]} assigns (a test "
            f"cell). That works in your notebook, run top to bottom, but a graded function is called "
            f"on its own: take `{name}` from the function's arguments (for a weight, from "
            f"`parameters`) instead of the notebook's globals.")


def _mismatch_summary(mismatches) -> str:
    """One sentence: which outputs are wrong, then how, saying once what several share."""
    names = list(dict.fromkeys(mismatch.output for mismatch in mismatches))
    groups: dict[str, list[str]] = {}
    for mismatch in mismatches:
        if mismatch.kind == "shape":  # the same shape mistake on several outputs is said once
            pattern = mismatch.message.replace(mismatch.output, "{}", 1)
            groups.setdefault(pattern, []).append(mismatch.output)
        else:
            groups.setdefault(mismatch.message, [])
    details = [pattern.format(_join(outputs)).replace(" has shape", " have shape", 1 if len(outputs) > 1 else 0)
               if outputs else pattern for pattern, outputs in groups.items()]
    if len(details) == 1:
        return details[0]
    more = f"; and {len(details) - 3} more" if len(details) > 3 else ""
    verb = "is" if len(names) == 1 else "are"
    return f"{_join(names)} {verb} wrong: {'; '.join(details[:3])}{more}"


def _function_message(cases: tuple[CaseResult, ...]) -> str:
    failing = [case for case in cases if case.status != "passed"]
    if not failing:
        return ""
    first = min(failing, key=lambda case: CASE_STATUSES.index(case.status)
                if case.status in ("timeout", "error") else len(CASE_STATUSES))
    first = first if first.status in ("timeout", "error") else failing[0]
    where = f"{first.visibility} case '{first.name}'"
    others = len(failing) - 1
    tail = f" (and {others} more case{'s' if others > 1 else ''})" if others else ""
    hint = f" Hint: {first.hint}" if first.hint else ""
    return f"{where}: {first.message}{tail}.{hint}"


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
