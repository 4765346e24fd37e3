"""The authoring commands of ``grader``: ``new`` (an assignment from a solution notebook) and ``lint``."""
from __future__ import annotations

import sys
from pathlib import Path


def add_authoring_parsers(commands) -> None:
    new = commands.add_parser(
        "new", help="write an assignment folder from an instructor's solution notebook",
        description="Write the assignment folder NAME from a solution notebook whose graded functions are "
                    "marked # GRADED FUNCTION: name, or hold ### BEGIN SOLUTION / ### END SOLUTION (or "
                    "# BEGIN SOLUTION / # END SOLUTION) regions: spec.toml, the reference (the graded "
                    "functions and the helpers they use), the cases (the arguments the notebook's test "
                    "cells hand to each graded function, recorded by running the notebook in the sandbox; "
                    "hidden ones: the same cells with other seeds and sizes), the solution notebook and the "
                    "modules beside it that it imports. Prints the functions, cases and points, and a "
                    "line for each thing it could not work out. Run again over the folder, it keeps the "
                    "spec's points, tolerances, seeds and sizes and records the cases afresh.")
    new.add_argument("new_folder", type=Path, metavar="NAME", help="the assignment folder to write (its name is the assignment's)")
    new.add_argument("--from", dest="solution", type=Path, required=True, metavar="SOLUTION.ipynb",
                     help="the instructor's solution notebook")
    new.add_argument("--seed", dest="seeds", type=int, action="append", metavar="N",
                     help="a hidden case per test cell with this seed (repeat it; default: the spec's, or 2 and 3)")
    new.add_argument("--size", dest="sizes", action="append", metavar="NAME=VALUE[,NAME=VALUE]",
                     help="a hidden case per test cell that assigns these names, with these values "
                          "(e.g. --size m=1; repeat it for more)")
    new.add_argument("--no-lint", action="store_true", help="do not lint the folder once it is written")
    new.set_defaults(run=_new)

    lint = commands.add_parser(
        "lint", help="check an assignment folder before releasing it",
        description="Check an assignment: the solution notebook passes every case (graded in the sandbox "
                    "like a submission), stubs (returning None, returning zeros of the right shapes) fail "
                    "every case, expected values are finite (unless a function declares "
                    "expect_nonfinite = true), every hidden case differs from the public ones, and the "
                    "student release keeps no line of the solution. Prints a line per problem; exits 1 "
                    "when there is one, 0 when there is none.")
    lint.add_argument("lint_assignment", metavar="NAME", help="a bundled assignment's name or an assignment folder")
    lint.set_defaults(run=_lint)


def _parse_sizes(texts: list[str] | None) -> list[dict] | None:
    from grader.commands.cli import UsageError
    if texts is None:
        return None
    sizes = []
    for text in texts:
        declared = {}
        for pair in text.split(","):
            name, _, value = pair.partition("=")
            try:
                declared[name.strip()] = int(value)
            except ValueError:
                try:
                    declared[name.strip()] = float(value)
                except ValueError:
                    raise UsageError(f"--size {text}: write NAME=NUMBER[,NAME=NUMBER]") from None
            if not name.strip().isidentifier():
                raise UsageError(f"--size {text}: {name.strip()!r} is not a variable name")
        sizes.append(declared)
    return sizes


def _new(arguments) -> int:
    from grader.authoring.new_assignment import AuthoringError, format_table, new_assignment
    from grader.commands.cli import UsageError
    from grader.authoring.recording import RecordingError
    from grader.authoring.solution import SolutionError
    try:
        authored = new_assignment(arguments.new_folder, arguments.solution, arguments.seeds,
                                  _parse_sizes(arguments.sizes))
    except (AuthoringError, RecordingError, SolutionError) as error:
        raise UsageError(str(error)) from None
    print(format_table(authored), flush=True)
    if arguments.no_lint:
        return 0
    return _lint_folder(str(arguments.new_folder))


def _lint(arguments) -> int:
    return _lint_folder(arguments.lint_assignment)


def _lint_folder(name: str) -> int:
    from grader.core.assignment import load_assignment
    from grader.execution.environment import zygote_for
    from grader.authoring.lint import lint
    from grader.execution.sandbox import find_sandbox, secrets_of
    assignment = load_assignment(name)
    hidden, shown = secrets_of(assignment, [], [])
    sandbox, _ = find_sandbox(hidden, shown)
    with zygote_for(assignment, sandbox) as zygote:
        problems = lint(assignment, zygote)
    for problem in problems:
        print(f"lint: {problem}")
    if problems:
        print(f"{assignment.name}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    cases = sum(len(f.cases) for f in assignment.functions)
    print(f"lint: {assignment.name} is ready: the solution passes all {cases} cases, stubs fail them, "
          f"expected values are finite, hidden cases are new, the release holds no solution line")
    return 0
