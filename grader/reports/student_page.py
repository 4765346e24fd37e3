"""The student page: a header, a row per graded function, each failure expanded (the mismatches,
the expected array, a snippet that reproduces it), then the notebook itself (``grader.reports.appendix``).
Templates get plain view data built here, so what the page shows is decided in Python."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from markupsafe import Markup

from grader.reports.appendix import Appendix, render_appendix
from grader.reports.appendix import prepare as prepare_appendix
from grader.reports.array_view import array_html, expected_value, parse_index
from grader.core.assignment import Assignment, Case, GradedFunction
from grader.reports.page_parts import _content_security_policy, _environment, _when, highlight
from grader.feedback.reproduce import reproduce
from grader.core.results import FUNCTION_STATUSES, CaseResult, FunctionResult, Mismatch, SubmissionResult


@dataclass
class MismatchView:
    mismatch: Mismatch
    expected_array: Markup | None = None


@dataclass
class CaseView:
    result: CaseResult
    revealed: bool  # expected values may be shown
    mismatches: list[MismatchView]
    snippet: Markup | None = None
    snippet_notes: list[str] = field(default_factory=list)
    reproduction_note: str = ""
    error_lines: tuple[int, ...] = ()


@dataclass
class FunctionView:
    result: FunctionResult
    why: str
    failing: list[CaseView]
    passing: list[CaseResult]
    planned: list[Case]  # the cases of a function that could not be graded (missing)
    code: Markup | None
    notes: list[str]


def render_submission(assignment: Assignment, result: SubmissionResult, *, overview_href: str | None = None,
                      appendix: bool = True) -> str:
    """The student page: header, a row per function, each failure expanded, then the notebook."""
    statuses = {function.name: function.status for function in result.functions}
    cell_warnings: dict[int, list[str]] = {}
    for warning in result.warnings:
        number = warning_cell(warning)
        if number is not None:
            cell_warnings.setdefault(number, []).append(warning)
    pointed_at = {function.cell for function in result.functions if function.cell is not None}
    pointed_at |= {function.section_cell for function in result.functions if function.section_cell is not None}
    rendered = (render_appendix(result.path, pointed_at | set(cell_warnings))
                if appendix and result.status == "graded"
                else Appendix(error="" if appendix else "not rendered"))
    cell_sources = {cell.number: cell.source for cell in rendered.cells if cell.source}
    functions = [_function_view(assignment, function, statuses, cell_sources.get(function.cell))
                 for function in result.functions]
    defined_in: dict[int, list[FunctionResult]] = {}
    for function in result.functions:
        if function.cell is not None:
            defined_in.setdefault(function.cell, []).append(function)
    counts = Counter(function.status for function in result.functions)
    return _environment().get_template("submission.html.j2").render(
        assignment=assignment, result=result, functions=functions, appendix=rendered,
        cell_warnings=cell_warnings, defined_in=defined_in, overview_href=overview_href,
        graded_at=_when(result.graded_at), counts=counts, statuses=FUNCTION_STATUSES,
        warning_cell=warning_cell, csp=_content_security_policy(),
        cell_numbers={cell.number for cell in rendered.cells})


def prepare() -> None:
    """Build what every page uses (templates, exporter, lexer) once, in a process about to draw many."""
    prepare_appendix()
    _environment().get_template("submission.html.j2")
    highlight("pass", 1)


def warning_cell(warning: str) -> int | None:
    """The notebook cell a warning names ("cell 14 (In [7]) was skipped: ..."), if any."""
    match = re.match(r"cell (\d+)\b", warning)
    return int(match.group(1)) if match else None


def _function_view(assignment: Assignment, function: FunctionResult, statuses: dict[str, str],
                   cell_source: str | None = None) -> FunctionView:
    try:
        graded = assignment.function(function.name)
    except KeyError:
        graded = None
    failing, passing = [], []
    error_lines: set[int] = set()
    for index, case in enumerate(function.cases):
        if case.status == "passed":
            passing.append(case)
            continue
        spec_case = _spec_case(graded, case, index)
        view = _case_view(assignment, graded, spec_case, case, function, statuses)
        error_lines.update(view.error_lines)
        failing.append(view)
    code = (highlight(function.source, function.line, tuple(sorted(error_lines)), cell_source)
            if function.source else None)
    planned = list(graded.cases) if graded is not None and function.status == "missing" else []
    return FunctionView(function, why(function), failing, passing, planned, code,
                        _stand_in_notes(assignment, function, statuses))


def _spec_case(graded: GradedFunction | None, case: CaseResult, index: int) -> Case | None:
    if graded is None:
        return None
    if index < len(graded.cases) and graded.cases[index].name == case.name:
        return graded.cases[index]
    return next((spec for spec in graded.cases if spec.name == case.name), None)


def _case_view(assignment: Assignment, graded: GradedFunction | None, spec_case: Case | None,
               case: CaseResult, function: FunctionResult, statuses: dict[str, str]) -> CaseView:
    revealed = case.visibility == "public" or assignment.reveal_hidden
    mismatches = []
    for mismatch in case.mismatches:
        array = None
        if revealed and graded is not None and spec_case is not None and mismatch.kind in ("values", "nonfinite"):
            expected = expected_value(graded, spec_case, mismatch.output)
            if expected is not None:
                array = array_html(expected, parse_index(mismatch.index))
        mismatches.append(MismatchView(mismatch, array))
    view = CaseView(case, revealed, mismatches, error_lines=_error_lines(case, function))
    if revealed and graded is not None and spec_case is not None and case.status in ("failed", "error", "timeout"):
        outcome = case.message if case.status in ("error", "timeout") else ""
        reproduction = reproduce(assignment, graded, spec_case, case.mismatches, outcome)
        if reproduction.code:
            view.snippet = highlight(reproduction.code.rstrip("\n"), 1)
            view.snippet_notes = _snippet_notes(reproduction.uses, statuses)
        else:
            view.reproduction_note = " ".join(reproduction.notes)
    return view


def _error_lines(case: CaseResult, function: FunctionResult) -> tuple[int, ...]:
    """Lines of the function's own cell that the traceback names."""
    if function.cell is None:
        return ()
    lines = re.findall(rf"cell {function.cell}, line (\d+)", case.traceback or case.message)
    first = function.line or 1
    last = first + function.source.count("\n")
    return tuple(line for line in map(int, lines) if first <= line <= last)


