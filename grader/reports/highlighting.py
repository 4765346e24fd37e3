"""Python code highlighted by Pygments for the student page: each appendix cell, and each graded
function's code numbered as in its cell with the failing lines marked.

Lexing is nearly all the cost of highlighting, so a cell is lexed once: its tokens are kept
(the course's own cells, the same in every notebook, are lexed once per batch and process), and
a function's code is formatted from its cell's tokens when they spell it. What is drawn is kept
too, by its text: students who hand in the same function get the same HTML.
"""
from __future__ import annotations

from functools import lru_cache

from pygments import format as pygments_format
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from pygments.token import Text

from grader.reports.kept import Kept

_CELLS = Kept(count=1024, characters=4_000_000)
_FUNCTIONS = Kept(count=1024, characters=4_000_000)


@lru_cache(maxsize=1)
def _lexer() -> PythonLexer:
    return PythonLexer()


@lru_cache(maxsize=64)
def lexed(source: str) -> tuple:
    """Pygments' tokens for ``source`` (which it reads with leading and trailing newlines
    stripped and one newline put back at the end)."""
    return tuple(_lexer().get_tokens(source))


@lru_cache(maxsize=1)
def _cell_formatter() -> HtmlFormatter:
    # building a formatter computes its whole style (~10 ms): one is kept for every cell
    return HtmlFormatter()


@lru_cache(maxsize=1)
def _numbered_formatter() -> HtmlFormatter:
    return HtmlFormatter(style="default", linenos="inline", wrapcode=True)


def cell_html(source: str) -> str:
    """A notebook cell's code as nbconvert's ``highlight_code`` filter gives it."""
    return _CELLS.drawn(source, lambda: pygments_format(lexed(source), _cell_formatter()))


def code_html(source: str, first_line: int | None = 1, marked: tuple[int, ...] = (),
              cell_source: str | None = None) -> str:
    """``source`` numbered from ``first_line`` (its cell's line numbers), with the lines in
    ``marked`` (cell line numbers) picked out; from the tokens of ``cell_source``, the cell
    it comes from, when they spell it."""
    first, marked = first_line or 1, tuple(marked)
    return _FUNCTIONS.drawn((source, first, marked, cell_source),
                            lambda: _code_html(source, first, marked, cell_source))


def _code_html(source: str, first: int, marked: tuple[int, ...], cell_source: str | None) -> str:
    tokens = _lines(cell_source, first, source) if cell_source is not None else None
    formatter = _numbered_formatter()
    # only the numbering and the marked lines change from call to call
    formatter.linenostart = first
    formatter.hl_lines = {line - first + 1 for line in marked}
    return pygments_format(tokens if tokens is not None else lexed(source), formatter)


def forget() -> None:
    """Drop every cell and function kept, as in a process that just started."""
    lexed.cache_clear()
    _CELLS.clear()
    _FUNCTIONS.clear()


def _lines(cell_source: str, first: int, source: str) -> list | None:
    """The tokens of the cell's lines ``first``... that make ``source``, or None when the cell's
    text there is not ``source`` (a magic rewritten, another version of the cell)."""
    if "\r" in cell_source or "\r" in source or first < 1:
        return None
    offset = len(cell_source) - len(cell_source.lstrip("\n"))  # lines Pygments stripped ahead
    start = first - offset
    count = len(source.rstrip("\n").split("\n"))
    if start < 1:
        return None
    picked, line = [], 1
    end = start + count
    for kind, value in lexed(cell_source):
        if "\n" not in value:  # most tokens: the line goes on
            if value and start <= line < end:
                picked.append((kind, value))
            continue
        parts = value.split("\n")
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if start <= line + index < start + count and (part or not last):
                picked.append((kind, part if last else part + "\n"))
        line += len(parts) - 1
        if line >= start + count:
            break
    text = "".join(value for _, value in picked)
    if text.rstrip("\n") != source.rstrip("\n"):
        return None
    if not text.endswith("\n"):
        picked.append((Text.Whitespace, "\n"))
    return picked
