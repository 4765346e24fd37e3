"""Mutation testing: proof that an assignment's cases catch bugs.

Each graded function of the reference is changed in one small place at a time (a *mutant*): an
operator swapped, a term or factor dropped, a ``.T`` added or removed, an axis changed, a loop
range shifted, two arguments swapped, an output replaced by another variable, ``keepdims``
turned off, and a few more (``OPERATORS``). Each mutant becomes a notebook (the reference with
that one function mutated) and is graded by the real engine, in its own process like any
submission. A mutant is *killed* when some case fails. One that passes every case is checked
in-process against the reference on extra random inputs from the assignment's own case
builders: if some input tells them apart it is a *survivor*, reported with its line and with
that input, so an instructor can add the case; if none does it is *equivalent*, reported with the
reason (same outputs, outputs that are not compared, or a change below the tolerance).

The run also measures the hints: for mutants killed by wrong values (not by an error or a shape
alone), how often the report gives a hint, how often that hint names the change made (the
operator says which hint kinds would: ``Mutant.names``), and how often the named mistake
reproduces every wrong output on every failing case.

``run_mutation(assignment, zygote)`` returns a ``MutationReport``; ``format_report`` prints it.
This module runs and judges the mutants; ``mutation_operators`` holds the changes,
``mutants`` makes the mutants and ``mutation_report`` prints the outcome.
"""
from __future__ import annotations

import ast
import copy
import importlib.util
import inspect
import os
import random
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

import nbformat
import numpy as np

from grader.runtime import codec
from grader.feedback import hints
from grader.core.assignment import Assignment, GradedFunction
from grader.core.compare import compare_return
from grader.grading.submission import grade_notebook
from grader.authoring.mutants import Mutant, MutantResult, MutationReport, make_mutants
from grader.authoring.mutation_operators import OPERATORS  # noqa: F401  (the operators, as before)
from grader.authoring.mutation_report import format_report, report_to_dict
from grader.execution.zygote import Zygote

RANDOM_INPUTS = 24  # per builder, for telling survivors from equivalent mutants


# --------------------------------------------------------------------------- running


def run_mutation(assignment: Assignment, zygote: Zygote | None, functions: Iterable[str] | None = None,
                 limit: int | None = None, *, jobs: int | None = None,
                 random_inputs: int = RANDOM_INPUTS, seed: int = 0) -> MutationReport:
    """Grade every mutant (at most ``limit`` per function, spread over the operators) and
    sort it: killed, survived or equivalent.

    With a ``zygote`` each mutant is graded by the engine (``grade_notebook``) like a
    submission; without one, in this process (faster, and the same verdicts: every
    ``MutantResult.engine_agrees`` says so when both run). Either way each mutant also runs in
    this process (for the hint figures, and to tell survivors from equivalent mutants): the
    mutants are the reference's own code, and no operator can make a loop unbounded (only
    ``for`` loops over ``range`` are shifted; the reference has no ``while``).
    """
    started = time.perf_counter()
    functions = list(functions or assignment.graded_names)
    mutants = make_mutants(assignment, functions)
    if limit is not None:
        mutants = _spread(mutants, limit)
    builders = _builders(assignment)
    rng = random.Random(seed)
    extra = {name: _random_inputs(assignment, assignment.function(name), builders, random_inputs,
                                  random.Random(rng.random()))
             for name in functions}
    around = {name: _notebook_around(assignment, name) for name in functions}
    with tempfile.TemporaryDirectory(prefix="grader-mutants-") as folder:
        def judge(numbered):
            number, mutant = numbered
            return _judge(assignment, zygote, mutant, Path(folder) / f"mutant{number}.ipynb",
                          extra[mutant.function], around[mutant.function])
        workers = max(1, jobs or os.cpu_count() or 1) if zygote is not None else 1
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(judge, enumerate(mutants)))
    reference = Path(inspect.getsourcefile(assignment.reference))
    try:
        shown = str(reference.resolve().relative_to(Path.cwd()))
    except ValueError:
        shown = reference.name
    return MutationReport(assignment.name, shown, tuple(results), time.perf_counter() - started,
                          "fork server (grade_notebook)" if zygote is not None else "in-process")


