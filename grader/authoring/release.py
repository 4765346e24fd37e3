"""Release: what an instructor hands to students, and nothing more.

``grader release ASSIGNMENT --out DIR`` writes

* the **student notebook**, made from the assignment's solution notebook (``solution.ipynb`` in
  its folder): every region between the course's ``### START CODE HERE ###`` and
  ``### END CODE HERE ###`` is emptied, keeping the markers and the comments inside (the
  ``(≈N lines)`` hints among them); a block the emptying leaves without a statement gets a
  ``pass``; each graded function's cell is marked ``# GRADED FUNCTION: name``; outputs and
  execution counts are cleared;
* the **student bundle** (``grader.authoring.bundle``): the public cases and their expected values, the
  tolerances, points and hints' data, checksummed; no reference code, no hidden case;
* the modules the notebook imports (``provided/``: ``rnn_utils.py``), so it runs in Jupyter.

Nothing is written when the student notebook would still hold a line of the reference solution:
a statement of a reference function's body, or one written inside a code region of the solution
notebook, found anywhere in the notebook (code, commented-out code, markdown). Two kinds of
line are handed out on purpose and pass: those of the provided modules (the course's
``rnn_utils``), and, in a cell with code regions, the frame around them when it only unpacks,
takes shapes or returns (``n_x, m = xt.shape``, ``return a, y_pred, caches``): a computation
(an operator, a call other than ``len``/``range``) of the solution outside a region is refused
too. The refusal names the cell, the line and the statement. Finding such lines is ``leaks``'
job; the regions are read by ``code_regions``.
"""
from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat

from grader.core.assignment import Assignment
from grader.authoring.code_regions import END, START, ReleaseError, code_regions  # noqa: F401  (START, END: as before)
from grader.authoring.leaks import (computes, find_leaks, given_lines, solution_fragments, solution_lines,  # noqa: F401
                          statements, text_leaks)

SOLUTION_FILE = "solution.ipynb"
_SOLUTION_MARKER = re.compile(r"^\s*#{1,3}\s*(?:BEGIN|END) SOLUTION\b")
_MARKER = re.compile(r"^(\s*)#\s*(UN)?GRADED FUNCTION\s*:\s*(\w+)\s*$")
_DEF = re.compile(r"^\s*def\s+(\w+)\s*\(", re.M)


