"""Check from inside the notebook: ``from grader import check; check()``.

* ``check()`` grades the notebook that is open, as last saved. Which one is open: VS Code sets
  ``__vsc_ipynb_file__``; Jupyter Server (2.x) starts the kernel with ``JPY_SESSION_NAME``, the
  notebook's path, which ipykernel also puts in ``__session__``. Failing both, the newest
  ``.ipynb`` in the working folder is checked, and the report says so.
* ``check("rnn_cell_forward")`` grades one function as the running kernel has it, with no need
  to save: the kernel's cells in the order they ran (its input history: imports, helpers and
  constants, exactly what the grader would take from a notebook run top to bottom) become the
  notebook graded, and when the function object itself was defined some other way (or changed
  since), its own source (``inspect.getsource``) is added last.

Either way the real engine grades it (extract, isolated processes, the sandbox where there is
one), on the public cases unless the assignment lets students run the hidden ones. The result
shows as HTML in Jupyter (JupyterLab, classic Notebook, VS Code: ``_repr_html_``, inline styles
only, so nothing leaks into the page) and as plain text anywhere else (``str``/``repr``): see
``check_report``.
"""
from __future__ import annotations

import ast
import inspect
import os
import re
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from grader.reports.check_report import CheckReport
from grader.core.results import FunctionResult, SubmissionResult

_CELL = re.compile(r"\bcell (\d+)\b")
_assignments: dict = {}


# --------------------------------------------------------------------------- the entry point

def check(function: str | None = None, *, notebook: str | os.PathLike | None = None,
          assignment: str | None = None, timeout: float | None = None,
          hidden: bool | None = None) -> CheckReport:
    """Check your work before handing it in; returns a report that shows itself.

    ``check()`` grades the open notebook (as last saved); ``check("rnn_cell_forward")`` grades
    that function as the kernel has it now. ``notebook`` names the file to grade instead of the
    open one; ``assignment`` a bundled assignment or an assignment folder (default: the only
    bundled one); ``timeout`` the seconds allowed per call; ``hidden`` overrides whether hidden
    cases run (by default only when the assignment allows it).
    """
    from grader.grading import routing
    from grader.core.student import student_view

    if assignment is None and routing.several_bundled():  # the one this function or notebook is for
        if function is not None:
            assignment = next((name for name, names in routing.graded_names().items() if function in names), None)
        else:
            assignment = routing.assignment_for(notebook if notebook is not None else find_open_notebook()[0])
    loaded = _load(assignment, timeout)
    view = student_view(loaded, hidden)
    if function is not None:
        if function not in loaded.graded_names:
            raise ValueError(f"{function!r} is not a graded function of {loaded.name} "
                             f"(graded: {', '.join(loaded.graded_names)})")
        return _check_live(view, function)
    if notebook is not None:
        path, note = Path(notebook), ""
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such notebook")
    else:
        path, note = find_open_notebook()
    result = _grade(view.assignment, path, path.name, ())
    notes = [note] if note else []
    notes.append(_saved_note(path))
    return CheckReport(result, scope=view.scope, notes=notes, rerun='check("{function}")',
                       rerun_all="check()")


# --------------------------------------------------------------------------- which notebook

def find_open_notebook(namespace: dict | None = None) -> tuple[Path, str]:
    """The open notebook's path, and a note when it had to be guessed."""
    namespace = _namespace() if namespace is None else namespace
    vscode = namespace.get("__vsc_ipynb_file__")
    if isinstance(vscode, str) and Path(vscode).is_file():
        return Path(vscode), ""
    for name in (namespace.get("__session__"), os.environ.get("JPY_SESSION_NAME")):
        if isinstance(name, str) and name:
            found = _resolve_session(name)
            if found is not None:
                return found, ""
    here = Path.cwd()
    candidates = [path for path in here.glob("*.ipynb") if path.is_file()]
    if not candidates:
        raise FileNotFoundError(
            f"cannot tell which notebook is open, and there is no .ipynb in {here}: "
            f"use check(notebook=\"path/to/notebook.ipynb\")")
    newest = max(candidates, key=lambda path: path.stat().st_mtime)
    note = (f"Cannot tell which notebook is open here, so this checks the most recently saved one in "
            f"this folder, {newest.name}. To check another: check(notebook=\"name.ipynb\").")
    return newest, note


def _resolve_session(name: str) -> Path | None:
    """``JPY_SESSION_NAME``: the notebook's path, absolute (Jupyter Server 2.x) or relative to
    the server's root, which is the kernel's folder or one above it."""
    path = Path(name).expanduser()
    if path.suffix != ".ipynb":
        return None
    if path.is_absolute():
        return path if path.is_file() else None
    here = Path.cwd()
    for base in (here, *here.parents):
        if (base / path).is_file():
            return base / path
    return None


def _saved_note(path: Path) -> str:
    try:
        age = max(0.0, time.time() - path.stat().st_mtime)
    except OSError:
        return ""
    when = ("just now" if age < 60 else f"{age // 60:.0f} minute{'s' if age >= 120 else ''} ago" if age < 3600
            else f"{age // 3600:.0f} hour{'s' if age >= 7200 else ''} ago")
    return (f"This checks {path.name} as last saved ({when}): save the notebook first to include your "
            f"latest edits, or check(\"function_name\") to check one function as the kernel has it now.")