def _spread(mutants: list[Mutant], limit: int) -> list[Mutant]:
    """At most ``limit`` mutants per function, taking the operators in turn."""
    chosen = []
    for name in dict.fromkeys(m.function for m in mutants):
        queues: dict[str, list[Mutant]] = {}
        for mutant in mutants:
            if mutant.function == name:
                queues.setdefault(mutant.operator, []).append(mutant)
        picked = []
        while len(picked) < limit and any(queues.values()):
            for queue in queues.values():
                if queue and len(picked) < limit:
                    picked.append(queue.pop(0))
        chosen.extend(sorted(picked, key=mutants.index))
    return chosen


def _judge(assignment, zygote, mutant: Mutant, path: Path, extra, around) -> MutantResult:
    function = assignment.function(mutant.function)
    implementation = _load(assignment, mutant)
    local = [_run_case(function, implementation, case.inputs, case.expected) for case in function.cases]
    if zygote is not None:
        _write_notebook(mutant, around, path)
        graded = _grade(zygote, assignment, path, mutant.function)
        statuses = [case.status for case in graded.cases]
        engine_hints = [case.hint for case in graded.cases]
        kinds = [{m.kind for m in case.mismatches} for case in graded.cases]
    else:
        statuses = [status for status, _ in local]
        engine_hints = [hints.explain(assignment, function, case, value) if status == "failed" else ""
                        for case, (status, value) in zip(function.cases, local)]
        kinds = [{m.kind for m in compare_return(function, case.expected, value)} if status == "failed" else set()
                 for case, (status, value) in zip(function.cases, local)]
    agrees = statuses == [status for status, _ in local]
    failed = tuple(case.name for case, status in zip(function.cases, statuses) if status != "passed")
    if failed:
        return _killed(assignment, function, mutant, statuses, engine_hints, kinds, local, failed, agrees)
    different = _tell_apart(assignment, function, implementation, extra)
    if different:
        return MutantResult(mutant, "survived", reason=different, engine_agrees=agrees)
    return MutantResult(mutant, "equivalent", reason=_why_equivalent(assignment, function, implementation, extra),
                        engine_agrees=agrees)


def _killed(assignment, function, mutant, statuses, engine_hints, kinds, local, failed, agrees) -> MutantResult:
    if any(status not in ("passed", "failed") for status in statuses):
        return MutantResult(mutant, "killed", failed, "error", engine_agrees=agrees)
    first = statuses.index("failed")
    if not kinds[first] & {"values", "nonfinite"}:
        return MutantResult(mutant, "killed", failed, "shape", engine_hints[first], engine_agrees=agrees)
    values = [value if engine in ("passed", "failed") and status == engine else None
              for engine, (status, value) in zip(statuses, local)]
    alone = hints.diagnose(assignment, function, function.cases[first], values[first]) \
        if values[first] is not None else None  # what grading says today, one case at a time
    confirmed = hints.diagnose_cases(assignment, function, values)
    failing = [d for d, status in zip(confirmed, statuses) if status == "failed"]
    complete = bool(failing) and all(d is not None and d.complete for d in failing)
    kinds_alone = tuple(alone.kinds) if alone else ()
    kinds_confirmed = tuple(confirmed[first].kinds) if confirmed[first] else ()
    return MutantResult(
        mutant, "killed", failed, "value", engine_hints[first], kinds_alone,
        bool(set(kinds_alone) & mutant.names),
        confirmed[first].text if confirmed[first] else "", kinds_confirmed,
        bool(set(kinds_confirmed) & mutant.names), complete,
        # grading gives the one-case hint today, the confirmed one once it calls explain_cases
        engine_hints[first] in ((alone.text if alone else ""), confirmed[first].text if confirmed[first] else ""),
        engine_agrees=agrees)


def _load(assignment: Assignment, mutant: Mutant):
    """The mutated function, defined among the reference's own helpers (its calls to other graded
    functions reach the reference, as the engine's stand-ins do)."""
    namespace = dict(vars(assignment.reference))
    try:
        exec(compile(mutant.source, f"<mutant of {mutant.function}>", "exec"), namespace)  # noqa: S102
        return namespace[mutant.function]
    except Exception as error:  # noqa: BLE001  (then every call fails, as the engine would say)
        failure = error

        def broken(**_):
            raise failure
        return broken