def _snippet_notes(uses: tuple[str, ...], statuses: dict[str, str]) -> list[str]:
    notes = []
    for name in uses:
        status = statuses.get(name)
        if status == "passed":
            notes.append(f"It builds the inputs with your own {name}, as the notebook's test cell "
                         f"does; yours passes, so they are the grader's inputs.")
        elif status == "missing":
            notes.append(f"It calls {name}, which your notebook does not define yet: the grader "
                         f"built these inputs with the reference {name}.")
        elif status is not None:
            notes.append(f"It calls your {name}, which does not pass yet ({status}): until it does, "
                         f"this builds other inputs than the grader's, which used the reference {name}.")
        else:
            notes.append(f"It calls your {name} to build the inputs; the grader used the reference {name}.")
    return notes


def _stand_in_notes(assignment: Assignment, function: FunctionResult, statuses: dict[str, str]) -> list[str]:
    """Say when this function's calls to other graded functions were answered by the reference
    (only those its reference calls are)."""
    notes = []
    answered = next((f.stand_ins for f in assignment.functions if f.name == function.name), ())
    for name in answered:
        if name == function.name or not re.search(rf"\b{re.escape(name)}\s*\(", function.source):
            continue
        status = statuses.get(name)
        if status and status != "passed":
            notes.append(f"When graded, the calls {function.name} makes to {name} were answered by "
                         f"the reference {name}, so this grade is {function.name}'s own. In your "
                         f"notebook they run your {name}, which does not pass yet ({status}).")
    return notes


def why(function: FunctionResult) -> str:
    """One line: why the function got the status it got."""
    total = len(function.cases)
    if function.status == "passed":
        return f"all {total} case{'s' if total != 1 else ''} pass"
    if function.status == "missing":
        return f"not defined in the notebook (no def {function.name})"
    failing = [case for case in function.cases if case.status not in ("passed", "not run")]
    if not failing:
        return _first_sentence(function.message) or function.status
    first = next((case for case in failing if case.hint), None) or failing[0]
    if first.hint:
        reason = "hint: " + first.hint
    elif first.mismatches:
        reason = first.mismatches[0].message
        if len(first.mismatches) > 1:
            reason += f" (and {len(first.mismatches) - 1} more output{'s' if len(first.mismatches) > 2 else ''})"
    else:
        reason = first.message
    verb = {"error": "raise an error", "timeout": "time out"}.get(first.status, "fail")
    if len(failing) == 1 and total > 1:
        lead = f"fails the {first.visibility} case “{first.name}”"
    elif len(failing) == total:
        lead = f"all {total} cases {verb}" if total > 1 else f"the case {verb}s"
    else:
        lead = f"{len(failing)} of {total} cases {verb}"
    return f"{lead}: {_shorten(reason, 180)}"


def _first_sentence(text: str) -> str:
    return text.split(". ")[0] if text else ""


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
