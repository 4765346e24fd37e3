"""Similar code: per graded function, the submissions whose code is the same once normalised.

Two definitions are the same when their syntax trees are, once docstrings are dropped and the
names the function binds (its parameters and local variables) are numbered in order of first
use, as compiling the tree numbers them; comments and formatting never reach the tree. Names it does not bind (``np``, ``softmax``,
``range``) are kept, so ``range`` against ``reversed`` still differs. Statements the release
notebook itself gives in the function (its scaffolding around the code regions) are left out,
and a definition with nothing else is not compared: handing in the skeleton is not copying.

A group is evidence for the instructor to read, never a verdict: short functions that many
students write the same way are marked ``common``.
"""
from __future__ import annotations

import ast
import hashlib
import marshal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

SHORT_STATEMENTS = 3  # the student's own code of a "short" function, in statements
COMMON_SHARE = 0.5  # a group holding this share of the students who wrote the function is common
SHORT_COMMON_SHARE = 0.25  # ... or this share, for a short function


@dataclass(frozen=True)
class Group:
    function: str
    ids: tuple[str, ...]
    statements: int  # the student's own statements (the release's left out)
    writers: int  # submissions with code of their own for this function
    common: bool

    @property
    def note(self) -> str:
        if self.common:
            return (f"common: {len(self.ids)} of {self.writers} students wrote it this way"
                    + (f" ({self.statements} statement{'s' if self.statements != 1 else ''} of their own)"
                       if self.statements <= SHORT_STATEMENTS else ""))
        return f"{len(self.ids)} of {self.writers} students, {self.statements} statements of their own"


def _without_docstrings(body: list[ast.stmt]) -> list[ast.stmt]:
    kept = [statement for statement in body
            if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                    and isinstance(statement.value.value, str))]
    for statement in kept:
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(statement, name, None)
            if isinstance(inner, list) and inner:
                setattr(statement, name, _without_docstrings(inner) or [ast.Pass()])
    return kept


def own_code(source: str, name: str, given: list[str] = ()) -> tuple[str, int] | None:
    """The digest of the student's own code in ``def name`` of ``source`` (the statements of
    ``given``, the release's lines, left out once each), and how many statements it has; None
    when there is no such definition, or nothing of the student's own in it."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    function = next((node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name), None)
    if function is None:
        return None
    lines = source.splitlines()
    remaining = list(given)
    kept = []
    for statement in _without_docstrings(function.body):
        text = _text(lines, statement)
        if text in remaining:
            remaining.remove(text)
        else:
            kept.append(statement)
    if all(isinstance(s, ast.Pass) or (isinstance(s, ast.Return) and s.value is None) for s in kept):
        return None
    function.body, function.decorator_list, function.returns = kept, [], None
    try:  # compiled, the function's own names are slot numbers in order of first use
        module = compile(ast.Module(body=[function], type_ignores=[]), "<similar>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    code = next(constant for constant in module.co_consts if isinstance(constant, CodeType))
    return hashlib.sha256(repr((sys.version_info[:2], _shape(code))).encode()).hexdigest()[:32], len(kept)


def _shape(code: CodeType) -> tuple:
    """A code object with the names it binds left out: its instructions, constants (inner
    functions' shapes), the global and attribute names it uses, and its signature's form."""
    constants = tuple(_shape(c) if isinstance(c, CodeType) else _constant(c) for c in code.co_consts)
    return (code.co_code, code.co_exceptiontable, constants, code.co_names, code.co_argcount,
            code.co_posonlyargcount, code.co_kwonlyargcount, code.co_flags)


def _constant(value) -> tuple:
    try:
        return type(value).__name__, repr(value)
    except ValueError:  # an integer too long for text (Python's 4300-digit limit): its bytes instead
        return type(value).__name__, marshal.dumps(value)


def _text(lines: list[str], statement: ast.stmt) -> str:
    """A statement's source without any whitespace (its layout set aside, its names kept)."""
    first, last = statement.lineno - 1, (statement.end_lineno or statement.lineno) - 1
    if first == last:
        segment = lines[first][statement.col_offset:statement.end_col_offset]
    else:
        segment = "".join([lines[first][statement.col_offset:], *lines[first + 1:last],
                           lines[last][:statement.end_col_offset]])
    return "".join(segment.split())


def given_statements(assignment) -> dict[str, list[str]]:
    """Per graded function, the statements the release notebook gives in it (as ``_text``)."""
    from grader.authoring.release import SOLUTION_FILE, student_notebook
    import nbformat
    solution = Path(assignment.directory) / SOLUTION_FILE
    if not solution.is_file():
        return {}
    try:
        notebook = student_notebook(nbformat.read(str(solution), as_version=4), assignment.graded_names)
    except Exception:  # noqa: BLE001  no release notebook: nothing is left out
        return {}
    given: dict[str, list[str]] = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        lines = cell.source.splitlines()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in assignment.graded_names:
                given[node.name] = [_text(lines, statement) for statement in _without_docstrings(node.body)]
    return given


def shapes_of(result, given: dict[str, list[str]]) -> list[tuple[str, str, int]]:
    """(function, digest of the student's own code, its statements) per graded function the
    result defines with code of its own."""
    shapes = []
    for function in result.functions:
        if not function.source:
            continue
        own = own_code(function.source, function.name, given.get(function.name, []))
        if own is not None:
            shapes.append((function.name, *own))
    return shapes


def grouped(rows, writers: dict[str, int]) -> list[Group]:
    """Groups from (function, ids, statements) rows of two or more ids with one digest, given
    how many submissions wrote each function; long groups of uncommon code first."""
    groups = []
    for name, ids, statements in rows:
        share = len(ids) / max(1, writers.get(name, 0))
        common = len(ids) >= 3 and (share >= COMMON_SHARE or
                                    (statements <= SHORT_STATEMENTS and share >= SHORT_COMMON_SHARE))
        groups.append(Group(name, tuple(sorted(ids)), statements, writers.get(name, 0), common))
    return sorted(groups, key=lambda g: (g.common, -g.statements, -len(g.ids), g.function, g.ids))


def similar_groups(assignment, results, given: dict[str, list[str]] | None = None) -> list[Group]:
    """The groups of ``results`` held in memory (the gradebook groups a batch with SQL instead)."""
    given = given_statements(assignment) if given is None else given
    buckets: dict[tuple[str, str], tuple[list[str], int]] = {}
    writers: dict[str, int] = {}
    for result in results:
        for function, digest, statements in shapes_of(result, given):
            buckets.setdefault((function, digest), ([], statements))[0].append(result.id)
            writers[function] = writers.get(function, 0) + 1
    return grouped([(function, ids, statements) for (function, _), (ids, statements) in buckets.items()
                    if len(ids) > 1], writers)