def _run_case(function: GradedFunction, implementation, inputs: dict, expected):
    """("passed" | "failed" | "error", the value as the grader sees it)."""
    try:
        with np.errstate(all="ignore"):
            value = implementation(**copy.deepcopy(inputs))
        value = codec.decode(codec.encode(_compared_part(function, value)))
    except Exception as error:  # noqa: BLE001
        return "error", f"{type(error).__name__}: {error}"
    try:
        return ("failed" if compare_return(function, expected, value) else "passed"), value
    except Exception:  # noqa: BLE001  (a comparison the engine would also fail on)
        return "failed", value


def _compared_part(function: GradedFunction, value):
    """As the child sends it: the outputs that are not compared become None."""
    if function.single:
        return (value,)
    if function.returns is None:
        return {k: value[k] for k in function.compare if k in value} if type(value) is dict else value
    if type(value) in (tuple, list) and len(value) == len(function.returns):
        kept = [function.returns.index(name) for name in function.compare]
        pruned = [value[i] if i in kept else None for i in range(len(value))]
        return tuple(pruned) if type(value) is tuple else pruned
    return value


def _notebook_around(assignment: Assignment, function: str) -> tuple[str, str]:
    """The reference module's text before and after the function: a mutant's notebook is one
    code cell of the reference with that function replaced. Worked out once, before the threads
    start (ast.parse in two threads at once can fail on Python 3.11: CPython gh-106905)."""
    reference = Path(inspect.getsourcefile(assignment.reference))
    source = reference.read_text()
    lines = source.splitlines()
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == function)
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return "\n".join(lines[:start - 1]), "\n".join(lines[node.end_lineno:])


def _write_notebook(mutant: Mutant, around: tuple[str, str], path: Path) -> None:
    before, after = around
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"{before}\n{mutant.source}\n{after}")]
    nbformat.write(notebook, str(path))


def _grade(zygote, assignment, path: Path, function: str):
    """The engine's verdict on the mutant's notebook. Grading parses the notebook (ast.parse);
    on Python 3.11 two threads parsing at once can raise a spurious SystemError (CPython
    gh-106905), so that one error is retried."""
    for attempt in range(5):
        try:
            return grade_notebook(zygote, assignment, path, path.stem, (function,)).functions[0]
        except SystemError as error:
            if "recursion depth mismatch" not in str(error) or attempt == 4:
                raise
            time.sleep(0.01 * (attempt + 1))


# --------------------------------------------------------------------------- equivalence


