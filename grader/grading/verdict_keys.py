"""What a graded function's verdict depends on, as one key: equal keys, equal runs.

A function's run depends on its own definition, on every part of the program it can reach
(helpers, classes, constants, the student's own versions of the graded functions it calls), on
everything the program runs when it is loaded (imports, constants, decorators, default values,
annotations, class bodies, and whatever those call) and on what it is run with: the assignment
(its fingerprint and provided modules), the limits, the student environment, the sandbox and the
grader itself. Definitions are compared as syntax trees (a def by its compiled code without
positions), so comments, blank lines and code the
function cannot reach do not matter. A program that reaches names dynamically (``eval``,
``globals()``, ``sys.modules``, frames, ...) is keyed whole, positions and text included.

Where positions can show in a run (a traceback, a warning printed with its line), the run is
kept with an exact digest of the statements involved too (their cells, lines and text:
``Key.exact``), and reused only for the same statements at the same places.
"""
from __future__ import annotations

import ast
import hashlib
import marshal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

from grader import __version__
from grader.runtime import codec
from grader.execution.environment import declared_packages
from grader.core.extract import Submission

KEY_FORMAT = "verdict-2"

# names through which code reaches other names than those it spells, or places and frames:
# a program using any of them, where the function can reach it, is keyed whole
DYNAMIC_NAMES = frozenset({
    "eval", "exec", "compile", "globals", "vars", "locals", "dir", "getattr", "setattr", "delattr",
    "hasattr", "__import__", "__builtins__", "__main__", "__name__", "__file__", "__spec__",
    "__loader__", "builtins", "sys", "importlib", "inspect", "gc", "ctypes", "traceback",
    "linecache", "types", "runpy", "pickle", "marshal", "dis", "code", "codeop", "operator",
    "functools", "breakpoint", "open", "input", "id", "hash", "object", "type", "super",
})
DYNAMIC_ATTRIBUTES = frozenset({
    "__dict__", "__globals__", "__builtins__", "__code__", "__closure__", "__class__", "__bases__",
    "__mro__", "__subclasses__", "__getattribute__", "__setattr__", "__traceback__", "__module__",
    "__defaults__", "__kwdefaults__", "__wrapped__", "__self__", "__func__", "__init_subclass__",
    "modules", "f_globals", "f_locals", "f_back", "f_lineno", "f_code", "tb_frame", "tb_lineno",
    "tb_next", "gi_frame", "cr_frame", "co_consts", "co_names", "co_filename", "co_firstlineno",
    "_getframe", "getframe", "import_module", "reload",
})


@dataclass(frozen=True)
class Key:
    """A function's verdict key, and the digest of the exact cells it reaches (text and place)."""
    verdict: str
    exact: str


@dataclass(frozen=True)
class _Statement:
    """One kept top-level statement of the program, as the key sees it."""
    cell: int
    tree: str  # without positions or comments: ast.dump, or for a def the digest of its code
    binds: tuple[str, ...]
    uses: frozenset[str]  # every name it mentions
    dynamic: bool
    load_tree: str  # what of it runs at load (a def's decorators, defaults, annotations); all of any other
    load_uses: frozenset[str]
    load_dynamic: bool
    is_def: bool
    constant: bool  # an assignment of a literal: it cannot fail at load
    where: str  # its cell, first line and text: what a warning or traceback can show of it
    load_where: str  # the same of what runs at load (a def's decorators and signature)


def context(assignment, sandboxed: bool) -> str:
    """What every run of ``assignment``'s functions shares, digested once per assignment."""
    return assignment.once(("verdict context", sandboxed), lambda: _context(assignment, sandboxed))