# --------------------------------------------------------------------------- one live function

def _check_live(view, name: str) -> CheckReport:
    import nbformat

    shell = _shell()
    namespace = _namespace()
    history = _history(shell)
    target = namespace.get(name)
    if not callable(target):
        function = FunctionResult(name, "missing", 0.0, view.assignment.function(name).points,
                                  f"{name} is not defined in this kernel")
        result = SubmissionResult(f"{name} (this kernel)", "", "graded", None, 0.0, function.max_score,
                                  (function,))
        return CheckReport(result, notes=[f"Run the cell with `def {name}` first, then check again."],
                           scope=view.scope_for([name]),
                           rerun='check("{function}")', rerun_all="check()", live=True)
    cells = list(history)
    extra, first_line = _live_definition(target, name, history)
    if extra is not None:
        cells.append("\n" * (first_line - 1) + extra)
    kernel_cell = len(history) + 1 if extra is not None else None
    folder = Path(tempfile.mkdtemp(prefix="grader-check-"))
    try:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        path = folder / "kernel.ipynb"
        nbformat.write(notebook, str(path))
        result = _grade(view.assignment, path, f"{name} (this kernel)", (name,))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = _relabel(result, len(history), kernel_cell)
    return CheckReport(result, scope=view.scope_for([name]), rerun='check("{function}")',
                       rerun_all="check()", live=True, kernel_cell=kernel_cell)


def _history(shell) -> list[str]:
    """The kernel's cells as run, cell ``n`` being ``In [n]`` (a cell that does not parse is left
    empty: a later run replaced it). Outside IPython: the main script's source as one cell."""
    from grader.core.extract import strip_magics

    if shell is None:
        main = sys.modules.get("__main__")
        try:
            return [inspect.getsource(main)] if main is not None else []
        except (OSError, TypeError):
            return []
    raw = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    inputs = list(raw if raw else shell.user_ns.get("In", []))[1:]
    cells = []
    for source in inputs:
        try:
            ast.parse(strip_magics(source))
        except (SyntaxError, ValueError):
            source = ""
        cells.append(source)
    return cells


def _live_definition(target, name: str, history: list[str]) -> tuple[str | None, int]:
    """The function's source to add after the history, and the line it starts on in its own
    cell; (None, 0) when the history's last definition of it is the one the kernel holds."""
    from grader.core.extract import strip_magics

    try:
        lines, first_line = inspect.getsourcelines(target)
    except (OSError, TypeError):
        return None, 0  # no source to be had: the history is all there is
    source = textwrap.dedent("".join(lines))
    try:
        live = ast.parse(source).body[0]
    except (SyntaxError, IndexError):
        return None, 0
    for cell in reversed(history):
        try:
            tree = ast.parse(strip_magics(cell))
        except (SyntaxError, ValueError):
            continue
        defined = [node for node in tree.body
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name]
        if defined:
            if ast.dump(defined[-1]) == ast.dump(live):
                return None, 0
            break
    return source, max(1, first_line or 1)


def _relabel(result: SubmissionResult, history_cells: int, kernel_cell: int | None) -> SubmissionResult:
    """Say ``In [7]`` where the grader says ``cell 7`` (the history's cells are the kernel's
    inputs), and ``the kernel's definition`` for the source taken from the function itself."""
    import dataclasses

    def words(text: str) -> str:
        def name(match):
            number = int(match.group(1))
            if kernel_cell is not None and number == kernel_cell:
                return "the kernel's definition"
            return f"In [{number}]" if number <= history_cells else match.group(0)
        return _CELL.sub(name, text) if text else text

    functions = tuple(dataclasses.replace(
        function, message=words(function.message),
        cases=tuple(dataclasses.replace(case, message=words(case.message), hint=words(case.hint),
                                        traceback=words(case.traceback)) for case in function.cases))
        for function in result.functions)
    return dataclasses.replace(result, functions=functions,
                               warnings=tuple(words(warning) for warning in result.warnings))


# --------------------------------------------------------------------------- the engine

def _load(name: str | None, timeout: float | None):
    from grader.core.assignment import load_assignment

    key = (name, timeout)
    if key not in _assignments:
        _assignments[key] = load_assignment(name, timeout=timeout)
    return _assignments[key]


def _grade(assignment, path: Path, submission_id: str, only: tuple[str, ...]) -> SubmissionResult:
    from grader.grading.submission import grade_notebook
    from grader.execution.sandbox import find_sandbox, secrets_of
    from grader.execution.zygote import Zygote

    sandbox, _ = find_sandbox(*secrets_of(assignment, [], [path]))
    with Zygote(sandbox) as zygote:
        return grade_notebook(zygote, assignment, path, submission_id, only)


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _namespace() -> dict:
    shell = _shell()
    if shell is not None:
        return shell.user_ns
    main = sys.modules.get("__main__")
    return vars(main) if main is not None else {}


