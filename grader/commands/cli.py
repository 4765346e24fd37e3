"""The ``grader`` command: ``grade`` a batch, ``check`` one notebook, ``list`` the assignments.

Only the parser is built here, from light modules: each command imports what it needs when it
runs (``grader.commands.cli_grade``, ``grader.commands.cli_check``), so a check does not pay for a batch's
gradebook, threads or report writers, nor a batch for a check's.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grader import __version__
from grader.commands.ci import add_ci_parser
from grader.commands.cli_authoring import add_authoring_parsers
from grader.commands.course_cli import add_course_parsers, add_grade_options
from grader.reports.formats import format_help  # light; the other report modules load nbconvert


class UsageError(Exception):
    """Bad arguments: reported in one line, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        return arguments.run(arguments)
    except Exception as error:
        if not isinstance(error, _usage_errors()):
            raise
        print(f"grader: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130


def _usage_errors() -> tuple[type, ...]:
    """The errors reported in one line: those of the modules loaded (one that raised is)."""
    errors = [UsageError]
    for module, name in (("grader.core.assignment", "AssignmentError"), ("grader.grading.cluster", "ClusterError"),
                         ("grader.commands.course_cli", "CourseUsageError")):
        if module in sys.modules:
            errors.append(getattr(sys.modules[module], name))
    return tuple(errors)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader",
        description="Grade Jupyter notebook assignments function by function. Student code runs in "
                    "separate, limited processes; each graded function is compared with the "
                    "reference on seeded public and hidden cases.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    grade = commands.add_parser(
        "grade", help="grade a batch of notebooks into a report folder",
        description="Grade notebook files and folders (searched recursively for *.ipynb) and write "
                    "results.json, grades.csv, index.html (class overview) and one HTML page per "
                    "submission into --out. Every result is committed to the gradebook "
                    "(gradebook.sqlite in --out) as it finishes: run the same command again and "
                    "only new or changed notebooks are graded. Exits 0 once the batch is graded, "
                    "whatever the scores.")
    grade.add_argument("paths", nargs="+", metavar="PATH", help="notebook files or folders of them")
    _common_options(grade)
    grade.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR",
                       help="output folder (default: reports/)")
    grade.add_argument("--jobs", type=int, default=2 * (os.cpu_count() or 1), metavar="N",
                       help="submissions graded side by side (default: twice the cores, %(default)s "
                            "here: each waits on its student process about half the time)")
    grade.add_argument("--format", dest="formats", action="append", default=[], metavar="NAME",
                       help="also write this export format (repeat it, or separate names with commas): "
                            + format_help())
    grade.add_argument("--no-pages", action="store_true",
                       help="skip the per-student HTML pages (results.json, grades.csv and index.html "
                            "are still written)")
    grade.add_argument("--force", action="store_true",
                       help="regrade every notebook, even those the gradebook has graded unchanged, and "
                            "run every graded function (no run kept from before, or from another "
                            "student's identical code, is reused)")
    grade.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress bar)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="grade even where bubblewrap is missing, with process limits alone "
                            "(student code could then read files the grader can)")
    grade.add_argument("--executor", choices=("local", "dask"),
                       help="where student code runs: local (default: processes on this machine) or "
                            "dask (a Dask cluster's workers, each under its own sandbox; needs "
                            "pip install 'notebook-grader[dask]')")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="the Dask scheduler, e.g. tcp://HOST:8786 (implies --executor dask; "
                            "without it, --executor dask uses DASK_SCHEDULER_ADDRESS or starts a "
                            "local cluster of one worker process with --jobs threads)")
    grade.add_argument("--ship-notebooks", action="store_true",
                       help="with dask: send each notebook's bytes to the workers instead of its "
                            "path, for workers that do not see these files at the same path")
    add_grade_options(grade)
    grade.set_defaults(run=_grade)

    check = commands.add_parser(
        "check", help="check one notebook before handing it in",
        description="Grade one notebook and print a line per graded function, with the reason for "
                    "each failure. Exits 0 only when every graded function passes.")
    check.add_argument("notebook", type=Path, metavar="NOTEBOOK")
    _common_options(check)
    check.add_argument("--function", action="append", default=[], metavar="NAME",
                       help="check only this function (may be repeated)")
    check.add_argument("--html", type=Path, metavar="FILE",
                       help="where to write the HTML report (default: NOTEBOOK's name with .report.html)")
    check.add_argument("--no-html", action="store_true", help="do not write the HTML report")
    check.add_argument("--gradescope", type=Path, metavar="FILE",
                       help="also write the result in Gradescope's results.json format to FILE "
                            "(inside a Gradescope autograder: /autograder/results/results.json)")
    check.add_argument("--bundle", type=Path, metavar="FILE",
                       help="check with this student bundle (the .bundle.json file your instructor "
                            "handed out): the public cases, graded without the reference. Without this "
                            "option, a bundle next to the notebook is used (unless --assignment is given)")
    check.set_defaults(run=_check)

    release = commands.add_parser(
        "release", help="write the student notebook and the student bundle of an assignment",
        description="Write what students receive into --out: the student notebook (the assignment's "
                    "solution notebook with every solution region emptied (### START CODE HERE ###, "
                    "or nbgrader's and Otter's BEGIN SOLUTION), its hints "
                    "kept), the student bundle (the public cases with their expected values, the "
                    "tolerances, points and hints' data, checksummed; no reference code and no hidden "
                    "case) and the modules the notebook imports. Writes nothing, and exits 2, when the "
                    "notebook would still hold a line of the reference solution.")
    release.add_argument("release_assignment", metavar="ASSIGNMENT",
                         help="a bundled assignment's name or an assignment folder")
    release.add_argument("--out", type=Path, required=True, metavar="DIR",
                         help="the folder to write into (created if needed)")
    release.set_defaults(run=_release)

    add_ci_parser(commands)
    add_authoring_parsers(commands)
    add_course_parsers(commands)

    mutation = commands.add_parser(
        "mutate", help="check that the assignment's cases catch bugs (mutation testing)",
        description="Make small changes (mutants) to the reference's graded functions, grade each as a "
                    "submission, and list the mutants no case catches, with the line and an input that "
                    "tells each from the reference, and the equivalent ones with the reason. Exits 0 when "
                    "every mutant that is not equivalent is caught, 1 otherwise.")
    _common_options(mutation)
    mutation.add_argument("--function", action="append", default=[], metavar="NAME",
                          help="only this function (may be repeated)")
    mutation.add_argument("--limit", type=int, metavar="N",
                          help="at most N mutants per function, spread over the kinds of change (default: all)")
    mutation.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                          help="mutants graded side by side (default: all cores, %(default)s here)")
    mutation.add_argument("--in-process", action="store_true",
                          help="run the mutants in this process, not the fork server (faster, same verdicts)")
    mutation.add_argument("--json", type=Path, metavar="FILE", help="also write the report as JSON")
    mutation.add_argument("--verbose", action="store_true",
                          help="also list the mutants without a hint, and every hint given")
    mutation.set_defaults(run=_mutate)

    listing = commands.add_parser("list", help="list the bundled assignments and their functions")
    listing.set_defaults(run=_list)
    return parser


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--assignment", metavar="NAME_OR_DIR",
                        help="a bundled assignment's name or an assignment folder "
                             "(default: the only bundled one; with several, each notebook is graded by the "
                             "one whose graded functions it defines most)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="time limit per call of a student function (default: the assignment's)")


def _grade(arguments) -> int:
    from grader.commands.cli_grade import grade
    return grade(arguments)


def _check(arguments) -> int:
    from grader.commands.cli_check import check
    return check(arguments)


def sandbox_or_note(assignment, outputs: list[Path], submissions: list[Path], required: bool, quiet: bool):
    """The sandbox for grading ``assignment``; None, with a note (or a UsageError when one is
    ``required``), where there is none."""
    from grader.execution.sandbox import find_sandbox, secrets_of
    hidden, shown = secrets_of(assignment, outputs, submissions)
    sandbox, reason = find_sandbox(hidden, shown)
    if sandbox is None:
        no_sandbox(reason, required, quiet)
    return sandbox


def no_sandbox(reason: str, required: bool, quiet: bool) -> None:
    if required:
        raise UsageError(f"no sandbox: {reason}. Install bubblewrap (Debian: apt install "
                         "bubblewrap), or pass --no-sandbox to grade with process limits alone")
    if not quiet:
        print(f"note: no sandbox ({reason}); student code runs with process limits alone",
              file=sys.stderr)


def _release(arguments) -> int:
    from grader.core.assignment import load_assignment
    from grader.authoring.release import release
    assignment = load_assignment(arguments.release_assignment)
    for path in release(assignment, arguments.out):
        print(f"wrote {path}")
    return 0


def _mutate(arguments) -> int:
    from grader.authoring import mutate
    from grader.core.assignment import load_assignment
    assignment = load_assignment(arguments.assignment, timeout=timeout_of(arguments))
    return mutate.command(assignment, functions=arguments.function, limit=arguments.limit,
                          jobs=arguments.jobs, in_process=arguments.in_process,
                          json_path=arguments.json, verbose=arguments.verbose)


def _list(arguments) -> int:
    from grader.core.assignment import bundled_assignments, load_assignment
    for name in bundled_assignments():
        assignment = load_assignment(name)
        print(f"{name}: {assignment.title}")
        for function in assignment.functions:
            public = sum(not case.hidden for case in function.cases)
            answered = (f"; its calls of {', '.join(function.stand_ins)} are answered by the reference"
                        if function.stand_ins else "")
            print(f"  {function.name:<28} {function.points:>4g} points  "
                  f"{public} public + {len(function.cases) - public} hidden cases{answered}")
    return 0


def find_notebooks(paths: list[str]) -> list[tuple[str, str]]:
    """(id, path) for every notebook named or found below a folder named, ids unique. Paths
    stay strings: a class of ten thousand holds this list for the whole batch."""
    found: list[tuple[str, str]] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found.extend((os.path.splitext(relative)[0], os.path.join(path, *relative.split("/")))
                         for relative in _notebooks_below(path))
        elif path.is_file() or path.is_symlink():  # a link is listed, to be refused as one
            found.append((path.stem, str(path)))
        else:
            raise UsageError(f"{name}: no such file or folder")
    if not found:
        raise UsageError(f"no notebooks (*.ipynb) in {', '.join(paths)}")
    # the same file named twice is graded once; two files with one id: the later one gets the
    # first free -N, never an id another notebook has by its own name
    taken = {submission_id for submission_id, _ in found}
    ids: set[str] = set()
    files: set[str] = set()
    unique = []
    for submission_id, path in found:
        file = os.path.normpath(os.path.abspath(path))
        if file in files:
            continue
        files.add(file)
        if submission_id in ids:
            number = 2
            while f"{submission_id}-{number}" in taken:
                number += 1
            submission_id = f"{submission_id}-{number}"
            taken.add(submission_id)
        ids.add(submission_id)
        unique.append((submission_id, path))
    return unique


def _notebooks_below(folder: Path) -> list[str]:
    """The notebooks below ``folder`` (checkpoint copies left out), as relative POSIX paths in
    the order of their parts."""
    found = []
    for directory, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name != ".ipynb_checkpoints"]
        relative = os.path.relpath(directory, folder)
        for name in files:
            path = os.path.join(directory, name)  # a link is listed, to be refused as one
            if name.endswith(".ipynb") and (os.path.isfile(path) or os.path.islink(path)):
                found.append(name if relative == "." else f"{relative}/{name}".replace(os.sep, "/"))
    return sorted(found, key=lambda relative: relative.split("/"))


def timeout_of(arguments) -> float | None:
    if arguments.timeout is not None and arguments.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    return arguments.timeout


if __name__ == "__main__":
    sys.exit(main())
