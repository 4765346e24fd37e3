"""Extract: from a notebook, the program that defines the student's graded code, without running it.

Kept, cell by cell in notebook order: imports, function and class definitions, and assignments
of simple constants (literals). Dropped: everything else (test cells, training loops, prints),
IPython magics and shell escapes. A cell that does not parse is skipped with a warning naming
the cell. A later definition replaces an earlier one, as in a kernel run top to bottom.
"""
from __future__ import annotations

import ast
import re
import threading
from dataclasses import dataclass, field

from grader.core.notebook import Cell, Notebook

_MARKER = re.compile(r"^#\s*GRADED FUNCTION\s*:\s*([A-Za-z_]\w*)", re.MULTILINE)
_MAGIC = re.compile(r"^(\s*)(?:[%!]|[A-Za-z_][\w.]*\s*=\s*[%!])")
_HELP = re.compile(r"^\s*[?]|[?]\s*$")
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
# a line at the top level that may define something kept: a def, class, import, decorator, or
# an assignment of what looks like a literal; cells without one are not worth parsing
_MAY_DEFINE = re.compile(
    r"^(?:async\s+def\b|def\b|class\b|import\b|from\b|@|[A-Za-z_][\w\s,()]*(?::[^=\n]*)?=\s*"
    r"(?:[-+]?[\d.(]|[rRbBuUfF]{0,2}['\"]|True\b|False\b|None\b))", re.MULTILINE)
_ASSIGNED = re.compile(r"^([A-Za-z_]\w*)\s*(?:\[[^\n]*\])?\s*=(?!=)", re.MULTILINE)
_MAX_CONSTANT_CHARS = 10_000
_MAX_WARNINGS = 50


@dataclass(frozen=True)
class ProgramCell:
    """The statements kept from one cell: the cell's Python and the indices of its kept
    top-level statements (compiled from the parsed cell, so a statement sharing a line with
    a dropped one never drags it along, and line numbers stay the cell's own)."""
    cell: int  # the notebook cell number (1-based)
    source: str
    statements: tuple[int, ...]
    codes: tuple = ()  # those statements compiled (compiling runs nothing), filename "<cell N>"
    nodes: tuple = field(default=(), compare=False, repr=False)  # those statements parsed


@dataclass(frozen=True)
class Definition:
    """Where a function the notebook defines with ``def`` stands."""
    name: str
    cell: int
    line: int
    source: str
    marked: bool  # the cell carries ``# GRADED FUNCTION: name``


@dataclass(frozen=True)
class Submission:
    """What the grader takes from one notebook: the program to load and where each def stands."""
    program: tuple[ProgramCell, ...]
    functions: dict[str, Definition]  # last definition of each top-level function
    warnings: tuple[str, ...]
    variables: dict[str, int]  # names only statements that never run assign (test cells): cell

    def defines(self, name: str) -> bool:
        return name in self.functions


# CPython 3.11's AST constructors are not thread-safe (python/cpython#106905): side by side,
# parses now and then fail with "AST constructor recursion depth mismatch"
_PARSING = threading.Lock()


def extract(notebook: Notebook, ignored_modules: frozenset[str] = frozenset()) -> Submission:
    with _PARSING:
        return _extract(notebook, ignored_modules)


