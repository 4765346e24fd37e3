"""Release: what an instructor hands to students, and nothing more.

``grader release ASSIGNMENT --out DIR`` writes

* the **student notebook**, made from the assignment's solution notebook (``solution.ipynb`` in
  its folder): every region between the course's ``### START CODE HERE ###`` and
  ``### END CODE HERE ###`` is emptied, keeping the markers and the comments inside (the
  ``(≈N lines)`` hints among them); a block the emptying leaves without a statement gets a
  ``pass``; each graded function's cell is marked ``# GRADED FUNCTION: name``; outputs and
  execution counts are cleared;
* the **student bundle** (``grader.bundle``): the public cases and their expected values, the
  tolerances, points and hints' data, checksummed; no reference code, no hidden case;
* the modules the notebook imports (``provided/``: ``rnn_utils.py``), so it runs in Jupyter.

Nothing is written when the student notebook would still hold a line of the reference solution:
a statement of a reference function's body, or one written inside a code region of the solution
notebook, found anywhere in the notebook (code, commented-out code, markdown). Two kinds of
line are handed out on purpose and pass: those of the provided modules (the course's
``rnn_utils``), and, in a cell with code regions, the frame around them when it only unpacks,
takes shapes or returns (``n_x, m = xt.shape``, ``return a, y_pred, caches``): a computation
(an operator, a call other than ``len``/``range``) of the solution outside a region is refused
too. The refusal names the cell, the line and the statement.
"""
from __future__ import annotations

import ast
import copy
import inspect
import io
import re
import textwrap
import tokenize
from pathlib import Path

import nbformat

from grader.assignment import Assignment, AssignmentError

SOLUTION_FILE = "solution.ipynb"
# the course's regions (### START CODE HERE ###, and its later # YOUR CODE STARTS HERE), and
# nbgrader's and Otter's (### BEGIN SOLUTION / # BEGIN SOLUTION)
START = re.compile(r"^\s*(?:###\s*START CODE HERE\s*###|#\s*YOUR CODE STARTS HERE\b|#{1,3}\s*BEGIN SOLUTION\b)")
END = re.compile(r"^\s*(?:###\s*END CODE HERE\s*###|#\s*YOUR CODE ENDS HERE\b|#{1,3}\s*END SOLUTION\b)")
_SOLUTION_MARKER = re.compile(r"^\s*#{1,3}\s*(?:BEGIN|END) SOLUTION\b")
_MARKER = re.compile(r"^(\s*)#\s*(UN)?GRADED FUNCTION\s*:\s*(\w+)\s*$")
_DEF = re.compile(r"^\s*def\s+(\w+)\s*\(", re.M)
_TRIVIAL_TOKENS = 2  # a statement of this many tokens or fewer (pass, else:, return x) gives nothing away


class ReleaseError(AssignmentError):
    """The release cannot be made, or would give the solution away; the message says where."""


def release(assignment: Assignment, out: Path, solution: Path | None = None) -> list[Path]:
    """Write the student notebook, the student bundle and the provided modules into ``out``;
    return the files written. Raises ``ReleaseError`` (writing nothing) when the notebook would
    hold a line of the reference solution."""
    from grader import bundle  # the bundle runs the reference: loaded only when releasing

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
    content = bundle.build_bundle(assignment)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReleaseError(f"cannot create the output folder {out}: {error.strerror}") from None
    written = [out / name]
    nbformat.write(notebook, str(out / name))
    written.append(bundle.write_bundle(content, out / f"{assignment.name}{bundle.SUFFIX}"))
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
        regions = _regions(lines, f"{where} cell {index}")
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


def _regions(lines: list[str], where: str) -> list[tuple[int, int]]:
    """(start marker, end marker) line indices of each code region."""
    regions, start = [], None
    for number, line in enumerate(lines):
        if START.match(line):
            if start is not None:
                raise ReleaseError(f"{where}, line {number + 1}: START CODE HERE inside another region "
                                   f"(line {start + 1} has no END CODE HERE)")
            start = number
        elif END.match(line):
            if start is None:
                raise ReleaseError(f"{where}, line {number + 1}: END CODE HERE without a START CODE HERE")
            regions.append((start, number))
            start = None
    if start is not None:
        raise ReleaseError(f"{where}, line {start + 1}: START CODE HERE without an END CODE HERE")
    return regions


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


