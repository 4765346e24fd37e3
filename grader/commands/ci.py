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
* ``--junit FILE`` writes JUnit XML (``grader.reports.formats``);
* ``--classroom`` writes the GitHub Classroom autograding result: ``result=<base64 JSON>`` in
  ``$GITHUB_OUTPUT``, the step output that ``classroom-resources/autograding-grading-reporter``
  reads (see ``classroom_result``).

Exit status: 0 when every graded function of every notebook passes (or none changed), 1 when one
does not (or a notebook cannot be read), 2 when the grader cannot run.

Wiring: ``add_ci_parser(subparsers)`` adds the ``ci`` command (``run_ci`` runs it); ``main`` is
the same command standalone (``python -m grader.commands.ci``). The annotations are in ``ci_annotations``,
the job summary and Classroom result in ``ci_reports``, the workflows ``--init`` writes in
``ci_workflows``.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

from grader.commands.ci_annotations import (MAX_ERRORS, annotations, escape_data, escape_property,  # noqa: F401
                                   notebook_line, workflow_command)
from grader.commands.ci_reports import (OUTPUT_SHOWN, classroom_output, classroom_result,  # noqa: F401
                                        job_summary, md, shorten)
from grader.commands.ci_workflows import CLASSROOM_WORKFLOW, CLASSROOM_WORKFLOW_PATH, GRADE_WORKFLOW, WORKFLOW_PATH
from grader.core.results import SubmissionResult
from grader.reports.terminal import format_result, headline, use_colour


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
    """``grader ci`` on its own: ``python -m grader.commands.ci [OPTIONS]``."""
    parser = argparse.ArgumentParser(prog="grader ci", description=_DESCRIPTION)
    add_ci_options(parser)
    return run_ci(parser.parse_args(argv))


def run_ci(arguments) -> int:
    from grader.core.assignment import AssignmentError

    try:
        if arguments.init:
            return _init(arguments)
        return _run(arguments)
    except (CIError, AssignmentError) as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2


# --------------------------------------------------------------------------- the run

def _run(arguments) -> int:
    from grader.core.assignment import load_assignment

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
        from grader.reports.formats import write_junit_xml
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
    from grader.grading import routing
    from grader.core.assignment import bundled_assignments

    if name is not None or not routing.several_bundled():
        return name
    found = sorted({routing.assignment_for(path) for path in notebooks} - {None})
    if len(found) > 1:
        raise CIError(f"the notebooks are for several assignments ({', '.join(found)}): run grader ci "
                      "once for each, with --assignment and the notebooks' folder")
    return found[0] if found else bundled_assignments()[0]


def grade_all(assignment, root: Path, notebooks: list[Path], arguments, environment) -> list[SubmissionResult]:
    from grader.grading.submission import grade_notebook
    from grader.execution.sandbox import find_sandbox, secrets_of
    from grader.execution.environment import zygote_for

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
        text += f"\n\n{function.name} printed:\n" + shorten(function.output, OUTPUT_SHOWN)
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


def _append(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise CIError(f"cannot write the summary to {path}: {error.strerror or error}") from None


def _write_classroom(document: dict, environment) -> None:
    line = classroom_output(document)
    target = environment.get("GITHUB_OUTPUT")
    if not target:
        print("note: --classroom: $GITHUB_OUTPUT is not set (not in GitHub Actions); the result "
              "line follows", file=sys.stderr)
        print(line)
        return
    _append(Path(target), line + "\n")


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
