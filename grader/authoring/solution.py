"""Solution: what an instructor's solution notebook says about its assignment, read without running it.

A graded function is one whose cell carries ``# GRADED FUNCTION: name`` (the course's marker),
or whose body holds a solution region (``### BEGIN SOLUTION`` / ``### END SOLUTION``, as
nbgrader writes them, or ``# BEGIN SOLUTION`` / ``# END SOLUTION``, as Otter does). A test cell
is a code cell that calls a graded function outside a function it defines. Read from the notebook:

* the reference module: the graded functions, the helpers they use (functions, classes and
  constants the notebook defines), and the imports those need, in notebook order;
* what each graded function returns, named from its ``return`` statement;
* the modules beside the notebook it imports (the course's ``*_utils.py`` and ``public_tests.py``).

Whatever cannot be worked out is a one-line reason in ``reasons``.
"""
from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from pathlib import Path

from grader.core.extract import strip_magics
from grader.core.notebook import InvalidNotebook, load_notebook

_MARKER = re.compile(r"^\s*#\s*GRADED FUNCTION\s*:\s*([A-Za-z_]\w*)", re.MULTILINE)
SOLUTION_BEGIN = re.compile(r"^\s*#{1,3}\s*BEGIN SOLUTION\b")
SOLUTION_END = re.compile(r"^\s*#{1,3}\s*END SOLUTION\b")
_TEST_MODULE = re.compile(r"test", re.IGNORECASE)  # public_tests, test_utils: the notebook's checks


class SolutionError(Exception):
    """The solution notebook cannot be read, or has nothing to grade; the message says why."""


@dataclass(frozen=True)
class GradedDefinition:
    name: str
    cell: int  # the notebook cell that defines it (1-based, as reports count)
    parameters: tuple[str, ...]
    returns: tuple[str, ...]  # names of what it returns: a tuple's elements, or the one value
    single: bool  # returns one value, not a tuple
    uses: tuple[str, ...]  # the other graded functions it calls
    section: str = ""  # the last markdown heading before its cell: where a failing student reads again


@dataclass(frozen=True)
class TestCell:
    cell: int
    source: str  # the cell's Python (magics made harmless)
    uses: tuple[str, ...]  # the graded functions it calls or hands to a test helper


@dataclass(frozen=True)
class Solution:
    path: Path
    title: str
    graded: tuple[GradedDefinition, ...]
    cells: tuple[tuple[int, str], ...]  # every code cell (number, Python), in order: a kernel's run
    test_cells: tuple[TestCell, ...]
    reference_source: str
    local_modules: tuple[Path, ...]  # modules beside the notebook that it imports
    test_modules: tuple[str, ...]  # those of them that only check (public_tests): never loaded by the grader
    reasons: tuple[str, ...]


def read_solution(path: Path) -> Solution:
    try:
        notebook = load_notebook(path)
    except InvalidNotebook as error:
        raise SolutionError(f"{path}: {error}") from None
    reasons: list[str] = []
    cells: list[tuple[int, str, ast.Module]] = []
    sections = _sections(notebook)
    for cell in notebook.code_cells:
        source = strip_magics(cell.source)
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            reasons.append(f"cell {cell.number} does not parse (line {error.lineno}: {error.msg}): skipped")
            continue
        cells.append((cell.number, source, tree))
    definitions: dict[str, tuple[int, str, ast.stmt]] = {}  # name -> (cell, source, node); later wins
    imports: list[tuple[ast.stmt, str]] = []
    graded_order: list[str] = []
    for number, source, tree in cells:
        marked = set(_MARKER.findall(source))
        lines = source.splitlines()
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.append((node, ast.get_source_segment(source, node) or ast.unparse(node)))
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) or _constant(node):
                for name in _bound(node):
                    definitions[name] = (number, source, node)
                if isinstance(node, ast.FunctionDef) and (node.name in marked or _has_solution_region(node, lines)):
                    if node.name not in graded_order:
                        graded_order.append(node.name)
        for name in marked - {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}:
            reasons.append(f"cell {number} is marked GRADED FUNCTION: {name} but defines no function {name}")
    if not graded_order:
        raise SolutionError(f"{path}: no graded function: mark each one's cell with # GRADED FUNCTION: name, "
                            f"or put its solution between ### BEGIN SOLUTION and ### END SOLUTION")
    graded = []
    for name in graded_order:
        number, _, node = definitions[name]
        returns, single, why = return_names(node)
        if why:
            reasons.append(f"{name}: {why}")
        if returns is None:
            continue
        calls = _names_used(node)
        graded.append(GradedDefinition(
            name=name, cell=number, parameters=tuple(a.arg for a in node.args.posonlyargs + node.args.args
                                                     + node.args.kwonlyargs),
            returns=returns, single=single, uses=tuple(n for n in graded_order if n != name and n in calls),
            section=sections.get(number, "")))
    if not graded:
        raise SolutionError(f"{path}: no graded function whose outputs can be named ({'; '.join(reasons)})")
    names = {g.name for g in graded}
    folder = path.resolve().parent
    local = _local_modules(folder, [node for node, _ in imports])
    test_modules = tuple(sorted(m.stem for m in local if _TEST_MODULE.search(m.stem)))
    test_cells = []
    for number, source, tree in cells:
        # what the cell itself runs (a function it defines calling a graded one is no test; a
        # graded function defined and then called in one cell is tested there)
        used = set().union(set(), *(_names_used(n) for n in tree.body
                                    if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))))
        uses = tuple(name for name in graded_order if name in names and name in used)
        if uses:
            test_cells.append(TestCell(number, source, uses))
    reference = _reference_source(path, graded_order, definitions, imports, set(test_modules),
                                  [m.stem for m in local])
    title = _title(notebook) or path.stem
    return Solution(path=path, title=title, graded=tuple(graded),
                    cells=tuple((number, source) for number, source, _ in cells),
                    test_cells=tuple(test_cells), reference_source=reference, local_modules=tuple(local),
                    test_modules=test_modules, reasons=tuple(reasons))


