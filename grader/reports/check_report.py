"""What ``check()`` in a notebook returns: a ``CheckReport``, shown as HTML in Jupyter (JupyterLab,
classic Notebook, VS Code: ``_repr_html_``, inline styles only, so nothing leaks into the page)
and as plain text anywhere else (``str``/``repr``); true when everything passed.
"""
from __future__ import annotations

import html
import re
import textwrap

from grader.core.results import FunctionResult, SubmissionResult
from grader.reports.terminal import ICONS, failure_case, format_result, headline, location, next_steps


_COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#8250df", "missing": "#6e7781",
            "timeout": "#bf8700", "not run": "#6e7781", "invalid": "#cf222e"}


# --------------------------------------------------------------------------- the report

class CheckReport:
    """What ``check()`` returns: HTML in Jupyter, text elsewhere; true when everything passed."""

    def __init__(self, result: SubmissionResult, *, scope: str = "", notes: list[str] = (),
                 rerun: str = 'check("{function}")', rerun_all: str = "check()", live: bool = False,
                 kernel_cell: int | None = None):
        self.result = result
        self.scope = scope
        self.notes = [note for note in notes if note]
        self.rerun = rerun
        self.rerun_all = rerun_all
        self.live = live
        self.kernel_cell = kernel_cell

    @property
    def passed(self) -> bool:
        return self.result.all_passed

    def __bool__(self) -> bool:
        return self.passed

    def where(self, function: FunctionResult) -> str:
        if not self.live or function.cell is None:
            return location(function)
        line = f", line {function.line}" if function.line else ""
        if function.cell == self.kernel_cell:
            return f"as the kernel has it{line}"
        return f"In [{function.cell}]{line}"

    @property
    def place(self) -> str:
        return "this kernel" if self.live else "the notebook"

    def __str__(self) -> str:
        text = format_result(self.result, colour=False, scope=self.scope, rerun=self.rerun,
                             rerun_all=self.rerun_all, locate=self.where, place=self.place)
        if self.notes:
            text += "\n\n" + "\n".join(textwrap.fill(note, 100) for note in self.notes)
        return text

    __repr__ = __str__

    def _repr_html_(self) -> str:
        result = self.result
        parts = ['<div class="grader-check" style="font-family: var(--jp-ui-font-family, system-ui, '
                 '-apple-system, Segoe UI, sans-serif); font-size: 13px; line-height: 1.5; '
                 'max-width: 62em; text-align: left;">']
        if result.status == "invalid":
            parts.append(_box("invalid", f"<b>{_e(result.id)}</b> is not a notebook the grader can read: "
                                         f"{_e(result.error or '')}"))
        else:
            mood = "passed" if result.all_passed else "failed"
            parts.append(f'<div style="font-size: 15px; font-weight: 600; margin: 2px 0 6px;">'
                         f'<span style="color: {_COLOURS[mood]};">{ICONS[mood]}</span> '
                         f'{_e(headline(result))}</div>')
            for warning in result.warnings:
                parts.append(f'<div style="opacity: .8;">⚠ {_e(warning)}</div>')
            parts.append(self._table())
            for function in result.functions:
                if function.status not in ("passed",):
                    parts.append(self._failure(function))
        if self.scope:
            parts.append(f'<div style="margin-top: 8px; opacity: .8;">{_e(self.scope)}</div>')
        parts.append(self._next())
        for note in self.notes:
            parts.append(f'<div style="margin-top: 6px; opacity: .7; font-size: 12px;">{_e(note)}</div>')
        parts.append("</div>")
        return "".join(parts)

    def _table(self) -> str:
        cell = 'style="text-align: left; padding: 2px 12px 2px 0; border: none; vertical-align: top;"'
        number = 'style="text-align: right; padding: 2px 12px 2px 0; border: none; white-space: nowrap;"'
        rows = []
        for function in self.result.functions:
            colour = _COLOURS.get(function.status, "inherit")
            rows.append(
                f'<tr style="background: none;"><td {cell}><span style="color: {colour}; font-weight: 600;">'
                f'{ICONS.get(function.status, "?")} {_e(function.status)}</span></td>'
                f'<td {cell}><code>{_e(function.name)}</code></td>'
                f'<td {number}>{function.score:g} / {function.max_score:g}</td>'
                f'<td {cell}><span style="opacity: .75;">{_e(_verdict(function))}</span></td></tr>')
        return ('<table style="border-collapse: collapse; border: none; margin: 4px 0 8px; width: auto;">'
                + "".join(rows) + "</table>")

    def _failure(self, function: FunctionResult) -> str:
        where = self.where(function)
        head = (f'<b><code>{_e(function.name)}</code></b> '
                f'<span style="color: {_COLOURS.get(function.status, "inherit")};">{_e(function.status)}</span>'
                + (f' <span style="opacity: .7;">· {_e(where)}</span>' if where else ""))
        body = []
        if function.status == "missing":
            body.append(f"Not written yet: there is no <code>def {_e(function.name)}</code> in {self.place}.")
            return _box(function.status, head + "<br>" + "".join(body))
        case = failure_case(function)
        if case is None:
            return _box(function.status, head + "<br>" + _e(function.message or function.status))
        about = f": {_e(case.about)}" if case.about else ""
        body.append(f'<div style="opacity: .8;">{_e(case.visibility)} case “{_e(case.name)}”{about}</div>')
        body.append(f"<div>{_prose(case.message or case.status)}</div>")
        mismatches = [m for m in case.mismatches if m.expected or m.got or m.got_shape]
        if mismatches:
            body.append(_mismatch_table(mismatches[:5]))
        if case.status == "error" and case.traceback:
            shown = [line.rstrip() for line in case.traceback.rstrip().splitlines()
                     if line.strip() and line.strip() not in case.message][-4:]
            if shown:
                body.append('<pre style="margin: 4px 0; padding: 4px 8px; background: rgba(127,127,127,.12); '
                            f'border-radius: 4px; white-space: pre-wrap;">{_e(chr(10).join(shown))}</pre>')
        if case.hint:
            body.append('<div style="margin-top: 4px; padding: 4px 8px; background: rgba(191,135,0,.14); '
                        f'border-radius: 4px;"><b>Hint:</b> {_prose(case.hint)}</div>')
        others = [other for other in function.cases if other is not case and other.status not in ("passed", "not run")]
        if others:
            hidden = sum(other.visibility == "hidden" for other in others)
            public = [f"“{_e(other.name)}”" for other in others if other.visibility != "hidden"]
            named = public + ([f"{hidden} hidden case{'s' if hidden > 1 else ''}"] if hidden else [])
            body.append(f'<div style="opacity: .75;">Also does not pass: {", ".join(named)}.</div>')
        return _box(function.status, head + "".join(body))

    def _next(self) -> str:
        parts = []
        for text, command in next_steps(self.result, self.rerun, self.rerun_all, self.where, self.place):
            parts.append(f"<code>{_e(text)}</code><br>" if command else _prose(text) + " ")
        return f'<div style="margin-top: 6px; font-weight: 500;">{"".join(parts)}</div>'


