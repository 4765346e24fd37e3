"""Arrays on the student page: the reference's value of a compared output, and a compact table
of it with the worst element marked."""
from __future__ import annotations

import re

import numpy as np
from markupsafe import Markup, escape

from grader.core.assignment import Case, GradedFunction

_ARRAY_ROWS, _ARRAY_COLUMNS = 8, 10
_PATH = re.compile(r'^([^\[]+)((?:\[(?:"[^"]*"|\d+)\])*)$')
_STEP = re.compile(r'\[(?:"([^"]*)"|(\d+))\]')


def expected_value(function: GradedFunction, case: Case, output: str):
    """The reference's value of an output path (``dba``, ``parameters["W1"]``), or None."""
    match = _PATH.match(output)
    if match is None:
        return None
    head, rest = match.groups()
    try:
        value = function.expected_output(case, head) if function.returns is not None else case.expected[head]
        for key, index in _STEP.findall(rest):
            value = value[key] if key or not index else value[int(index)]
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    return value


def parse_index(index: str) -> tuple[int, ...] | None:
    numbers = re.findall(r"-?\d+", index or "")
    return tuple(int(number) for number in numbers) if numbers else None


def array_html(value, mark: tuple[int, ...] | None = None) -> Markup | None:
    """A compact table of a numeric array: large ones elided, the element at ``mark`` marked;
    an array of more than two dimensions is shown as the 2-D slice holding ``mark``."""
    try:
        array = np.asarray(value)
    except Exception:
        return None
    if array.dtype.kind not in "biufc" or array.size == 0:
        return None
    if array.ndim == 0:
        return Markup(f'<span class="number">{escape(_format(array.item()))}</span>')
    caption = ""
    if array.ndim > 2:
        fixed = tuple(mark[2:]) if mark and len(mark) == array.ndim else (0,) * (array.ndim - 2)
        caption = f"slice [:, :, {', '.join(map(str, fixed))}] of shape {tuple(array.shape)}"
        array = array[(slice(None), slice(None), *fixed)]
        mark = mark[:2] if mark else None
    if array.ndim == 1:
        rows, columns = [None], _pick(array.shape[0], mark[0] if mark else None, _ARRAY_COLUMNS)
    else:
        rows = _pick(array.shape[0], mark[0] if mark else None, _ARRAY_ROWS)
        columns = _pick(array.shape[1], mark[1] if mark else None, _ARRAY_COLUMNS)
    parts = ['<table class="array">']
    if caption:
        parts.append(f"<caption>{escape(caption)}</caption>")
    parts.append("<thead><tr>" + ("<th></th>" if array.ndim == 2 else ""))
    for column in columns:
        parts.append("<th>…</th>" if column is None else f"<th>{column}</th>")
    parts.append("</tr></thead><tbody>")
    for row in rows:
        if array.ndim == 2 and row is None:
            parts.append('<tr class="gap"><th>⋮</th>' + "<td>⋮</td>" * len(columns) + "</tr>")
            continue
        parts.append("<tr>" + (f"<th>{row}</th>" if array.ndim == 2 else ""))
        for column in columns:
            if column is None:
                parts.append("<td>…</td>")
                continue
            position = (row, column) if array.ndim == 2 else (column,)
            text = escape(_format(array[position].item()))
            if mark is not None and tuple(mark) == position:
                parts.append(f'<td class="worst" title="worst element {list(position)}"><mark>{text}</mark></td>')
            else:
                parts.append(f"<td>{text}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return Markup("".join(parts))


def _pick(length: int, keep: int | None, limit: int) -> list[int | None]:
    """Indices to show of ``length``: all when few, else the ends and ``keep``, None for a gap."""
    if length <= limit:
        return list(range(length))
    chosen = {0, 1, 2, length - 2, length - 1}
    if keep is not None and 0 <= keep < length:
        chosen.update({keep - 1, keep, keep + 1} & set(range(length)))
    shown: list[int | None] = []
    previous = -1
    for index in sorted(chosen):
        if index != previous + 1:
            shown.append(None)
        shown.append(index)
        previous = index
    return shown


def _format(number) -> str:
    if isinstance(number, complex):
        return f"{number:.4g}"
    if isinstance(number, bool):
        return str(number)
    return f"{number:.5g}"