# --------------------------------------------------------------------------- lines of the solution


def statements(source: str) -> list[tuple[int, str, bool]]:
    """(line number, normalised statement, commented out) for every statement in ``source``:
    tokens joined by one space (so spacing and quoting do not matter), comments dropped;
    a comment that is itself a statement (commented-out code) is returned too."""
    found: list[tuple[int, str, bool]] = []
    current: list[str] = []
    first = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                text = token.string.lstrip("#").strip()
                if text:
                    found += [(token.start[0], statement, True) for _, statement, _ in _one_line(text)]
                continue
            if token.type in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
                              tokenize.ENCODING):
                continue
            if token.type == tokenize.NEWLINE:
                if current:
                    found.append((first, " ".join(current), False))
                current = []
                continue
            if not current:
                first = token.start[0]
            current.append(_token_text(token))
    except (tokenize.TokenError, SyntaxError):
        # not Python as a whole (a magic, a pasted output): statement by statement, line by line
        found = [item for number, line in enumerate(source.splitlines(), 1)
                 for item in ((number, s, c) for _, s, c in _one_line(line))]
        return found
    if current:
        found.append((first, " ".join(current), False))
    return found


def _one_line(text: str) -> list[tuple[int, str, bool]]:
    if not text.strip() or text.lstrip().startswith("#"):
        return []
    try:
        tokens = [_token_text(t) for t in tokenize.generate_tokens(io.StringIO(text.strip()).readline)
                  if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                                    tokenize.ENDMARKER, tokenize.COMMENT)]
    except (tokenize.TokenError, SyntaxError):
        return [(1, " ".join(text.split()), False)]
    return [(1, " ".join(tokens), False)] if tokens else []


def _token_text(token) -> str:
    if token.type == tokenize.STRING:
        try:
            return repr(ast.literal_eval(token.string))  # 'a' and "a" are one string
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return token.string
    return token.string


def _substantial(statement: str) -> bool:
    return len(statement.split(" ")) > _TRIVIAL_TOKENS


def solution_lines(assignment: Assignment, solution) -> dict[str, str]:
    """Normalised statement -> where it comes from: the reference functions' bodies and the
    solution notebook's code regions."""
    lines: dict[str, str] = {}
    for name in assignment.graded_names:
        implementation = getattr(assignment.reference, name, None)
        if implementation is None:
            continue
        try:
            source = textwrap.dedent(inspect.getsource(implementation))
        except (OSError, TypeError):
            continue
        for _, statement, commented in statements(_body(source)):
            if not commented and _substantial(statement):
                lines.setdefault(statement, f"the reference {name}")
    for index, cell in enumerate(solution.cells, start=1):
        if cell.cell_type != "code":
            continue
        cell_lines = cell.source.splitlines()
        try:
            regions = _regions(cell_lines, f"cell {index}")
        except ReleaseError:
            regions = []
        for start, end in regions:
            region = "\n".join(textwrap.dedent("\n".join(cell_lines[start + 1:end])).splitlines())
            for _, statement, commented in statements(region):
                if not commented and _substantial(statement):
                    lines.setdefault(statement, f"a code region of the solution notebook, cell {index}")
    return lines


def _body(source: str) -> str:
    """A function's statements without its signature and docstring."""
    tree = ast.parse(source)
    function = tree.body[0]
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if not body:
        return ""
    lines = source.splitlines()
    return textwrap.dedent("\n".join(lines[body[0].lineno - 1:body[-1].end_lineno]))


def given_lines(assignment: Assignment, solution) -> tuple[set[str], set[str]]:
    """What the course hands out anyway: the provided modules' statements, and the frames of the
    cells with code regions (their statements outside the regions: signature, unpacking, return)."""
    provided: set[str] = set()
    for path in sorted(assignment.provided.glob("*.py")):
        provided.update(statement for _, statement, _ in statements(path.read_text(encoding="utf-8")))
    frames: set[str] = set()
    for cell in solution.cells:
        if cell.cell_type != "code":
            continue
        cell_lines = cell.source.splitlines()
        try:
            regions = _regions(cell_lines, "")
        except ReleaseError:
            continue
        if not regions:
            continue
        inside = {n for start, end in regions for n in range(start, end + 1)}
        frame = "\n".join(line if n not in inside else "" for n, line in enumerate(cell_lines))
        frames.update(statement for _, statement, commented in statements(frame) if not commented)
    return provided, frames


