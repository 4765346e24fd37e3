"""The terminal report: one line per graded function, under each failure why (the failing case,
what was wrong, the hint), and at the end, in plain words, what to do next.

Colour only on a terminal (``use_colour``), plain text anywhere else: a file, a pipe, CI logs,
a notebook's text output. ``failure_case`` and ``location`` are shared with the notebook view
(``grader.commands.live``) and the CI reports (``grader.commands.ci``), so all three say the same thing.
"""
from __future__ import annotations

import os
import shlex
import shutil
import textwrap

from grader.core.results import CaseResult, FunctionResult, SubmissionResult

ICONS = {"passed": "✔", "failed": "✗", "error": "⚠", "missing": "∅", "timeout": "⏱", "not run": "–",
         "invalid": "✗"}
_COLOURS = {"passed": "32", "failed": "31", "error": "35", "missing": "90", "timeout": "33", "invalid": "31",
            "hint": "33", "dim": "2", "bold": "1"}
_TRACEBACK_LINES = 4
_INDENT = "      "


def use_colour(stream) -> bool:
    """Colour for this stream: a terminal that is not ``dumb``, unless ``NO_COLOR`` is set
    (https://no-color.org); ``FORCE_COLOR`` forces it."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return bool(stream.isatty()) and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):
        return False


def default_width(colour: bool) -> int:
    if not colour:
        return 100
    return max(60, min(110, shutil.get_terminal_size((100, 24)).columns))


def format_result(result: SubmissionResult, colour: bool = False, width: int | None = None, *,
                  scope: str = "", rerun: str | None = None, rerun_all: str | None = None,
                  locate=None, place: str = "the notebook") -> str:
    """The report for one graded notebook.

    ``scope`` is said before the advice (which cases ran: ``StudentView.scope``). ``rerun`` is
    the command that checks one function again, with ``{function}`` in it (default
    ``grader check PATH --function {function}``); ``rerun_all`` checks everything again
    (default ``grader check PATH``). ``locate(function)`` says where a function is defined
    (default ``location``: ``cell 4, line 3``). ``place`` is where functions are written
    ("the notebook"; "this kernel" for a live check).
    """
    width = width or default_width(colour)
    locate = locate or location

    def paint(text: str, style: str) -> str:
        return f"\033[{_COLOURS.get(style, '0')}m{text}\033[0m" if colour else text

    def wrapped(text: str, indent: str = _INDENT, first: str | None = None) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width=width, initial_indent=first or indent,
                             subsequent_indent=indent, break_on_hyphens=False) or [indent.rstrip()]

    path = shlex.quote(result.path)
    rerun = rerun or f"grader check {path} --function {{function}}"
    rerun_all = rerun_all or f"grader check {path}"
    if result.status == "invalid":
        lines = [paint(f"{ICONS['invalid']} {result.id}: not a notebook the grader can read: {result.error}", "invalid"), ""]
        for text, command in next_steps(result, rerun, rerun_all):
            lines.extend([paint("    " + text, "bold")] if command else wrapped(text, ""))
        return "\n".join(lines)

    lines = [headline(result)]
    for warning in result.warnings:
        lines.extend(wrapped(f"warning: {warning}", "    ", "  "))
    name_width = max((len(f.name) for f in result.functions), default=10)
    for function in result.functions:
        status = f"{ICONS.get(function.status, '?')} {function.status:<7}"
        where = locate(function)
        line = (f"  {paint(status, function.status)}  {function.name:<{name_width}}  "
                f"{function.score:>5g} / {function.max_score:g}")
        if where and function.status != "passed":
            line += "   " + paint(where, "dim")
        lines.append(line)
        if function.status == "passed":
            if function.message:  # correct on its own, but the student's own chain breaks it
                lines.extend(wrapped(function.message))
            continue
        if function.status == "missing":
            lines.extend(wrapped(f"not written yet: there is no `def {function.name}` in {place}"))
            continue
        case = failure_case(function)
        if case is None:  # no case result: say what grading said
            lines.extend(wrapped(function.message or function.status))
            continue
        lines.extend(wrapped(case_label(case)))
        lines.extend(wrapped(case.message or case.status, _INDENT + "  ", _INDENT + "  "))
        if case.status == "error" and case.traceback:
            shown = [text.rstrip() for text in case.traceback.rstrip().splitlines()
                     if text.strip() and text.strip() not in case.message]
            for text in shown[-_TRACEBACK_LINES:]:
                lines.append(paint(f"{_INDENT}  | {text}", "dim"))
        if case.hint:
            hint = wrapped(case.hint, _INDENT + "        ", _INDENT + "  hint: ")
            hint[0] = _INDENT + "  " + paint("hint:", "hint") + hint[0][len(_INDENT) + 7:]
            lines.extend(hint)
            if function.section:
                where = f" (cell {function.section_cell})" if function.section_cell else ""
                lines.extend(wrapped(f"read again: \u201c{function.section}\u201d{where} in the assignment",
                                     _INDENT + "        ", _INDENT + "  "))
        others = [other for other in function.cases
                  if other is not case and other.status not in ("passed", "not run")]
        if others:
            lines.extend(wrapped(f"also {_cases_phrase(others)}", _INDENT + "  ", _INDENT + "  "))
    lines.append("")
    if scope:
        lines.extend(wrapped(scope, ""))
    for text, command in next_steps(result, rerun, rerun_all, locate, place):
        lines.extend([paint("    " + text, "bold")] if command else wrapped(text, ""))
    return "\n".join(lines)


def headline(result: SubmissionResult) -> str:
    """``RNN: 58 / 100 points (58%)``; for a check of some functions, their points only."""
    checked = sum(function.max_score for function in result.functions)
    if result.functions and checked < result.max_score - 1e-9:
        score = sum(function.score for function in result.functions)
        names = (result.functions[0].name if len(result.functions) == 1
                 else f"the {len(result.functions)} functions checked")
        percent = 100.0 * score / checked if checked else 0.0
        return f"{result.id}: {score:g} / {checked:g} points for {names} ({percent:.0f}%)"
    return f"{result.id}: {result.score:g} / {result.max_score:g} points ({result.percent:.0f}%)"


def next_steps(result: SubmissionResult, rerun: str, rerun_all: str, locate=None,
               place: str = "the notebook") -> list[tuple[str, bool]]:
    """What to do now: sentences, and commands to type (``(text, True)``), in order."""
    if result.status == "invalid":
        return [("Next: open the file in Jupyter, check that it shows your cells, save it again "
                 "(File > Save) and check it again:", False), (rerun_all, True)]
    functions = result.functions
    if not functions:
        return [("Nothing was checked.", False)]
    broken = [f for f in functions if f.status in ("failed", "error", "timeout")]
    missing = [f for f in functions if f.status == "missing"]
    if not broken and not missing:
        if sum(f.max_score for f in functions) < result.max_score - 1e-9:  # some functions checked
            names = _join([f.name for f in functions])
            return [(f"{names} {'passes' if len(functions) == 1 else 'pass'}. To check everything:", False),
                    (rerun_all, True)]
        count = "The graded function passes" if len(functions) == 1 else f"All {len(functions)} graded functions pass"
        return [(f"{count}: you are ready to hand in.", False)]
    steps: list[tuple[str, bool]] = []
    if broken:
        first = broken[0]
        where = (locate or location)(first)
        steps.append((f"Next: fix {first.name}{f' ({where})' if where else ''}, then check it again:", False))
        steps.append((rerun.format(function=first.name), True))
        if len(broken) > 1:
            steps.append((f"Then {_join([f.name for f in broken[1:]])}: "
                          f"{'it does' if len(broken) == 2 else 'they do'} not pass yet either.", False))
    if missing:
        names = _join([f.name for f in missing])
        verb = "is" if len(missing) == 1 else "are"
        lead = "Then write" if broken else "Next: write"
        steps.append((f"{lead} {names}: {'it' if len(missing) == 1 else 'they'} {verb} not in "
                      f"{place} yet.", False))
    return steps


def failure_case(function: FunctionResult) -> CaseResult | None:
    """The case that explains the function's status best: an error or timeout first (the code
    breaks), then a wrong result, then one that could not run."""
    order = {"error": 0, "timeout": 0, "failed": 1, "not run": 2}
    failing = [case for case in function.cases if case.status in order]
    if not failing:
        return None
    return min(failing, key=lambda case: order[case.status])


def case_label(case: CaseResult) -> str:
    """``public case 'notebook': the notebook's test cell (seed 1, ...)``"""
    about = f": {case.about}" if case.about else ""
    return f"{case.visibility} case '{case.name}'{about}"


def location(function: FunctionResult) -> str:
    """Where the notebook defines the function: ``cell 4, line 3``, or ''."""
    if function.cell is None:
        return ""
    return f"cell {function.cell}" + (f", line {function.line}" if function.line else "")


def _cases_phrase(cases: list[CaseResult]) -> str:
    verbs = {"failed": "fails", "error": "raises an error on", "timeout": "runs out of time on"}
    statuses = {case.status for case in cases}
    verb = verbs[statuses.pop()] if len(statuses) == 1 else "does not pass"
    public = [f"'{case.name}'" for case in cases if case.visibility != "hidden"]
    hidden = sum(case.visibility == "hidden" for case in cases)
    named = public + ([f"{hidden} hidden case{'s' if hidden > 1 else ''}"] if hidden else [])
    noun = "the case" if len(public) == 1 and not hidden else "the cases" if public else ""
    return f"{verb} {noun + ' ' if noun else ''}{_join(named)}".replace("  ", " ")


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
