"""Lint: the checks an assignment folder must pass before students see it.

* the solution notebook, graded like a submission (in the sandbox, every case), passes every case;
* stubs fail every case: one returning ``None``, and one returning zeros of the right shapes;
* every compared expected value is finite, unless the function declares ``expect_nonfinite = true``;
* every hidden case differs from each public case of its function;
* the student release keeps no line of the solution.

``lint(assignment, zygote)`` returns one line per problem; none means the assignment is fine.
"""
from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path

import numpy as np

from grader.runtime import codec
from grader.core.assignment import Assignment, GradedFunction
from grader.core.compare import compare_return


def lint(assignment: Assignment, zygote=None) -> list[str]:
    spec = tomllib.loads((assignment.directory / "spec.toml").read_text(encoding="utf-8"))
    nonfinite = {entry.get("name") for entry in spec.get("functions", [])
                 if isinstance(entry, dict) and entry.get("expect_nonfinite")}
    solution = assignment.directory / spec.get("authoring", {}).get("solution", "solution.ipynb")
    problems: list[str] = []
    if zygote is not None and solution.is_file():
        problems += _solution_passes(assignment, zygote, solution)
    for function in assignment.functions:
        problems += _stubs_fail(function)
        if function.name not in nonfinite:
            problems += _finite(function)
        problems += _hidden_differ(function)
    problems += _release_clean(assignment, solution)
    return problems


def _solution_passes(assignment: Assignment, zygote, solution: Path) -> list[str]:
    from grader.grading.submission import grade_notebook
    result = grade_notebook(zygote, assignment, solution, "solution")
    if result.status != "graded":
        return [f"{solution.name}: cannot be graded: {result.error}"]
    problems = []
    for function in result.functions:
        if function.status == "missing":
            problems.append(f"{function.name}: the solution notebook does not define it")
            continue
        for case in function.cases:
            if case.status != "passed":
                problems.append(f"{function.name}: the solution notebook {case.status} case '{case.name}': "
                                f"{(case.message or function.message).splitlines()[0] if (case.message or function.message) else ''}")
    return problems


def _as_sent(function: GradedFunction, value):
    """What a child would send back for ``value``: compared outputs only, plain data."""
    if function.single:
        value = (value,)
    elif function.returns is not None and isinstance(value, tuple):
        value = tuple(item if name in function.compare else None for name, item in zip(function.returns, value))
    return codec.decode(codec.encode(value))


def _zeros(value):
    if isinstance(value, np.ndarray):
        return np.zeros_like(value)
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, complex, np.generic)):
        return type(value)(0)
    if isinstance(value, dict):
        return {key: _zeros(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_zeros(item) for item in value)
    return value


def _stubs_fail(function: GradedFunction) -> list[str]:
    problems = []
    for case in function.cases:
        zeros = _zeros(case.expected[0] if function.single else case.expected)
        for stub, value in (("returning None", None), ("returning zeros of the right shapes", zeros)):
            if not compare_return(function, case.expected, _as_sent(function, value)):
                problems.append(f"{function.name}: a stub {stub} passes case '{case.name}': its expected "
                                f"values are all zero (or empty); choose inputs where they are not")
    return problems


def _finite(function: GradedFunction) -> list[str]:
    problems = []
    for case in function.cases:
        for name in function.compare:
            if not _all_finite(function.expected_output(case, name)):
                problems.append(f"{function.name}: case '{case.name}': the expected {name} holds NaN or inf "
                                f"(declare expect_nonfinite = true in the function's entry if that is meant)")
    return problems


def _all_finite(value) -> bool:
    if isinstance(value, dict):
        return all(_all_finite(item) for item in value.values())
    if isinstance(value, (tuple, list)):
        return all(_all_finite(item) for item in value)
    if isinstance(value, (int, float, complex, np.generic, np.ndarray)) and not isinstance(value, bool):
        array = np.asarray(value)
        return array.dtype.kind not in "fc" or bool(np.isfinite(array).all())
    return True


def _hidden_differ(function: GradedFunction) -> list[str]:
    public = {codec.encode(case.inputs): case.name for case in function.cases if not case.hidden}
    return [f"{function.name}: hidden case '{case.name}' has the inputs of public case "
            f"'{public[codec.encode(case.inputs)]}': a student sees it already"
            for case in function.cases if case.hidden and codec.encode(case.inputs) in public]


def _release_clean(assignment: Assignment, solution: Path) -> list[str]:
    from grader.authoring.release import ReleaseError, release
    if not solution.is_file():
        return [f"{assignment.name}: no solution notebook ({solution.name}): there is no student release to make"]
    with tempfile.TemporaryDirectory(prefix="grader-lint-") as out:
        try:
            release(assignment, Path(out), solution)
        except ReleaseError as error:
            return [f"release: {error}"]
    return []