def _builders(assignment: Assignment):
    spec = tomllib.loads((assignment.directory / "spec.toml").read_text())
    path = assignment.directory / spec["cases"]
    module_spec = importlib.util.spec_from_file_location(f"_grader_mutation_cases_{assignment.name}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def _random_arguments(builders, builder, arguments: dict, rng: random.Random) -> dict:
    """New arguments for a case builder: the cases module's own ``random_arguments(builder,
    arguments, rng)`` when it has one (it knows its sizes), else another seed."""
    own = getattr(builders, "random_arguments", None)
    if callable(own):
        return own(builder, arguments, rng)
    chosen = dict(arguments)
    if "seed" in inspect.signature(builder).parameters:
        chosen["seed"] = rng.randint(100, 10**6)
    return chosen


def _random_inputs(assignment, function: GradedFunction, builders, count: int, rng: random.Random):
    """[(description, inputs, expected full return)] on ``count`` random arguments per builder."""
    found = []
    for builder_name in dict.fromkeys(case.builder for case in function.cases):
        builder = getattr(builders, builder_name)
        arguments = next(case.arguments for case in function.cases if case.builder == builder_name)
        for _ in range(count):
            chosen = _random_arguments(builders, builder, arguments, rng)
            try:
                inputs = codec.decode(codec.encode(builder(assignment.reference, **chosen)))
                expected = getattr(assignment.reference, function.name)(**copy.deepcopy(inputs))
            except Exception:  # noqa: BLE001  (arguments the builder cannot take)
                continue
            found.append((f"args = {_toml(chosen)} (builder {builder_name})", inputs, expected))
    return found


def _toml(value) -> str:
    """A value as TOML, to paste into a case of spec.toml."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    return repr(value)


def _tell_apart(assignment, function, implementation, extra) -> str:
    """An input on which the mutant's compared outputs differ from the reference's, or ""."""
    for description, inputs, expected in extra:
        status, value = _run_case(function, implementation, inputs, _plain_compared(function, expected))
        if status == "error":
            return f"raises on {description}: {value}"[:400]
        if status == "failed":
            mismatches = compare_return(function, _plain_compared(function, expected), value)
            return f"differs on {description}: {mismatches[0].message}"[:400]
    return ""


def _plain_compared(function, value):
    return codec.decode(codec.encode(_compared_part(function, value)))


def _why_equivalent(assignment, function, implementation, extra) -> str:
    uncompared, largest = set(), 0.0
    for _, inputs, expected in extra:
        expected = function.as_returned(expected)  # held as the engine holds it, like the value
        try:
            with np.errstate(all="ignore"):
                value = function.as_returned(implementation(**copy.deepcopy(inputs)))
        except Exception:  # noqa: BLE001
            continue
        names = function.returns or tuple(expected)
        for index, name in enumerate(names):
            want = expected[index] if function.returns else expected.get(name)
            got = value[index] if function.returns else value.get(name)
            difference = _difference(want, got)
            if name not in function.compare and difference:
                uncompared.add(name)
            elif name in function.compare and np.isfinite(difference):
                largest = max(largest, difference)
    count = len(extra)
    if uncompared:
        return (f"changes only {hints.join(sorted(uncompared))}, which the spec does not compare; "
                f"the compared outputs agree on {count} random inputs")
    if largest > 0:
        return (f"differs from the reference by at most {largest:.2g} on {count} random inputs, "
                f"within the tolerance (rtol={function.tolerance.rtol:g}, atol={function.tolerance.atol:g})")
    return f"returns exactly the reference's outputs on {count} random inputs"


def _difference(want, got) -> float:
    """The largest absolute difference between two plain values (inf when they do not line up)."""
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(want) != set(got):
            return float("inf")
        return max([_difference(want[k], got[k]) for k in want], default=0.0)
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(want) != len(got):
            return float("inf")
        return max([_difference(w, g) for w, g in zip(want, got)], default=0.0)
    if isinstance(want, (np.ndarray, np.generic, int, float)):
        want, got = np.asarray(want, dtype=float), np.asarray(got, dtype=float)
        if want.shape != got.shape:
            return float("inf")
        if want.size == 0:
            return 0.0
        with np.errstate(invalid="ignore"):
            return float(np.nanmax(np.abs(want - got))) if np.isfinite(got).all() else float("inf")
    return 0.0 if want is got or want == got else float("inf")


def command(assignment: Assignment, *, functions=(), limit: int | None = None, jobs: int | None = None,
            in_process: bool = False, json_path: Path | None = None, verbose: bool = False,
            out=None) -> int:
    """``grader mutate``: run, print the report, optionally write it as JSON. Exit status 0 when
    every mutant that is not equivalent is killed, 1 when some survive."""
    import json
    import sys

    from grader.core.assignment import AssignmentError

    unknown = [name for name in functions if name not in assignment.graded_names]
    if unknown:
        raise AssignmentError(f"{', '.join(unknown)}: not a graded function of {assignment.name} "
                              f"({', '.join(assignment.graded_names)})")
    if limit is not None and limit < 1:
        raise AssignmentError("--limit must be at least 1")
    if in_process:
        report = run_mutation(assignment, None, functions or None, limit, jobs=jobs)
    else:
        with Zygote(None) as zygote:  # the mutants are the reference's own code: no sandbox needed
            report = run_mutation(assignment, zygote, functions or None, limit, jobs=jobs)
    print(format_report(report, verbose), file=out or sys.stdout)
    if json_path is not None:
        Path(json_path).write_text(json.dumps(report_to_dict(report), indent=1))
    return 0 if not report.of("survived") else 1