def _extract(notebook: Notebook, ignored_modules: frozenset[str]) -> Submission:
    program: list[ProgramCell] = []
    functions: dict[str, Definition] = {}
    warnings: list[str] = []
    variables: dict[str, int] = {}
    for cell in notebook.code_cells:
        source = strip_magics(cell.source)
        if not source.strip():
            continue
        if not _MAY_DEFINE.search(source):  # a test cell: parsing it could only find its variables
            for name in _ASSIGNED.findall(source):
                variables.setdefault(name, cell.number)
            continue
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            warnings.append(_parse_warning(cell, error))
            continue
        marked = set(_MARKER.findall(cell.source))
        lines = source.splitlines(keepends=True)
        kept = []
        for index, node in enumerate(tree.body):
            if not _keeps(node, ignored_modules):
                for name in _names_assigned(node):
                    variables.setdefault(name, cell.number)
                continue
            kept.append(index)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                text = "".join(lines[_first_line(node) - 1:node.end_lineno])
                functions[node.name] = Definition(node.name, cell.number, _first_line(node), text,
                                                  node.name in marked)
            else:
                for name in _names_defined(node):
                    functions.pop(name, None)
        if kept:
            filename = f"<cell {cell.number}>"
            try:
                codes = tuple(compile(ast.Module([tree.body[index]], []), filename, "exec") for index in kept)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
                warnings.append(_parse_warning(cell, error))
                continue
            program.append(ProgramCell(cell.number, source, tuple(kept), codes,
                                       tuple(tree.body[index] for index in kept)))
    if len(warnings) > _MAX_WARNINGS:  # a notebook of a thousand broken cells: the first say enough
        more = len(warnings) - _MAX_WARNINGS
        warnings = warnings[:_MAX_WARNINGS] + [f"and {more} more cells were skipped (not listed)"]
    return Submission(tuple(program), functions, tuple(warnings), variables)


def strip_magics(source: str) -> str:
    """The cell's Python: magics, shell escapes and help lines become ``pass`` (keeping indentation).

    A cell magic whose body is Python (``%%time``) keeps the body; any other cell magic
    (``%%bash``, ``%%writefile``) drops the whole cell.
    """
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in _PYTHON_CELL_MAGICS:
            return ""
        lines = [""] + lines[1:]
    kept = []
    for line in lines:
        match = _MAGIC.match(line)
        if match or (_HELP.search(line) and not line.lstrip().startswith("#") and _is_help(line)):
            indent = match.group(1) if match else line[: len(line) - len(line.lstrip())]
            kept.append(f"{indent}pass")
        else:
            kept.append(line)
    return "\n".join(kept) + "\n"


def _is_help(line: str) -> bool:
    """``np.zeros?`` or ``?np.zeros`` but not a ``?`` inside a string."""
    stripped = line.strip()
    body = stripped.strip("?")
    return bool(body) and re.fullmatch(r"[A-Za-z_][\w.]*", body) is not None


def _keeps(node: ast.stmt, ignored_modules: frozenset[str]) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, ast.Import):
        return not any(alias.name.split(".")[0] in ignored_modules for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] not in ignored_modules
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return (node.value is not None and all(_is_name_target(t) for t in targets)
                and _is_simple_constant(node.value))
    return False


def _is_name_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    return isinstance(target, (ast.Tuple, ast.List)) and all(_is_name_target(t) for t in target.elts)


def _is_simple_constant(value: ast.expr) -> bool:
    """An immutable literal: a number, string, bytes, boolean, None, or a tuple of them.

    A list or dict literal is left out: ``parameters_tmp = {}`` starts a test cell's state,
    which a graded function must not see.
    """
    if (value.end_lineno - value.lineno) > 50:
        return False
    try:
        constant = ast.literal_eval(value)
        # unparsing an integer of more than 4300 digits raises ValueError (Python's limit on
        # int-to-text conversion): such a constant is far over the size kept anyway
        return _immutable(constant) and len(ast.unparse(value)) <= _MAX_CONSTANT_CHARS
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError, OverflowError):
        return False


def _immutable(constant) -> bool:
    if isinstance(constant, tuple):
        return all(_immutable(item) for item in constant)
    return constant is None or isinstance(constant, (bool, int, float, complex, str, bytes))


def _names_assigned(node: ast.stmt) -> list[str]:
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        targets = [node.target]
    return [n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)]


def _names_defined(node: ast.stmt) -> tuple[str, ...]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (node.name,)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return tuple((alias.asname or alias.name).split(".")[0] for alias in node.names
                     if alias.name != "*")
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = []
    for target in targets:
        names.extend(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return tuple(names)


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


def _parse_warning(cell: Cell, error: Exception) -> str:
    if isinstance(error, SyntaxError):
        where = f" at line {error.lineno}" if error.lineno else ""
        return f"{cell.label} was skipped: it does not parse ({error.msg}{where}); what it defines is missing"
    return f"{cell.label} was skipped: it cannot be parsed ({type(error).__name__}); what it defines is missing"