def _context(assignment, sandboxed: bool) -> str:
    import numpy
    digest = hashlib.sha256(KEY_FORMAT.encode())
    for part in (__version__, codec.WIRE_FORMAT, assignment.fingerprint, repr(assignment.limits),
                 repr(declared_packages(getattr(assignment, "directory", None))), sys.version,
                 sys.platform, numpy.__version__, sandboxed,
                 repr([(f.name, f.stand_ins, len(f.cases)) for f in assignment.functions])):
        digest.update(f"{part}\x00".encode())
    provided = Path(assignment.provided)
    for path in sorted(provided.rglob("*")) if provided.is_dir() else ():
        if path.is_file():
            digest.update(f"{path.relative_to(provided)}\x00".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def program_key(shared: str, submission: Submission, statements: list[_Statement] | None = None) -> str:
    """The key of loading the program: its warnings name cells and lines, so what runs at load
    (imports, class bodies, decorators, defaults, and what they call) counts with its text and
    place; a function body nothing calls at load, or a constant (it cannot fail), by its tree
    and the names it binds alone."""
    statements = statements if statements is not None else read_program(submission)
    digest = hashlib.sha256(f"program\x00{shared}\x00".encode())
    at_load = _reachable(statements, None)
    if any(statements[i].dynamic for i in at_load) or any(s.load_dynamic for s in statements):
        for cell in submission.program:
            digest.update(f"{cell.cell}\x00{cell.statements}\x00{cell.source}\x00".encode())
        return digest.hexdigest()
    for index, statement in enumerate(statements):
        if index not in at_load and not statement.load_tree:
            continue  # a def with nothing run at load, called by nothing run at load: it cannot fail
        digest.update(f"{statement.binds}\x00".encode())
        if index in at_load or not statement.is_def:
            digest.update(statement.tree.encode() + b"\x00")
        elif statement.load_tree:
            digest.update(statement.load_tree.encode() + b"\x00")
        if index in at_load:
            digest.update(statement.where.encode() + b"\x00")
        elif statement.load_tree and not statement.constant:
            digest.update(statement.load_where.encode() + b"\x00")
    return digest.hexdigest()


def function_keys(shared: str, submission: Submission, names: list[str], defined: list[str],
                  statements: list[_Statement] | None = None) -> dict[str, Key]:
    """The key of each graded function ``names`` the submission defines."""
    statements = statements if statements is not None else read_program(submission)
    keys = {}
    for name in names:
        full = _reachable(statements, name)
        dynamic = any(statements[i].dynamic for i in full) or any(
            s.load_dynamic for i, s in enumerate(statements) if i not in full)
        if dynamic:
            full = set(range(len(statements)))
        digest = hashlib.sha256(f"function\x00{shared}\x00{name}\x00{','.join(defined)}\x00".encode())
        for index, statement in enumerate(statements):
            if index in full:
                digest.update(b"F" + statement.tree.encode() + b"\x00")
            elif statement.load_tree:
                digest.update(b"L" + statement.load_tree.encode() + b"\x00")
        # what a traceback or a printed warning can show: the included statements' places and lines
        exact = hashlib.sha256(repr([s.where for i, s in enumerate(statements)
                                     if i in full or s.load_tree]).encode()).hexdigest()
        if dynamic:  # it may read its own text, places or frames: only the same program is the same
            digest.update(b"exact" + exact.encode())
        keys[name] = Key(digest.hexdigest(), exact)
    return keys


def _reachable(statements: list[_Statement], name: str | None) -> set[int]:
    """The statements ``name``'s definitions reach, and those that whatever runs at load reaches:
    every statement binding a name used by an included one, to a fixed point."""
    binders: dict[str, list[int]] = {}
    for index, statement in enumerate(statements):
        for bound in statement.binds:
            binders.setdefault(bound, []).append(index)
    todo = [used for statement in statements for used in statement.load_uses]
    todo += [name] if name is not None else []
    seen_names: set[str] = set()
    full: set[int] = set()
    while todo:
        used = todo.pop()
        if used in seen_names:
            continue
        seen_names.add(used)
        for index in binders.get(used, ()):
            if index not in full:
                full.add(index)
                todo.extend(statements[index].uses)
    return full


def read_program(submission: Submission) -> list[_Statement]:
    """The program's kept statements, as the keys see them (read once for all of them)."""
    found = []
    for cell in submission.program:
        lines = cell.source.splitlines()
        for node, code in zip(cell.nodes, cell.codes):  # parsed and compiled by extraction
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            where = f"{cell.cell}:{first}:" + "\n".join(lines[first - 1:node.end_lineno])
            body = getattr(node, "body", None)
            header = (max(body[0].lineno - 1, node.lineno) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                      else node.end_lineno)
            found.append(_statement(cell.cell, node, code, where,
                                    f"{cell.cell}:{first}:" + "\n".join(lines[first - 1:header])))
    return found


def _statement(cell: int, node: ast.stmt, code, where: str, load_where: str) -> _Statement:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return _def_statement(cell, node, code, where, load_where)
    # a class body, an import, a constant: all of it runs at load
    tree = ast.dump(node)
    uses, dynamic = _names(node)
    return _Statement(cell, tree, _bound(node), uses, dynamic, tree, uses, dynamic, False,
                      isinstance(node, (ast.Assign, ast.AnnAssign)), where, load_where)


def _def_statement(cell: int, node: ast.stmt, code, where: str, load_where: str) -> _Statement:
    """A def read from its compiled code, as the interpreter will run it (walking and writing out
    its syntax tree costs ten times more): the statement's code with every position taken out
    stands for its tree; the names its code and nested code look up (globals, attributes) for
    the names it uses. What runs at load is the statement's own code without the function's."""
    tree = "code:" + hashlib.sha256(marshal.dumps(_placeless(code))).hexdigest()
    names = _code_names(code)
    dynamic = _dynamic(names)
    outer = set(code.co_names) - {node.name}
    constants = [c for c in code.co_consts if c is not None and not isinstance(c, CodeType)]
    load_tree, load_uses, load_dynamic = "", frozenset(), False
    if outer or constants:  # decorators, defaults or annotations
        load_tree = f"{node.name}:code:" + hashlib.sha256(marshal.dumps(_placeless(
            code.replace(co_consts=tuple(c.co_name if isinstance(c, CodeType) else c
                                         for c in code.co_consts))))).hexdigest()
        load_uses = frozenset(outer)
        load_dynamic = _dynamic(load_uses)
    return _Statement(cell, tree, (node.name,), names, dynamic, load_tree, load_uses, load_dynamic, True,
                      False, where, load_where)


def _dynamic(names: frozenset[str]) -> bool:
    """Whether code looking up ``names`` (globals and attributes alike) can reach others."""
    return not names.isdisjoint(DYNAMIC_NAMES) or not names.isdisjoint(DYNAMIC_ATTRIBUTES)


def _placeless(code: CodeType) -> CodeType:
    """``code`` and the code nested in it without file name, first line or line table."""
    return code.replace(co_filename="", co_firstlineno=1, co_linetable=b"",
                        co_consts=tuple(_placeless(c) if isinstance(c, CodeType) else c
                                        for c in code.co_consts))


def _code_names(code: CodeType) -> frozenset[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            names |= _code_names(constant)
    return frozenset(names)


def _names(node: ast.AST) -> tuple[frozenset[str], bool]:
    names: set[str] = set()
    dynamic = False
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
            dynamic = dynamic or child.id in DYNAMIC_NAMES
        elif isinstance(child, ast.Attribute):
            dynamic = dynamic or child.attr in DYNAMIC_ATTRIBUTES
        elif isinstance(child, (ast.Global, ast.Nonlocal)):
            names.update(child.names)
        elif isinstance(child, ast.Import):  # ``import sys`` is used through the name sys; an alias hides it
            dynamic = dynamic or any(alias.asname and alias.name.split(".")[0] in DYNAMIC_NAMES
                                     for alias in child.names)
        elif isinstance(child, ast.ImportFrom):
            dynamic = dynamic or (child.module or "").split(".")[0] in DYNAMIC_NAMES
    return frozenset(names), dynamic


def _bound(node: ast.stmt) -> tuple[str, ...]:
    if isinstance(node, ast.ClassDef):
        return (node.name,)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return tuple((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return tuple(sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}))
