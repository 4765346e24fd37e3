"""Load: a notebook file becomes a ``Notebook`` of plain cells, or an ``InvalidNotebook`` reason.

nbformat reads and upgrades the file (v3 notebooks become v4); everything a student can hand in
that is not a notebook (an empty file, a binary, bad JSON, JSON that is not a notebook, JSON
nested to blow the parser's stack) is refused here with a one-line reason.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024

# nbformat logs every schema complaint through traitlets; a student's odd notebook must not
# spill onto the instructor's terminal (what matters is reported in the result)
logging.getLogger("traitlets").setLevel(logging.CRITICAL)


class InvalidNotebook(Exception):
    """The file cannot be read as a notebook; the message is the one-line reason."""

    def __init__(self, reason: str):
        line = " ".join(reason.split())
        super().__init__(line if len(line) <= 300 else line[:297] + "...")


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based position among all cells, as a student counts them in the notebook
    cell_type: str
    source: str
    execution_count: int | None = None

    @property
    def label(self) -> str:
        if self.execution_count is not None:
            return f"cell {self.number} (In [{self.execution_count}])"
        return f"cell {self.number}"


@dataclass(frozen=True)
class Notebook:
    path: Path
    nbformat: int  # the major version the file was written in
    cells: tuple[Cell, ...]

    @property
    def code_cells(self) -> tuple[Cell, ...]:
        return tuple(cell for cell in self.cells if cell.cell_type == "code")


def load_notebook(path: Path | str) -> Notebook:
    path = Path(path)
    return parse_notebook(read_notebook_bytes(path), path)


def read_notebook_bytes(path: Path | str) -> bytes:
    """The bytes of a notebook file; ``InvalidNotebook`` when it is not a regular file that can
    be read (a symbolic link, a folder, a pipe) or is too large."""
    return _read_bytes(Path(path))


def parse_notebook(data: bytes, path: Path) -> Notebook:
    raw, version = _read_json(data)
    # nbformat only converts a version 3 notebook: for version 4 its reading adds nothing the
    # cells need (its schema check is advisory here), and costs ~2 ms of the grader's time
    node = raw if version == 4 else _converted(raw)
    cells = []
    for number, cell in enumerate(node.get("cells", []), start=1):
        if not isinstance(cell, dict):
            raise InvalidNotebook(f"cell {number} is not a JSON object")
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        if not isinstance(source, str):
            source = ""
        count = cell.get("execution_count")
        cells.append(Cell(number, str(cell.get("cell_type", "")), source,
                          count if isinstance(count, int) and not isinstance(count, bool) else None))
    return Notebook(path, version, tuple(cells))


def read_node(data: bytes) -> tuple[nbformat.NotebookNode, int]:
    """The notebook as an nbformat v4 node and the major version it was written in.

    Raises ``InvalidNotebook`` with the reason.
    """
    raw, version = _read_json(data)
    return _converted(raw), version


def _read_json(data: bytes) -> tuple[dict, int]:
    """The notebook's JSON and its major version, checked as far as reading cells needs."""
    if not data.strip():
        raise InvalidNotebook("the file is empty")
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook(f"the file is {len(data) // 2**20} MiB, over the {MAX_NOTEBOOK_BYTES // 2**20} MiB limit")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidNotebook("not a text file (not UTF-8): is it a notebook saved as .ipynb?") from None
    if "\x00" in text:
        raise InvalidNotebook("not a text file (it holds NUL bytes)")
    try:
        raw = json.loads(text)
    except RecursionError:
        raise InvalidNotebook("the JSON is nested too deeply to be a notebook") from None
    except json.JSONDecodeError as error:
        raise InvalidNotebook(f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise InvalidNotebook("valid JSON but not a notebook (no 'nbformat' field)")
    version = raw.get("nbformat")
    if not isinstance(version, int) or version not in (3, 4):
        raise InvalidNotebook(f"notebook format {_short(version)} is not supported (only 3 and 4)")
    if version == 3 and not isinstance(raw.get("worksheets"), list):
        raise InvalidNotebook("a version 3 notebook without worksheets")
    if version == 4 and not isinstance(raw.get("cells"), list):
        raise InvalidNotebook("a version 4 notebook without a list of cells")
    return raw, version


def _converted(raw: dict) -> nbformat.NotebookNode:
    """What ``nbformat.reads(text, as_version=4)`` gives, from the JSON already parsed (without
    its schema check, whose errors it only logs). nbformat (with jsonschema, ~0.1 s) is
    imported here: a version 4 notebook never needs it."""
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            major, minor = nbformat.reader.get_version(raw)
            try:
                node = nbformat.versions[major].to_notebook_json(raw, minor=minor)
            except AttributeError as error:
                raise nbformat.ValidationError(f"the notebook is missing an expected key: {error}") from None
            node = nbformat.convert(node, 4)  # nbformat.reads' schema check after it is advisory: left out
    except RecursionError:
        raise InvalidNotebook("the JSON is nested too deeply to be a notebook") from None
    except Exception as error:  # nbformat raises many types on malformed input
        raise InvalidNotebook(f"nbformat cannot read it: {_one_line(error)}") from None
    if not isinstance(node.get("cells"), list):
        raise InvalidNotebook("no cells after conversion to format 4")
    return node


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, if it is a regular file: a symbolic link is refused, whatever it points
    to (a link to the instructor's solution notebook would otherwise be graded as the student's
    work and shown on their page), and so is anything else that is not a plain file (a pipe
    would block the grader)."""
    if path.is_symlink():
        raise InvalidNotebook("a symbolic link, not a notebook file: hand in the notebook itself "
                              "(submissions are read only as regular files)")
    try:
        # O_NOFOLLOW: a link swapped in after the check above is refused all the same
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
                             | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InvalidNotebook("a symbolic link, not a notebook file: hand in the notebook itself "
                                  "(submissions are read only as regular files)") from None
        raise InvalidNotebook(f"cannot read the file: {error.strerror or error}") from None
    with open(descriptor, "rb") as handle:
        try:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise InvalidNotebook("not a regular file (a folder, a pipe or a device): hand in the "
                                      "notebook file itself")
            if status.st_size > MAX_NOTEBOOK_BYTES:
                raise InvalidNotebook(f"the file is over the {MAX_NOTEBOOK_BYTES // 2**20} MiB limit")
            data = handle.read(MAX_NOTEBOOK_BYTES + 1)
        except OSError as error:
            raise InvalidNotebook(f"cannot read the file: {error.strerror or error}") from None
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook(f"the file is over the {MAX_NOTEBOOK_BYTES // 2**20} MiB limit")
    return data


def _short(value) -> str:
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."


def _one_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]
