"""Similar code: per graded function, the submissions whose code is the same once normalised.

Two definitions are the same when their syntax trees are, after the names the function binds
(its parameters and local variables) are renamed in order of first use, and docstrings dropped;
comments and formatting never reach the tree. Names it does not bind (``np``, ``softmax``,
``range``) are kept, so ``range`` against ``reversed`` still differs. Statements the release
notebook itself gives in the function (its scaffolding around the code regions) are left out,
and a definition with nothing else is not compared: handing in the skeleton is not copying.

A group is evidence for the instructor to read, never a verdict: short functions that many
students write the same way are marked ``common``.
"""
from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path

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


class _Names(ast.NodeTransformer):
    def __init__(self, bound: set[str]):
        self.bound = bound
        self.renamed: dict[str, str] = {}

    def _name(self, name: str) -> str:
        if name not in self.bound:
            return name
        return self.renamed.setdefault(name, f"_v{len(self.renamed)}")

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self._name(node.arg)
        node.annotation = None
        return node


def _bound(function: ast.FunctionDef) -> set[str]:
    bound = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not function:
            bound.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


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


def normalised_statements(source: str, name: str) -> list[str] | None:
    """The top-level statements of ``def name`` in ``source``, each as a normalised tree dump."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    function = next((node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name), None)
    if function is None:
        return None
    renamer = _Names(_bound(function))
    renamer.visit(function.args)  # parameters first: their order numbers the names
    body = _without_docstrings(function.body)
    try:
        return [ast.dump(renamer.visit(statement)) for statement in body]
    except RecursionError:
        return None


def given_statements(assignment) -> dict[str, list[str]]:
    """Per graded function, the normalised statements the release notebook gives."""
    from grader.release import SOLUTION_FILE, student_notebook
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
        for name in assignment.graded_names:
            statements = normalised_statements(cell.source, name)
            if statements is not None:
                given[name] = statements
    return given


def own_code(statements: list[str], given: list[str]) -> list[str]:
    """The statements left once those the release gives are taken out (each once)."""
    remaining = list(given)
    own = []
    for statement in statements:
        if statement in remaining:
            remaining.remove(statement)
        else:
            own.append(statement)
    return own


def similar_groups(assignment, results, given: dict[str, list[str]] | None = None) -> list[Group]:
    """The groups of two or more submissions with the same code, per graded function; long
    groups of uncommon code first."""
    given = given_statements(assignment) if given is None else given
    buckets: dict[str, dict[str, list[str]]] = {name: {} for name in assignment.graded_names}
    sizes: dict[tuple[str, str], int] = {}
    for result in results:
        for function in result.functions:
            if function.name not in buckets or not function.source:
                continue
            statements = normalised_statements(function.source, function.name)
            if statements is None:
                continue
            own = own_code(statements, given.get(function.name, []))
            if not own or all(statement in ("Pass()", "Return()") for statement in own):
                continue
            digest = hashlib.sha256("\n".join(own).encode()).hexdigest()
            buckets[function.name].setdefault(digest, []).append(result.id)
            sizes[(function.name, digest)] = len(own)
    groups = []
    for name, by_digest in buckets.items():
        writers = sum(len(ids) for ids in by_digest.values())
        for digest, ids in by_digest.items():
            if len(ids) < 2:
                continue
            statements = sizes[(name, digest)]
            share = len(ids) / writers
            common = len(ids) >= 3 and (share >= COMMON_SHARE or
                                        (statements <= SHORT_STATEMENTS and share >= SHORT_COMMON_SHARE))
            groups.append(Group(name, tuple(sorted(ids)), statements, writers, common))
    return sorted(groups, key=lambda g: (g.common, -g.statements, -len(g.ids), g.function, g.ids))