def release(assignment: Assignment, out: Path, solution: Path | None = None) -> list[Path]:
    """Write the student notebook, the student bundle and the provided modules into ``out``;
    return the files written. Raises ``ReleaseError`` (writing nothing) when the notebook would
    hold a line of the reference solution."""
    from grader.authoring import bundle, bundle_build  # the bundle runs the reference: loaded only when releasing

    solution = solution or assignment.directory / SOLUTION_FILE
    if not solution.is_file():
        raise ReleaseError(f"{assignment.name} has no solution notebook ({solution} does not exist): "
                           f"the student notebook is made from it")
    try:
        source = nbformat.read(str(solution), as_version=4)
    except Exception as error:  # noqa: BLE001  (nbformat raises many kinds)
        raise ReleaseError(f"{solution}: not a readable notebook ({type(error).__name__}: {error})") from None
    solved = provided_solutions(assignment)
    if solved:
        module, name = solved[0]
        raise ReleaseError(f"release refused: the provided module {module} defines the graded function "
                           f"{name}: a student could hand in a copy of it. Remove it from "
                           f"{assignment.provided}")
    notebook = student_notebook(source, assignment.graded_names, where=solution.name)
    name = f"{assignment.name}.ipynb"
    leaks = find_leaks(notebook, solution_lines(assignment, source), *given_lines(assignment, source))
    if leaks:
        cell, line, text, origin = leaks[0]
        more = f" (and {len(leaks) - 1} more)" if len(leaks) > 1 else ""
        raise ReleaseError(f"release refused: {name} cell {cell}, line {line} holds a line of the reference "
                           f"solution ({origin}): {text.strip()}{more}")
    content = bundle_build.build_bundle(assignment)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReleaseError(f"cannot create the output folder {out}: {error.strerror}") from None
    written = [out / name]
    nbformat.write(notebook, str(out / name))
    written.append(bundle_build.write_bundle(content, out / f"{assignment.name}{bundle.SUFFIX}"))
    for path in sorted(assignment.provided.glob("*.py")):
        (out / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        written.append(out / path.name)
    return written


def provided_solutions(assignment: Assignment) -> list[tuple[str, str]]:
    """(module file, function) for every graded function a provided module defines."""
    found = []
    for path in sorted(assignment.provided.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names = [node.id]  # initialize_adam = ...
            else:
                continue
            found += [(path.name, name) for name in names if name in assignment.graded_names]
    return found


# --------------------------------------------------------------------------- the student notebook


def student_notebook(solution, graded_names, where: str = "the solution notebook"):
    """A copy of the solution notebook with its code regions emptied and graded cells marked."""
    notebook = copy.deepcopy(solution)
    defined: dict[str, int] = {}
    for index, cell in enumerate(notebook.cells, start=1):  # numbered as the grader's reports number them
        if cell.cell_type != "code":
            continue
        cell.outputs = []
        cell.execution_count = None
        lines = cell.source.splitlines()
        regions = code_regions(lines, f"{where} cell {index}")
        if regions:
            lines = _emptied(lines, regions)
        for name in _DEF.findall("\n".join(lines)):
            if name in graded_names:
                if not regions:
                    raise ReleaseError(f"{where} cell {index} defines the graded function {name} but has no "
                                       f"### START CODE HERE ### (or ### BEGIN SOLUTION) region: the release "
                                       f"would hand out its solution")
                lines = _marked(lines, name)
                defined.setdefault(name, index)
        cell.source = "\n".join(lines)
    missing = [name for name in graded_names if name not in defined]
    if missing:
        raise ReleaseError(f"{where} defines no {', '.join(missing)}: every graded function needs its cell")
    return notebook


def _emptied(lines: list[str], regions: list[tuple[int, int]]) -> list[str]:
    """The lines with every region's code removed; its comments and blank lines stay. A region
    whose removal leaves a block empty (its ``for`` is outside the region) gets a ``pass``."""
    removed: set[int] = set()
    placeholders: dict[int, str] = {}  # end marker line -> the pass that may go before it
    always: set[int] = set()  # a solution region (nbgrader, Otter) is always left raising
    for start, end in regions:
        code = [n for n in range(start + 1, end) if lines[n].strip() and not lines[n].lstrip().startswith("#")]
        removed.update(code)
        if code:
            first = lines[code[0]]
            indent = first[:len(first) - len(first.lstrip())]
            placeholders[end] = indent + "pass"
            if _SOLUTION_MARKER.match(lines[start]):
                placeholders[end] = indent + "raise NotImplementedError()"
                always.add(end)
        if _SOLUTION_MARKER.match(lines[start]):  # as nbgrader hands it out: no markers, a prompt
            marker = lines[start]
            lines = [*lines[:start], marker[:len(marker) - len(marker.lstrip())] + "# YOUR CODE HERE",
                     *lines[start + 1:]]
            removed.add(end)

    def build(chosen: set[int]) -> list[str]:
        chosen = chosen | always
        return [kept for n, line in enumerate(lines) if n not in removed or n in chosen
                for kept in ([placeholders[n]] + ([line] if n not in removed else []) if n in chosen else [line])]

    emptied = build(set())
    if _parses(emptied) or not _parses(lines):
        return emptied
    chosen: set[int] = set()
    for end in placeholders:  # only where needed, one region at a time
        chosen.add(end)
        emptied = build(chosen)
        if _parses(emptied):
            break
    return emptied


def _parses(lines: list[str]) -> bool:
    try:
        ast.parse("\n".join(lines))
        return True
    except SyntaxError:
        return False


def _marked(lines: list[str], name: str) -> list[str]:
    """The cell with ``# GRADED FUNCTION: name`` (an ``UNGRADED`` marker becomes one)."""
    for number, line in enumerate(lines):
        match = _MARKER.match(line)
        if match and match.group(3) == name:
            lines = list(lines)
            lines[number] = f"{match.group(1)}# GRADED FUNCTION: {name}"
            return lines
    return [f"# GRADED FUNCTION: {name}", *lines]


