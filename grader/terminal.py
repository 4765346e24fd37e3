"""The terminal table: one line per graded function, and under each failure why."""
from __future__ import annotations

import textwrap

from grader.html import ICONS
from grader.results import SubmissionResult

_COLOURS = {"passed": "32", "failed": "31", "error": "35", "missing": "90", "timeout": "33", "invalid": "31"}


def format_result(result: SubmissionResult, colour: bool = False, width: int = 100) -> str:
    def paint(text: str, status: str) -> str:
        return f"\033[{_COLOURS.get(status, '0')}m{text}\033[0m" if colour else text

    if result.status == "invalid":
        return paint(f"✗ {result.id}: invalid notebook: {result.error}", "invalid")
    lines = [f"{result.id}: {result.score:g} / {result.max_score:g} points ({result.percent:.0f}%)"]
    for warning in result.warnings:
        lines.append(f"  warning: {warning}")
    name_width = max((len(f.name) for f in result.functions), default=10)
    for function in result.functions:
        status = f"{ICONS[function.status]} {function.status:<7}"
        lines.append(f"  {paint(status, function.status)}  {function.name:<{name_width}}  "
                     f"{function.score:>5g} / {function.max_score:g}")
        if function.message:
            lines.extend(textwrap.wrap(function.message, width=width, initial_indent="      ",
                                       subsequent_indent="      "))
    return "\n".join(lines)
