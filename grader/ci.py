"""``grader ci``: grade the notebooks a pull request changed, as a GitHub Actions check.

Which notebooks: those ``git diff --name-only BASE...HEAD`` lists (added, changed, renamed),
``BASE`` being ``--base`` or, on a pull request, ``origin/$GITHUB_BASE_REF``; with neither (a
push, a run by hand), or when the base cannot be found (a shallow checkout), every notebook in
the repository. Each is graded as ``grader grade`` grades it (every case, in the sandbox), and:

* the log shows each notebook's table (``grader check``'s), folded in a group, and inside
  GitHub's stop-commands markers with a random token: nothing a student's code printed, raised
  or named can pass for a workflow command;
* ``$GITHUB_STEP_SUMMARY`` gets a Markdown summary: score, a table of functions, what failed
  and the hints (every piece of student text escaped);
* annotations ``::error file=…,line=…,title=…::…`` point at the line of the ``.ipynb`` file
  where each failing function's ``def`` stands, so they show in the pull request's diff; at
  most 10 (GitHub shows 10 errors per step), unreadable notebooks and failures with a hint
  first, then by points lost; a warning says how many more the summary lists;
* ``--junit FILE`` writes JUnit XML (``grader.formats``);
* ``--classroom`` writes the GitHub Classroom autograding result: ``result=<base64 JSON>`` in
  ``$GITHUB_OUTPUT``, the step output that ``classroom-resources/autograding-grading-reporter``
  reads (see ``classroom_result``).

Exit status: 0 when every graded function of every notebook passes (or none changed), 1 when one
does not (or a notebook cannot be read), 2 when the grader cannot run.

Wiring: ``add_ci_parser(subparsers)`` adds the ``ci`` command (``run_ci`` runs it); ``main`` is
the same command standalone (``python -m grader.ci``).
"""
from __future__ import annotations

import argparse
import base64
import bisect
import dataclasses
import html
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.results import FunctionResult, SubmissionResult
from grader.terminal import failure_case, format_result, headline, location, use_colour

MAX_ERRORS = 10  # GitHub shows at most 10 error annotations per step
SUMMARY_LIMIT = 900_000  # GitHub takes 1 MiB of summary per step
OUTPUT_SHOWN = 2_000  # characters of a function's printed output shown in the summary
WORKFLOW_PATH = Path(".github/workflows/grade.yml")
CLASSROOM_WORKFLOW_PATH = Path(".github/workflows/classroom.yml")


class CIError(Exception):
    """The command cannot run: reported in one line, exit status 2."""


# --------------------------------------------------------------------------- the command line

def add_ci_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``ci`` to ``grader``'s subcommands; it runs ``run_ci``."""
    parser = subparsers.add_parser(
        "ci", help="grade the notebooks a pull request changed (GitHub Actions)",
        description=_DESCRIPTION)
    add_ci_options(parser)
    parser.set_defaults(run=run_ci)
    return parser


_DESCRIPTION = (
    "Grade the notebooks a pull request changed (git diff BASE...HEAD; every notebook when there "
    "is no base), print each one's table, and for GitHub Actions: append a Markdown summary to "
    "$GITHUB_STEP_SUMMARY, annotate the line of each failing function's def (at most 10), and "
    "optionally write JUnit XML and the GitHub Classroom result. Exits 0 when every graded "
    "function passes, 1 when one does not, 2 when the grader cannot run.")


