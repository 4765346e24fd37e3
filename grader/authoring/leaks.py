"""Finding the reference solution in a handout: its statements (as the tokenizer reads them, so
spacing and comments do not hide one), the lines handed out on purpose, and each line of a
notebook (code, commented-out code, markdown) or of a hint's prose that would give a statement
of the solution away. ``release`` refuses to write a notebook where ``find_leaks`` finds one.
"""
from __future__ import annotations

import ast
import inspect
import io
import re
import textwrap
import tokenize

from grader.core.assignment import Assignment
from grader.authoring.code_regions import ReleaseError, code_regions


_TRIVIAL_TOKENS = 2  # a statement of this many tokens or fewer (pass, else:, return x) gives nothing away


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
            regions = code_regions(cell_lines, f"cell {index}")
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
            regions = code_regions(cell_lines, "")
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