def return_names(node: ast.FunctionDef) -> tuple[tuple[str, ...] | None, bool, str]:
    """(names of what the function returns, whether it is one value, a reason when a name had to
    be made up or nothing can be graded)."""
    returns = [r for r in _own_nodes(node) if isinstance(r, ast.Return)]
    valued = [r for r in returns if r.value is not None and not _is_none(r.value)]
    if not valued:
        return None, False, "returns nothing: not graded (a graded function is compared by what it returns)"
    last = valued[-1].value
    why = ""
    shapes = {len(r.value.elts) if isinstance(r.value, ast.Tuple) else 1 for r in valued}
    if len(shapes) > 1:
        why = f"its return statements return different numbers of values: the last one (line {last.lineno}) is used"
    if isinstance(last, ast.Tuple):
        names, unnamed = [], []
        for position, element in enumerate(last.elts, start=1):
            if isinstance(element, ast.Name) and element.id not in names:
                names.append(element.id)
            else:
                names.append(f"output_{position}")
                unnamed.append(f"output_{position}")
        if unnamed:
            why = why or (f"cannot name returned value {', '.join(unnamed)} (not a variable in the return "
                          f"statement): called {', '.join(unnamed)}")
        return tuple(names), False, why
    if isinstance(last, ast.Name):
        return (last.id,), True, why
    return ("output",), True, why or "returns an expression, not a variable: its value is called output"


def _own_nodes(function: ast.FunctionDef):
    """The nodes of ``function``'s own body, not those of functions or classes nested in it."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _is_none(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _constant(node: ast.stmt) -> bool:
    """A top-level assignment of a literal (``EPSILON = 1e-8``): a helper the reference may need."""
    if not isinstance(node, ast.Assign) or not all(isinstance(t, ast.Name) for t in node.targets):
        return False
    try:
        ast.literal_eval(node.value)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _bound(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return [node.name]
    return [t.id for t in node.targets]


def _has_solution_region(node: ast.FunctionDef, lines: list[str]) -> bool:
    body = lines[node.lineno - 1:node.end_lineno]
    return any(SOLUTION_BEGIN.match(line) for line in body)


def _names_used(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _free_names(node) -> set[str]:
    """The names a definition reads that it does not bind itself (its parameters and locals)."""
    bound = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
    return _names_used(node) - bound


def _import_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
        return ["*"]
    return [(alias.asname or alias.name).split(".")[0] for alias in node.names]


def _module_of(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module.split(".")[0]] if node.module and not node.level else []
    return [alias.name.split(".")[0] for alias in node.names]


def _local_modules(folder: Path, imports: list[ast.stmt]) -> list[Path]:
    found = []
    for node in imports:
        for module in _module_of(node):
            # beside the notebook; or, for the copy in an assignment folder, among those it provides
            for path in (folder / f"{module}.py", folder / "provided" / f"{module}.py"):
                if path.is_file() and path not in found:
                    found.append(path)
                    break
    return found


def _reference_source(path: Path, graded: list[str], definitions: dict, imports: list,
                      test_modules: set[str], local: list[str]) -> str:
    """The graded functions, the helpers they use (transitively) and the imports those need."""
    needed: list[str] = []
    todo = list(graded)
    while todo:
        name = todo.pop(0)
        if name in needed or name not in definitions:
            continue
        needed.append(name)
        todo.extend(sorted(_free_names(definitions[name][2]) - set(needed)))
    used = set().union(*(_free_names(definitions[name][2]) for name in needed)) - set(needed) - set(dir(builtins))
    kept_imports = []
    for node, text in imports:
        modules = _module_of(node)
        if any(module in test_modules for module in modules):
            continue
        names = _import_names(node)
        if (names == ["*"] or used & set(names)) and text not in kept_imports:
            kept_imports.append(text)
    order = sorted(needed, key=lambda name: (definitions[name][0], definitions[name][2].lineno))
    header = [f'"""The reference of this assignment: the graded functions of {path.name}, the helpers they '
              f'use and their imports.\n\nWritten by ``grader new``; trusted, never shown to student code."""']
    if any(module in local for node, text in imports if text in kept_imports for module in _module_of(node)):
        header += ["import sys as _sys",
                   "from pathlib import Path as _Path",
                   "",
                   "# the modules the notebook imports from beside it, handed to students in provided/",
                   '_sys.path.insert(0, str(_Path(__file__).resolve().parent / "provided"))']
    parts = ["\n".join(header), "\n".join(kept_imports)]
    seen_nodes = set()
    for name in order:
        number, source, node = definitions[name]
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        parts.append("\n".join(source.splitlines()[start - 1:node.end_lineno]))
    return "\n\n\n".join(part for part in parts if part.strip()) + "\n"


def _sections(notebook) -> dict[int, str]:
    """Each cell's number -> the last markdown heading above it (or in it)."""
    found, heading = {}, ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("##"):  # a section, not the notebook's title
                    heading = line.lstrip("#").strip()
        found[cell.number] = heading
    return found


def _title(notebook) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""