_OPERATORS = frozenset("+ - * / @ ** % += -= *= /= @= **= //= %= |= &= ^=".split())
_HARMLESS_CALLS = frozenset({"len", "range", "str", "int", "float", "enumerate", "zip", "reversed",
                             "list", "tuple", "dict", "print", "isinstance"})


_KEYWORDS = frozenset({"in", "for", "if", "elif", "while", "return", "and", "or", "not", "is", "with",
                       "assert", "yield", "lambda", "else", "del", "print"})


def computes(statement: str) -> bool:
    """Whether a normalised statement computes something (an operator other than ``//``, or a call
    other than len, range and the like), rather than only unpacking, taking shapes or returning."""
    return _computations(statement) > 0


def _computations(statement: str) -> int:
    """How many operators and calls (other than len, range and the like) a normalised statement has."""
    tokens = statement.split(" ")
    count = 0
    for before, token in zip([""] + tokens, tokens):
        if token in _OPERATORS:
            count += 1
        elif token == "(" and (before in (")", "]") or before.isidentifier() and before not in _HARMLESS_CALLS
                               and before not in _KEYWORDS):
            count += 1
    return count


def find_leaks(notebook, solution: dict[str, str], provided: set[str] = frozenset(),
               frames: set[str] = frozenset()) -> list[tuple[int, int, str, str]]:
    """(cell, line, the line's text, origin) for every line of the notebook that is a line of
    the solution and not one the course hands out (``provided``; ``frames`` unless it computes)."""
    leaks = []
    for index, cell in enumerate(notebook.cells, start=1):
        source_lines = cell.source.splitlines()
        for number, statement, _ in statements(cell.source) if cell.cell_type == "code" else _markdown(cell.source):
            if statement not in solution or statement in provided:
                continue
            if statement in frames and not computes(statement):
                continue
            text = source_lines[number - 1] if 0 < number <= len(source_lines) else statement
            leaks.append((index, number, text, solution[statement]))
    return leaks


def _markdown(source: str) -> list[tuple[int, str, bool]]:
    """Markdown, line by line: a line of code in it (in a code block, or between backticks)."""
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        text = line.strip().strip("`").strip()
        for _, statement, _ in _one_line(text):
            found.append((number, statement, False))
    return found


# --------------------------------------------------------------------------- lines in prose (hints)

_ASSIGNING = frozenset({"=", "+=", "-=", "*=", "/=", "@=", "**=", "//=", "%="})


def solution_fragments(solution: dict[str, str]) -> dict[str, str]:
    """Compact text (no spaces, one kind of quote) -> origin, for each statement of the solution
    that computes something and for the right-hand side of each such assignment: what a hint
    must not quote, however it is spaced."""
    fragments: dict[str, str] = {}
    for statement, origin in solution.items():
        if not computes(statement):
            continue
        fragments.setdefault(_compact(statement), origin)
        tokens = statement.split(" ")
        depth = 0
        for index, token in enumerate(tokens):
            depth += (token in ("(", "[", "{")) - (token in (")", "]", "}"))
            if depth == 0 and token in _ASSIGNING:
                value = " ".join(tokens[index + 1:])
                if _computations(value) > 1:  # tanh(c_next) alone is a formula, not a line
                    fragments.setdefault(_compact(value), origin)
                break
    return fragments


def text_leaks(text: str, fragments: dict[str, str]) -> list[tuple[str, str]]:
    """(fragment, origin) for every solution fragment that ``text`` quotes."""
    compact = _compact(text)
    return [(fragment, origin) for fragment, origin in fragments.items() if fragment in compact]


_SUBSCRIPT = re.compile(r"\[[^\[\]]*\]")


def _compact(text: str) -> str:
    """Without spaces, subscripts (``v["dW" + str(l)]`` is ``v``) and the ``np.`` prefix, with one
    kind of quote: the same line however it is spelled or indexed."""
    compact = "".join(text.replace('"', "'").split()).rstrip(":")
    for _ in range(5):  # nested subscripts, innermost first
        compact = _SUBSCRIPT.sub("", compact)
    return compact.replace("np.", "")