def _verdict(function: FunctionResult) -> str:
    total = len(function.cases)
    if function.status == "passed":
        return f"{total} case{'s' if total != 1 else ''} pass" if total else "passes"
    if function.status == "missing":
        return "not written yet"
    failing = [case for case in function.cases if case.status not in ("passed", "not run")]
    if not total:
        return function.status
    verb = {"error": "raises an error on", "timeout": "runs out of time on"}.get(function.status, "fails")
    return f"{verb} {len(failing)} of {total} case{'s' if total != 1 else ''}"


def _mismatch_table(mismatches) -> str:
    cell = 'style="text-align: left; padding: 1px 10px 1px 0; border: none;"'
    rows = ['<tr style="background: none; opacity: .7;">' + "".join(
        f"<th {cell}>{title}</th>" for title in ("output", "worst element", "expected", "you return")) + "</tr>"]
    for mismatch in mismatches:
        expected = mismatch.expected or (f"shape {mismatch.expected_shape}" if mismatch.expected_shape else "")
        got = mismatch.got or (f"shape {mismatch.got_shape}" if mismatch.got_shape else "")
        rows.append(f'<tr style="background: none;"><td {cell}><code>{_e(mismatch.output)}</code></td>'
                    f"<td {cell}>{_e(mismatch.index)}</td><td {cell}>{_e(expected) or '(hidden)'}</td>"
                    f"<td {cell}>{_e(got)}</td></tr>")
    return ('<table style="border-collapse: collapse; border: none; margin: 4px 0; font-size: 12px; width: auto;">'
            + "".join(rows) + "</table>")


def _box(status: str, inner: str) -> str:
    colour = _COLOURS.get(status, "#6e7781")
    return (f'<div style="border-left: 3px solid {colour}; padding: 4px 10px; margin: 6px 0; '
            f'background: rgba(127,127,127,.06);">{inner}</div>')


def _prose(text: str) -> str:
    """Escaped text with its `code` spans as <code>."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", _e(text))


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
