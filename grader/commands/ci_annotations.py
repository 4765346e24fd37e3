"""GitHub workflow commands for ``grader ci``: escaping, the ``::error`` annotations on failing
functions, and ``notebook_line``, which finds the line of the ``.ipynb`` file where a cell's line
stands so an annotation shows in the pull request's diff.
"""
from __future__ import annotations

import bisect
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from grader.core.results import FunctionResult, SubmissionResult
from grader.reports.terminal import failure_case


MAX_ERRORS = 10  # GitHub shows at most 10 error annotations per step


# --------------------------------------------------------------------------- annotations

def escape_data(text: str) -> str:
    """A workflow command's message, as GitHub's runner un-escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties) -> str:
    shown = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items()
                     if value is not None and value != "")
    return f"::{command}{' ' + shown if shown else ''}::{escape_data(message)}"


@dataclass(frozen=True)
class Annotation:
    rank: tuple  # smaller first: the most useful
    file: str
    line: int | None
    title: str
    message: str

    def command(self, kind: str = "error") -> str:
        return workflow_command(kind, self.message, file=self.file, line=self.line, title=self.title)


def annotations(assignment, root: Path, results: list[SubmissionResult], limit: int = MAX_ERRORS) -> list[str]:
    """The ``::error`` lines, at most ``limit``, the most useful first, and a ``::warning`` saying
    how many more there are."""
    found: list[Annotation] = []
    for order, result in enumerate(results):
        file = result.path
        if result.status == "invalid":
            found.append(Annotation((0, 0, order, 0), file, None, "Not a notebook the grader can read",
                                    f"{result.error}\nOpen it in Jupyter, save it again and push."))
            continue
        text = None
        for index, function in enumerate(result.functions):
            if function.status == "passed":
                continue
            line = None
            if function.cell is not None:
                if text is None:
                    text = read_text(root / result.path)
                line = notebook_line(text, function.cell, function.line or 1) if text else None
            found.append(_function_annotation(result, function, file, line, (order, index)))
    found.sort(key=lambda annotation: annotation.rank)
    lines = [annotation.command() for annotation in found[:limit]]
    if len(found) > limit:
        lines.append(workflow_command(
            "warning", f"{len(found) - limit} more function(s) do not pass; the job summary lists them all.",
            title=f"{len(found)} failing functions, {limit} annotated"))
    return lines


def _function_annotation(result: SubmissionResult, function: FunctionResult, file: str, line: int | None,
                         order: tuple) -> Annotation:
    lost = function.max_score - function.score
    title = f"{function.name}: {function.status} ({function.score:g} / {function.max_score:g} points)"
    check = f"grader check {shlex.quote(result.path)} --function {function.name}"
    if function.status == "missing":
        message = f"There is no `def {function.name}` in this notebook yet."
        return Annotation((3, -lost, *order), file, None, title, message)
    case = failure_case(function)
    if case is None:
        message = function.message or function.status
        hinted = False
    else:
        message = f"{case.visibility} case '{case.name}': {case.message or case.status}"
        if case.hint:
            message += f"\nHint: {case.hint}"
        hinted = bool(case.hint)
    message += f"\nTo see it on your computer: {check}"
    return Annotation((1 if hinted else 2, -lost, *order), file, line, title, message)


def read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


# --------------------------------------------------------------------------- a cell's line in the .ipynb file

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


class _Node:
    """A JSON value and where it starts in the text."""
    __slots__ = ("start", "kind", "items", "end")

    def __init__(self, start: int, kind: str, items=None, end: int = 0):
        self.start, self.kind, self.items, self.end = start, kind, items, end


def _parse(text: str, position: int = 0, depth: int = 0) -> _Node:
    if depth > 64:
        raise ValueError("nested too deeply")
    position = _WHITESPACE.match(text, position).end()
    character = text[position:position + 1]
    if character == "{":
        items: dict[str, _Node] = {}
        node = _Node(position, "object", items)
        position = _WHITESPACE.match(text, position + 1).end()
        if text[position:position + 1] == "}":
            node.end = position + 1
            return node
        while True:
            key = _STRING.match(text, position)
            if key is None:
                raise ValueError(f"a key expected at {position}")
            position = _WHITESPACE.match(text, key.end()).end()
            if text[position:position + 1] != ":":
                raise ValueError(f"':' expected at {position}")
            value = _parse(text, position + 1, depth + 1)
            items[json.loads(key.group())] = value
            position = _WHITESPACE.match(text, value.end).end()
            if text[position:position + 1] == ",":
                position = _WHITESPACE.match(text, position + 1).end()
                continue
            if text[position:position + 1] == "}":
                node.end = position + 1
                return node
            raise ValueError(f"',' or '}}' expected at {position}")
    if character == "[":
        elements: list[_Node] = []
        node = _Node(position, "array", elements)
        position = _WHITESPACE.match(text, position + 1).end()
        if text[position:position + 1] == "]":
            node.end = position + 1
            return node
        while True:
            value = _parse(text, position, depth + 1)
            elements.append(value)
            position = _WHITESPACE.match(text, value.end).end()
            if text[position:position + 1] == ",":
                position += 1
                continue
            if text[position:position + 1] == "]":
                node.end = position + 1
                return node
            raise ValueError(f"',' or ']' expected at {position}")
    match = _STRING.match(text, position) if character == '"' else _SCALAR.match(text, position)
    if match is None:
        raise ValueError(f"a value expected at {position}")
    return _Node(position, "string" if character == '"' else "scalar", None, match.end())


def notebook_line(text: str, cell: int, line: int) -> int | None:
    """The line of the .ipynb file (1-based) holding line ``line`` of cell ``cell`` (both
    1-based, cells counted as the grader counts them: every cell, markdown too). None when the
    file is not a notebook this can read."""
    try:
        root = _parse(text)
    except (ValueError, RecursionError, IndexError):
        return None
    if root.kind != "object":
        return None
    cells = _cells(root)
    if cells is None or not 1 <= cell <= len(cells) or cells[cell - 1].kind != "object":
        return None
    fields = cells[cell - 1].items
    source = fields.get("source") or fields.get("input")
    if source is None:
        return None
    line_of = _line_counter(text)
    if source.kind == "string":
        return line_of(source.start)
    if source.kind != "array" or not source.items:
        return None
    seen = 0  # newlines in the elements before this one
    for element in source.items:
        if element.kind != "string":
            return None
        if seen >= line - 1:
            return line_of(element.start)
        seen += json.loads(text[element.start:element.end]).count("\n")
    return line_of(source.items[-1].start)


def _cells(root: _Node) -> list[_Node] | None:
    fields = root.items
    if "cells" in fields and fields["cells"].kind == "array":
        return fields["cells"].items
    worksheets = fields.get("worksheets")  # format 3: the cells of every worksheet, in order
    if worksheets is not None and worksheets.kind == "array":
        cells = []
        for sheet in worksheets.items:
            if sheet.kind == "object" and "cells" in sheet.items and sheet.items["cells"].kind == "array":
                cells.extend(sheet.items["cells"].items)
        return cells
    return None


def _line_counter(text: str):
    starts = [0] + [match.end() for match in re.finditer("\n", text)]
    return lambda offset: bisect.bisect_right(starts, offset)