def add_ci_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="only notebooks in these files or folders (default: the whole repository)")
    parser.add_argument("--base", metavar="REF",
                        help="grade the notebooks changed since this branch or commit (default: "
                             "origin/$GITHUB_BASE_REF on a pull request, else every notebook)")
    parser.add_argument("--all", action="store_true", help="grade every notebook, changed or not")
    parser.add_argument("--assignment", metavar="NAME_OR_DIR",
                        help="a bundled assignment's name or an assignment folder (default: the only "
                             "bundled one; with several, the one the changed notebooks define the graded "
                             "functions of)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="time limit per call of a student function (default: the assignment's)")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML to FILE")
    parser.add_argument("--summary", type=Path, metavar="FILE",
                        help="append the Markdown summary to FILE (default: $GITHUB_STEP_SUMMARY when set)")
    parser.add_argument("--classroom", action="store_true",
                        help="write the GitHub Classroom autograding result (base64 JSON) as the "
                             "step output 'result' for classroom-resources/autograding-grading-reporter; "
                             "with --init, write the Classroom workflow")
    parser.add_argument("--annotations", choices=("auto", "always", "never"), default="auto",
                        help="print GitHub workflow commands (annotations, groups): auto does when "
                             "GITHUB_ACTIONS=true (default: auto)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade even where bubblewrap is missing, with process limits alone")
    parser.add_argument("--init", action="store_true",
                        help=f"write the GitHub Actions workflow ({WORKFLOW_PATH}; with --classroom "
                             f"{CLASSROOM_WORKFLOW_PATH}) into the repository and exit")
    parser.add_argument("--force", action="store_true", help="with --init: replace an existing workflow")


def main(argv: list[str] | None = None) -> int:
    """``grader ci`` on its own: ``python -m grader.ci [OPTIONS]``."""
    parser = argparse.ArgumentParser(prog="grader ci", description=_DESCRIPTION)
    add_ci_options(parser)
    return run_ci(parser.parse_args(argv))


def run_ci(arguments) -> int:
    from grader.assignment import AssignmentError

    try:
        if arguments.init:
            return _init(arguments)
        return _run(arguments)
    except (CIError, AssignmentError) as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2


# --------------------------------------------------------------------------- the run

def _run(arguments) -> int:
    from grader.assignment import load_assignment

    if arguments.timeout is not None and arguments.timeout <= 0:
        raise CIError("--timeout must be a positive number of seconds")
    environment = os.environ
    github = arguments.annotations == "always" or (
        arguments.annotations == "auto" and environment.get("GITHUB_ACTIONS") == "true")
    root = repository_root(Path.cwd())
    scope = [Path(path).resolve() for path in arguments.paths] or [root]
    for path in scope:
        if not path.exists():
            raise CIError(f"{path}: no such file or folder")
    base = None if arguments.all else (arguments.base or _base_from(environment))
    notebooks, how, note = select_notebooks(root, scope, base)
    assignment = load_assignment(_assignment_for(arguments.assignment, notebooks), timeout=arguments.timeout)
    summary_path = arguments.summary or (Path(environment["GITHUB_STEP_SUMMARY"])
                                         if environment.get("GITHUB_STEP_SUMMARY") else None)
    if note:
        _log_note(note, github)
    results = grade_all(assignment, root, notebooks, arguments, environment)
    token = secrets.token_hex(16)
    out = sys.stdout
    colour = github or use_colour(out)  # the Actions log shows colour
    for result in results:
        _print_result(out, result, github, token, colour)
    if not results:
        print(f"grader ci: no notebooks to grade ({how}).", file=out)
    if github:
        for line in annotations(assignment, root, results):
            print(line, file=out)
    if summary_path is not None:
        _append(summary_path, job_summary(assignment, results, how))
    if arguments.junit:
        from grader.formats import write_junit_xml
        arguments.junit.parent.mkdir(parents=True, exist_ok=True)
        write_junit_xml(arguments.junit, assignment, results)
    if arguments.classroom:
        _write_classroom(classroom_result(assignment, results, root), environment)
    failing = [result for result in results if not result.all_passed]
    if results:
        print(f"grader ci: {len(results)} notebook(s) graded ({how}); "
              f"{len(failing) or 'none'} with a function that does not pass.", file=out)
    return 1 if failing else 0


def _assignment_for(name: str | None, notebooks: list[Path]) -> str | None:
    """The assignment named, else the one the changed notebooks are for when several are bundled."""
    from grader import routing
    from grader.assignment import bundled_assignments

    if name is not None or not routing.several_bundled():
        return name
    found = sorted({routing.assignment_for(path) for path in notebooks} - {None})
    if len(found) > 1:
        raise CIError(f"the notebooks are for several assignments ({', '.join(found)}): run grader ci "
                      "once for each, with --assignment and the notebooks' folder")
    return found[0] if found else bundled_assignments()[0]


def grade_all(assignment, root: Path, notebooks: list[Path], arguments, environment) -> list[SubmissionResult]:
    from grader.grading import grade_notebook
    from grader.sandbox import find_sandbox, secrets_of
    from grader.environment import zygote_for

    if not notebooks:
        return []
    # hidden from student code as well: the files GitHub reads commands and outputs from
    outputs = [Path(environment[name]).parent for name in
               ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE")
               if environment.get(name)]
    if arguments.junit:
        outputs.append(arguments.junit.resolve().parent)
    hidden, shown = secrets_of(assignment, outputs, notebooks)
    sandbox, reason = find_sandbox(hidden, shown)
    if sandbox is None:
        if not arguments.no_sandbox:
            raise CIError(f"no sandbox: {reason}. Install bubblewrap (Debian and Ubuntu: apt install "
                          "bubblewrap; on Ubuntu 24.04 also sysctl kernel.apparmor_restrict_unprivileged_userns=0), "
                          "or pass --no-sandbox to grade with process limits alone")
        print(f"note: no sandbox ({reason}); student code runs with process limits alone", file=sys.stderr)
    results = []
    with zygote_for(assignment, sandbox) as zygote:
        for path in notebooks:
            submission_id = _relative(path, root).removesuffix(".ipynb")
            try:
                result = grade_notebook(zygote, assignment, path, submission_id)
            except Exception as error:  # a grader bug on one notebook must not cost the others
                result = SubmissionResult(submission_id, str(path), "invalid",
                                          f"the grader failed on this notebook: {type(error).__name__}: {error}",
                                          0.0, assignment.max_score)
            # the path as GitHub names files (annotations, the summary, JUnit): from the repository's root
            results.append(dataclasses.replace(result, path=_relative(path, root)))
    return results


def _base_from(environment) -> str | None:
    ref = environment.get("GITHUB_BASE_REF")
    return f"origin/{ref}" if ref else None


def _print_result(out, result: SubmissionResult, github: bool, token: str, colour: bool) -> None:
    path = shlex.quote(result.path)
    text = format_result(result, colour=colour, rerun=f"grader check {path} --function {{function}}",
                         rerun_all=f"grader check {path}")
    printed = [f for f in result.functions if f.output and f.status != "passed"]
    for function in printed:
        text += f"\n\n{function.name} printed:\n" + _shorten(function.output, OUTPUT_SHOWN)
    if github:
        mark = "✅" if result.all_passed else "❌"
        print(f"::group::{escape_data(f'{mark} {headline(result)}')}", file=out)
        print(f"::stop-commands::{token}", file=out)
        print(text, file=out)
        print(f"::{token}::", file=out)
        print("::endgroup::", file=out)
    else:
        print(text + "\n", file=out)


def _log_note(text: str, github: bool) -> None:
    if github:
        print(f"::warning title=grader ci::{escape_data(text)}")
    else:
        print(f"note: {text}", file=sys.stderr)


# --------------------------------------------------------------------------- which notebooks

def repository_root(here: Path) -> Path:
    found = _git(here, "rev-parse", "--show-toplevel")
    return Path(found.strip()).resolve() if found is not None and found.strip() else here.resolve()


def select_notebooks(root: Path, scope: list[Path], base: str | None) -> tuple[list[Path], str, str]:
    """The notebooks to grade, sorted; how they were chosen (a phrase); and a note when the base
    could not be compared with (then every notebook is graded)."""
    note = ""
    if base is not None:
        changed = _git(root, "diff", "--name-only", "-z", "--diff-filter=ACMR", f"{base}...HEAD", "--", "*.ipynb")
        if changed is not None:
            paths = [root / name for name in changed.split("\0") if name]
            return _keep(paths, scope), f"changed since {base}", note
        note = (f"cannot compare with {base} (is it fetched? actions/checkout needs fetch-depth: 0): "
                f"grading every notebook")
    how = "every notebook"
    listed = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.ipynb")
    if listed is not None:
        paths = [root / name for name in listed.split("\0") if name]
    else:
        paths = [path for folder in scope for path in (folder.rglob("*.ipynb") if folder.is_dir() else [folder])]
    return _keep(paths, scope), how, note


def _keep(paths: list[Path], scope: list[Path]) -> list[Path]:
    kept = set()
    for path in paths:
        path = path.resolve()
        if path.suffix != ".ipynb" or ".ipynb_checkpoints" in path.parts or not path.is_file():
            continue
        if any(path == folder or path.is_relative_to(folder) for folder in scope):
            kept.add(path)
    return sorted(kept)


def _git(where: Path, *arguments: str) -> str | None:
    try:
        run = subprocess.run(["git", *arguments], cwd=where, capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return run.stdout if run.returncode == 0 else None


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()


# --------------------------------------------------------------------------- annotations

def escape_data(text: str) -> str:
    """A workflow command's message, as GitHub's runner un-escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties) -> str:
    shown = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items()
                     if value is not None and value != "")
    return f"::{command}{' ' + shown if shown else ''}::{escape_data(message)}"


@dataclass(frozen=True)
class Annotation:
    rank: tuple  # smaller first: the most useful
    file: str
    line: int | None
    title: str
    message: str

    def command(self, kind: str = "error") -> str:
        return workflow_command(kind, self.message, file=self.file, line=self.line, title=self.title)


def annotations(assignment, root: Path, results: list[SubmissionResult], limit: int = MAX_ERRORS) -> list[str]:
    """The ``::error`` lines, at most ``limit``, the most useful first, and a ``::warning`` saying
    how many more there are."""
    found: list[Annotation] = []
    for order, result in enumerate(results):
        file = result.path
        if result.status == "invalid":
            found.append(Annotation((0, 0, order, 0), file, None, "Not a notebook the grader can read",
                                    f"{result.error}\nOpen it in Jupyter, save it again and push."))
            continue
        text = None
        for index, function in enumerate(result.functions):
            if function.status == "passed":
                continue
            line = None
            if function.cell is not None:
                if text is None:
                    text = _read_text(root / result.path)
                line = notebook_line(text, function.cell, function.line or 1) if text else None
            found.append(_function_annotation(result, function, file, line, (order, index)))
    found.sort(key=lambda annotation: annotation.rank)
    lines = [annotation.command() for annotation in found[:limit]]
    if len(found) > limit:
        lines.append(workflow_command(
            "warning", f"{len(found) - limit} more function(s) do not pass; the job summary lists them all.",
            title=f"{len(found)} failing functions, {limit} annotated"))
    return lines


def _function_annotation(result: SubmissionResult, function: FunctionResult, file: str, line: int | None,
                         order: tuple) -> Annotation:
    lost = function.max_score - function.score
    title = f"{function.name}: {function.status} ({function.score:g} / {function.max_score:g} points)"
    check = f"grader check {shlex.quote(result.path)} --function {function.name}"
    if function.status == "missing":
        message = f"There is no `def {function.name}` in this notebook yet."
        return Annotation((3, -lost, *order), file, None, title, message)
    case = failure_case(function)
    if case is None:
        message = function.message or function.status
        hinted = False
    else:
        message = f"{case.visibility} case '{case.name}': {case.message or case.status}"
        if case.hint:
            message += f"\nHint: {case.hint}"
        hinted = bool(case.hint)
    message += f"\nTo see it on your computer: {check}"
    return Annotation((1 if hinted else 2, -lost, *order), file, line, title, message)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


# --------------------------------------------------------------------------- a cell's line in the .ipynb file

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


class _Node:
    """A JSON value and where it starts in the text."""
    __slots__ = ("start", "kind", "items", "end")

    def __init__(self, start: int, kind: str, items=None, end: int = 0):
        self.start, self.kind, self.items, self.end = start, kind, items, end


def _parse(text: str, position: int = 0, depth: int = 0) -> _Node:
    if depth > 64:
        raise ValueError("nested too deeply")
    position = _WHITESPACE.match(text, position).end()
    character = text[position:position + 1]
    if character == "{":
        items: dict[str, _Node] = {}
        node = _Node(position, "object", items)
        position = _WHITESPACE.match(text, position + 1).end()
        if text[position:position + 1] == "}":
            node.end = position + 1
            return node
        while True:
            key = _STRING.match(text, position)
            if key is None:
                raise ValueError(f"a key expected at {position}")
            position = _WHITESPACE.match(text, key.end()).end()
            if text[position:position + 1] != ":":
                raise ValueError(f"':' expected at {position}")
            value = _parse(text, position + 1, depth + 1)
            items[json.loads(key.group())] = value
            position = _WHITESPACE.match(text, value.end).end()
            if text[position:position + 1] == ",":
                position = _WHITESPACE.match(text, position + 1).end()
                continue
            if text[position:position + 1] == "}":
                node.end = position + 1
                return node
            raise ValueError(f"',' or '}}' expected at {position}")
    if character == "[":
        elements: list[_Node] = []
        node = _Node(position, "array", elements)
        position = _WHITESPACE.match(text, position + 1).end()
        if text[position:position + 1] == "]":
            node.end = position + 1
            return node
        while True:
            value = _parse(text, position, depth + 1)
            elements.append(value)
            position = _WHITESPACE.match(text, value.end).end()
            if text[position:position + 1] == ",":
                position += 1
                continue
            if text[position:position + 1] == "]":
                node.end = position + 1
                return node
            raise ValueError(f"',' or ']' expected at {position}")
    match = _STRING.match(text, position) if character == '"' else _SCALAR.match(text, position)
    if match is None:
        raise ValueError(f"a value expected at {position}")
    return _Node(position, "string" if character == '"' else "scalar", None, match.end())


def notebook_line(text: str, cell: int, line: int) -> int | None:
    """The line of the .ipynb file (1-based) holding line ``line`` of cell ``cell`` (both
    1-based, cells counted as the grader counts them: every cell, markdown too). None when the
    file is not a notebook this can read."""
    try:
        root = _parse(text)
    except (ValueError, RecursionError, IndexError):
        return None
    if root.kind != "object":
        return None
    cells = _cells(root)
    if cells is None or not 1 <= cell <= len(cells) or cells[cell - 1].kind != "object":
        return None
    fields = cells[cell - 1].items
    source = fields.get("source") or fields.get("input")
    if source is None:
        return None
    line_of = _line_counter(text)
    if source.kind == "string":
        return line_of(source.start)
    if source.kind != "array" or not source.items:
        return None
    seen = 0  # newlines in the elements before this one
    for element in source.items:
        if element.kind != "string":
            return None
        if seen >= line - 1:
            return line_of(element.start)
        seen += json.loads(text[element.start:element.end]).count("\n")
    return line_of(source.items[-1].start)


def _cells(root: _Node) -> list[_Node] | None:
    fields = root.items
    if "cells" in fields and fields["cells"].kind == "array":
        return fields["cells"].items
    worksheets = fields.get("worksheets")  # format 3: the cells of every worksheet, in order
    if worksheets is not None and worksheets.kind == "array":
        cells = []
        for sheet in worksheets.items:
            if sheet.kind == "object" and "cells" in sheet.items and sheet.items["cells"].kind == "array":
                cells.extend(sheet.items["cells"].items)
        return cells
    return None


def _line_counter(text: str):
    starts = [0] + [match.end() for match in re.finditer("\n", text)]
    return lambda offset: bisect.bisect_right(starts, offset)


# --------------------------------------------------------------------------- the job summary

_MARKS = {"passed": "✅", "failed": "❌", "error": "⚠️", "timeout": "⏱️", "missing": "⚪", "invalid": "❌"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~@<>&])")


def md(text: str) -> str:
    """Student text as inert Markdown on one line: every Markdown and HTML character
    backslashed (``|`` too, so a table cell stays one cell; ``<`` and ``&`` so no tag or
    entity), line breaks as spaces."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def _pre(text: str) -> str:
    return f"<pre>{html.escape(text, quote=False)}</pre>"


def job_summary(assignment, results: list[SubmissionResult], how: str) -> str:
    failing = [result for result in results if not result.all_passed]
    lines = [f"## {'✅' if not failing else '❌'} Notebook grader: {md(assignment.title)}", ""]
    if not results:
        lines += [f"No notebooks to grade ({md(how)}).", ""]
        return "\n".join(lines) + "\n"
    verdict = ("every graded function passes" if not failing else
               f"{len(failing)} of {len(results)} with a function that does not pass")
    lines += [f"{len(results)} notebook{'s' if len(results) != 1 else ''} graded ({md(how)}): {verdict}.", ""]
    size = 0
    for result in results:
        block = _summary_block(result)
        size += len(block)
        if size > SUMMARY_LIMIT:
            lines.append(f"*{len(results) - results.index(result)} more notebook(s) are left out: the summary "
                         f"is full. The log and the JUnit report have them.*")
            break
        lines.append(block)
    lines += ["", "To see the same report on your computer: `grader check NOTEBOOK.ipynb`; "
                  "in the notebook itself: `from grader import check; check()`.", ""]
    return "\n".join(lines) + "\n"


def _summary_block(result: SubmissionResult) -> str:
    name = md(result.path)
    if result.status == "invalid":
        return (f"### ❌ {name}: not a notebook the grader can read\n\n{md(result.error or '')}\n\n"
                f"Open it in Jupyter, save it again and push.\n")
    mark = "✅" if result.all_passed else "❌"
    lines = [f"### {mark} {name}: {result.score:g} / {result.max_score:g} points ({result.percent:.0f}%)", ""]
    for warning in result.warnings:
        lines.append(f"> ⚠️ {md(warning)}")
    if result.warnings:
        lines.append("")
    lines += ["| | Function | Points | Result |", "|:-:|:--|--:|:--|"]
    for function in result.functions:
        lines.append(f"| {_MARKS.get(function.status, '')} | `{function.name}` | "
                     f"{function.score:g} / {function.max_score:g} | {md(_result_words(function))} |")
    failures = [function for function in result.functions if function.status not in ("passed", "missing")]
    missing = [function for function in result.functions if function.status == "missing"]
    if failures or missing:
        lines += ["", "#### What does not pass", ""]
        for function in failures:
            lines.append(_failure_markdown(result, function))
        if missing:
            lines.append("**Not written yet** (no `def` in the notebook): "
                         + ", ".join(f"`{function.name}`" for function in missing) + ".\n")
    return "\n".join(lines) + "\n"


def _result_words(function: FunctionResult) -> str:
    total = len(function.cases)
    if function.status == "passed":
        return f"passed ({total} case{'s' if total != 1 else ''})"
    if function.status == "missing":
        return "missing: not written yet"
    failing = sum(case.status not in ("passed", "not run") for case in function.cases)
    verb = {"error": "raises an error on", "timeout": "runs out of time on"}.get(function.status, "fails")
    return f"{function.status}: {verb} {failing} of {total} case{'s' if total != 1 else ''}"


def _failure_markdown(result: SubmissionResult, function: FunctionResult) -> str:
    where = location(function)
    head = f"**`{function.name}`**" + (f" ({md(where)})" if where else "") + f": {function.status}"
    if function.status == "missing":
        return f"{head}. There is no `def {function.name}` in the notebook yet.\n"
    case = failure_case(function)
    parts = [head, ""]
    if case is None:
        parts += [md(function.message or function.status), ""]
    else:
        about = f": {md(case.about)}" if case.about else ""
        parts += [f"{case.visibility} case *{md(case.name)}*{about}  ", md(case.message or case.status), ""]
        if case.hint:
            parts += [f"> 💡 **Hint:** {md(case.hint)}", ""]
        if case.status == "error" and case.traceback:
            parts += ["<details><summary>traceback</summary>", "", _pre(case.traceback.strip()), "", "</details>", ""]
    if function.output:
        parts += ["<details><summary>what it printed</summary>", "", _pre(_shorten(function.output, OUTPUT_SHOWN)),
                  "", "</details>", ""]
    return "\n".join(parts) + "\n"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters)"


def _append(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise CIError(f"cannot write the summary to {path}: {error.strerror or error}") from None


# --------------------------------------------------------------------------- GitHub Classroom

def classroom_result(assignment, results: list[SubmissionResult], root: Path) -> dict:
    """The result GitHub Classroom's autograding reporter reads from a step's ``result`` output
    (base64 of this JSON), in the shape its own graders (autograding-command-grader,
    autograding-io-grader, autograding-python-grader) emit: ``version`` 1, ``status``
    ``pass``/``fail``/``error``, ``max_score``, and one test per graded function with its
    ``score`` (the reporter sends Classroom the sum of the tests' scores out of ``max_score``)."""
    tests = []
    several = len(results) > 1
    for result in results:
        file = result.path
        prefix = f"{result.id}: " if several else ""
        if result.status == "invalid":
            tests.append({"name": f"{prefix}notebook", "status": "error", "score": 0,
                          "message": f"Not a notebook the grader can read: {result.error}",
                          "test_code": f"grader check {file}", "filename": file, "line_no": 0, "duration": 0})
            continue
        text = _read_text(root / result.path)
        for function in result.functions:
            case = failure_case(function)
            if function.status == "passed":
                message = f"{len(function.cases)} cases pass"
            elif function.status == "missing":
                message = f"There is no def {function.name} in the notebook yet."
            elif case is not None:
                message = f"{case.visibility} case '{case.name}': {case.message or case.status}"
                message += f"\nHint: {case.hint}" if case.hint else ""
            else:
                message = function.message or function.status
            line = (notebook_line(text, function.cell, function.line or 1)
                    if text and function.cell is not None else None)
            tests.append({
                "name": f"{prefix}{function.name}",
                "status": "pass" if function.status == "passed" else
                          "error" if function.status in ("error", "timeout") else "fail",
                "score": function.score, "message": message,
                "test_code": f"grader check {file} --function {function.name}",
                "filename": file, "line_no": line or 0,
                "duration": round(sum(case.seconds for case in function.cases) * 1000)})
    if not results:
        tests.append({"name": "notebook", "status": "fail", "score": 0,
                      "message": "No notebook to grade was found.", "test_code": "grader ci --all",
                      "filename": "", "line_no": 0, "duration": 0})
    max_score = sum(result.max_score for result in results) or assignment.max_score
    status = "pass" if all(test["status"] == "pass" for test in tests) else "fail"
    return {"version": 1, "status": status, "max_score": max_score, "tests": tests}


def classroom_output(document: dict) -> str:
    """The step output line: ``result=<base64 of the compact JSON>``."""
    encoded = base64.b64encode(json.dumps(document, separators=(",", ":"), allow_nan=False).encode()).decode()
    return f"result={encoded}"


def _write_classroom(document: dict, environment) -> None:
    line = classroom_output(document)
    target = environment.get("GITHUB_OUTPUT")
    if not target:
        print("note: --classroom: $GITHUB_OUTPUT is not set (not in GitHub Actions); the result "
              "line follows", file=sys.stderr)
        print(line)
        return
    _append(Path(target), line + "\n")


# --------------------------------------------------------------------------- --init

GRADE_WORKFLOW = """\
# Grade the notebooks each pull request changes, with notebook-grader's `grader ci`:
# a check that fails when a graded function fails, a job summary (score, functions, failures
# and hints), annotations on the line of each failing function in the diff, and JUnit XML.
# Written by `grader ci --init`.
name: Grade notebooks

on:
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    env:
      # where pip installs the grader from: the package, a git URL or a path (edit to yours)
      GRADER: "notebook-grader @ git+https://github.com/OWNER/notebook-grader.git"
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # the base branch too: grader ci grades what changed since it

      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"

      - name: Install the sandbox for student code (bubblewrap)
        run: |
          sudo apt-get update -qq && sudo apt-get install -y -qq bubblewrap
          # Ubuntu 24.04 keeps unprivileged programs from making the namespaces bubblewrap needs
          sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 || true

      - name: Install the grader
        run: python -m pip install "$GRADER"

      - name: Grade the changed notebooks
        run: grader ci --junit grader-junit.xml

      - name: Keep the JUnit report
        if: ${{ !cancelled() }}
        uses: actions/upload-artifact@v4
        with:
          name: grader-junit
          path: grader-junit.xml
          if-no-files-found: ignore
"""

CLASSROOM_WORKFLOW = """\
# GitHub Classroom autograding with notebook-grader: every push is graded, and the points go
# to Classroom through its grading reporter (the base64 result `grader ci --classroom` writes).
# Written by `grader ci --init --classroom`.
name: Autograding Tests

on:
  - push
  - repository_dispatch

permissions:
  checks: write
  actions: read
  contents: read

jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    if: github.actor != 'github-classroom[bot]'
    env:
      # where pip installs the grader from: the package, a git URL or a path (edit to yours)
      GRADER: "notebook-grader @ git+https://github.com/OWNER/notebook-grader.git"
    steps:
      - uses: actions/checkout@v4

      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"

      - name: Install the sandbox for student code (bubblewrap)
        run: |
          sudo apt-get update -qq && sudo apt-get install -y -qq bubblewrap
          sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 || true

      - name: Install the grader
        run: python -m pip install "$GRADER"

      - name: Grade the notebook
        id: grader
        run: grader ci --all --classroom

      - name: Autograding Reporter
        if: ${{ !cancelled() }}
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          GRADER_RESULTS: "${{ steps.grader.outputs.result }}"
        with:
          runners: grader
"""


def _init(arguments) -> int:
    root = repository_root(Path.cwd())
    relative = CLASSROOM_WORKFLOW_PATH if arguments.classroom else WORKFLOW_PATH
    target = root / relative
    if target.exists() and not arguments.force:
        raise CIError(f"{target} exists: pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(CLASSROOM_WORKFLOW if arguments.classroom else GRADE_WORKFLOW, encoding="utf-8")
    print(f"wrote {target}")
    print("Edit its GRADER line to say where pip gets the grader, then commit it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
