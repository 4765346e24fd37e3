"""How fast does ``grader`` grade a class, against the floor and against nbgrader?

Run from the repository root (``grader`` must be installed, e.g. ``pip install -e .``)::

    python benchmarks/bench.py                                  # 200 notebooks, all cores, nbgrader on 20
    python benchmarks/bench.py --notebooks 40 --nbgrader-notebooks 5   # a quick run
    python benchmarks/bench.py --skip-nbgrader                  # no virtual environment, no kernels

What it does, in one run on one set of notebooks:

1. **Notebooks.** Makes N notebooks (``--notebooks``, default 200) in a temporary folder, drawn
   from the sample submissions in ``submissions/``: mostly correct ones and the typical
   mistakes, plus about 2 % that hang (``while True: pass`` inside a graded function) and
   about 2 % that crash (``os._exit(1)`` inside a graded function; one raises instead). The
   first code cell and every cell that defines a function get a comment with the student
   number, and every graded function a harmless first statement (``_version = ...``): in the
   *distinct* class it carries the student number, so no two students' functions have the same
   syntax tree and the grader cannot reuse one student's run for another. A second, *copied*
   class of the same students is drawn with the duplication of a real class (on 31 public
   student copies of the RNN notebook, 247 graded definitions have 111 distinct syntax trees):
   each graded function is the student's own with about that probability, else a copy of one
   an earlier student of the same sample wrote. The summary gives both classes' figures, each
   labelled, and the share of distinct syntax trees measured in each.
2. **grader.** Times ``grader grade DIR --out OUT --jobs J --quiet --timeout T`` as a
   subprocess (wall clock), reads ``OUT/results.json`` for the per-notebook latency (median and
   p95 of each submission's ``seconds``) and checks that every notebook got a result. Peak
   memory: ``/usr/bin/time -v`` (the largest single process of the tree) when present, else
   ``getrusage(RUSAGE_CHILDREN)``, plus the sum over the whole process tree sampled from /proc
   (RSS and PSS) every 0.1 s. Then the same command on the non-hostile notebooks only.
3. **The floor.** The same grading in this one process with no isolation: load and extract with
   the engine's own modules, exec the extracted program, call each graded function on a deep
   copy of each case's inputs (other graded functions replaced by the reference) and compare
   with ``grader.core.compare.compare_return``. Hanging and crashing notebooks are left out (the
   floor cannot survive them); the ratio grader/floor uses the grader's run on the same
   non-hostile notebooks.
4. **nbgrader.** In the benchmark's own virtual environment (``benchmarks/.nbgrader-venv``,
   created on first use with ``pip install nbgrader ipykernel numpy``): builds a course with a
   source notebook whose solution cells hold the graded functions and whose test cells assert
   the values the notebook's own seeded test cells print, runs ``nbgrader generate_assignment``,
   turns each student's notebook into the release with the student's functions in the solution
   cells, and times ``nbgrader autograde`` over ``--nbgrader-notebooks`` of them (default 20;
   never a hanging one: nbgrader would wait 30 s per cell).
5. **grader check.** ``grader check`` of one notebook, median wall of 5 runs, against the
   start-up of ``python -c "import numpy, nbformat"``.

It ends with a summary block of every figure and the machine, and exits 1 when the grader run
failed, lost a notebook or graded wrongly (a correct notebook short of full marks, a hanging or
crashing function not reported as such), and 2 when the benchmark itself cannot run.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import io
import json
import marshal
import os
import platform
import random
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402
import numpy as np  # noqa: E402

from grader.execution import runner  # noqa: E402
from grader.core.assignment import load_assignment  # noqa: E402
from grader.runtime.child import load_program  # noqa: E402
from grader.core.compare import compare_return  # noqa: E402
from grader.core.extract import extract  # noqa: E402
from grader.core.notebook import load_notebook  # noqa: E402

SUBMISSIONS = REPO / "submissions"
NOTEBOOK_NAME = "RNN.ipynb"
DEFAULT_VENV = Path(__file__).resolve().parent / ".nbgrader-venv"
NBGRADER_PACKAGES = ["nbgrader", "ipykernel", "numpy"]
ASSIGNMENT = "rnn_step_by_step"  # the notebooks made here are the RNN assignment's
ASSIGNMENT_ID = "rnn"

# Share of each sample among the notebooks that are neither hanging nor crashing.
MIX = {"correct": 0.40, "seed": 0.10, "adam_mistakes": 0.10, "keepdims": 0.08,
       "a0_every_step": 0.08, "no_feedback": 0.08, "hardcoded_sizes": 0.08, "test_globals": 0.08}
HOSTILE_SHARE = 0.02  # of the hanging ones, and again of the crashing ones
HANG_TARGETS = ["rnn_forward", "lstm_backward", "update_parameters_with_adam"]
EXIT_TARGETS = ["lstm_cell_forward", "rnn_backward", "initialize_adam"]
RAISE_TARGET = "rnn_cell_backward"
HOSTILE_CODE = {
    "hang": "while True:  # benchmark: a hang\n    pass",
    "exit": "import os\nos._exit(1)  # benchmark: a crash",
    "raise": "raise RuntimeError('benchmark: a crash')",
}
EXPECTED_STATUS = {"hang": "timeout", "exit": "error", "raise": "error"}
# a real class: on 31 public student copies of the RNN notebook, 247 graded definitions have 111
# distinct syntax trees
REAL_DISTINCT_SHARE = 111 / 247


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


@dataclass(frozen=True)
class Student:
    number: int
    variant: str  # the sample in submissions/ it was made from
    hostile: str | None = None  # hang, exit, raise
    target: str | None = None  # the graded function the hostile code sits in

    @property
    def name(self) -> str:
        return f"student_{self.number:04d}"

    @property
    def id(self) -> str:  # the grader's submission id for DIR/<name>/RNN.ipynb
        return f"{self.name}/{Path(NOTEBOOK_NAME).stem}"

    @property
    def kind(self) -> str:
        return f"{self.hostile}:{self.target}" if self.hostile else self.variant


@dataclass
class GraderRun:
    label: str
    notebooks: int
    wall: float
    exit_code: int
    command: list[str]
    results: dict = field(repr=False)
    latencies: list[float] = field(default_factory=list)
    peak_rss_kib: int | None = None  # largest single process (time -v / getrusage)
    peak_rss_source: str = ""
    tree_rss_kib: int | None = None  # sampled sum over the process tree
    tree_pss_kib: int | None = None
    exit_tail: float | None = None  # seconds from the last result written to the process's end
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.notebooks / self.wall if self.wall > 0 else 0.0


# ------------------------------------------------------------------------ small helpers

def run_command(command: list[str], *, timeout: float, cwd: Path | None = None,
                env: dict | None = None, wrap_time: Path | None = None,
                sampler: "TreeSampler | None" = None) -> tuple[int, float, str, str]:
    """Run ``command``; (exit code, wall seconds, stdout, stderr). Kills its process group on timeout."""
    if wrap_time is not None:
        command = ["/usr/bin/time", "-v", "-o", str(wrap_time)] + command
    started = time.perf_counter()
    try:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                   start_new_session=True)
    except FileNotFoundError:
        raise BenchError(f"cannot run {command[0]}: not found") from None
    if sampler is not None:
        sampler.start(process.pid)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the group this call started, nothing else
        process.communicate()
        raise BenchError(f"{' '.join(command[:4])} ... did not finish within {timeout:.0f} s") from None
    finally:
        if sampler is not None:
            sampler.stop()
    return process.returncode, time.perf_counter() - started, stdout, stderr


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, int(np.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def say(message: str) -> None:
    print(message, flush=True)


GRADER_COMMAND: list[str] = []  # --grader, when given


def grader_command() -> tuple[list[str], dict]:
    """The command to time: --grader, else ``grader`` on PATH, else ``python -m grader`` from
    this checkout (with the checkout on PYTHONPATH whenever the command runs ``-m grader``)."""
    environment = dict(os.environ)
    command = GRADER_COMMAND or ([shutil.which("grader")] if shutil.which("grader") else
                                 [sys.executable, "-m", "grader"])
    if "-m" in command:
        environment["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), environment.get("PYTHONPATH")) if p)
    return command, environment


class TreeSampler:
    """Peak summed RSS and PSS of a process and all its descendants, read from /proc."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak_rss_kib = 0
        self.peak_pss_kib = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.available = Path("/proc/self/smaps_rollup").exists()

    def start(self, root: int) -> None:
        if not self.available:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(root,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self, root: int) -> None:
        while not self._stop.is_set():
            rss = pss = 0
            for pid in self._tree(root):
                rss_one, pss_one = self._memory(pid)
                rss += rss_one
                pss += pss_one
            self.peak_rss_kib = max(self.peak_rss_kib, rss)
            self.peak_pss_kib = max(self.peak_pss_kib, pss)
            self._stop.wait(self.interval)

    @staticmethod
    def _tree(root: int) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
        tree, stack = [], [root]
        while stack:
            pid = stack.pop()
            tree.append(pid)
            stack.extend(children.get(pid, []))
        return tree

    @staticmethod
    def _memory(pid: int) -> tuple[int, int]:
        rss = pss = 0
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss = int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss = int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return rss, pss


# ------------------------------------------------------------------------ 1. the notebooks

def plan_students(count: int, seed: int) -> list[Student]:
    """The class: hanging and crashing notebooks at about 2 % each, the rest drawn by ``MIX``."""
    if count < 10:
        raise BenchError("--notebooks must be at least 10 (the mix needs room for its hostile share)")
    hangs = max(1, round(HOSTILE_SHARE * count))
    crashes = max(2, round(HOSTILE_SHARE * count))
    hostile = [("hang", HANG_TARGETS[i % len(HANG_TARGETS)]) for i in range(hangs)]
    hostile.append(("raise", RAISE_TARGET))
    hostile += [("exit", EXIT_TARGETS[i % len(EXIT_TARGETS)]) for i in range(crashes - 1)]
    rest = count - len(hostile)
    shares = {name: share * rest for name, share in MIX.items()}
    counts = {name: int(share) for name, share in shares.items()}
    by_remainder = sorted(shares, key=lambda name: shares[name] - counts[name], reverse=True)
    for name in by_remainder[:rest - sum(counts.values())]:
        counts[name] += 1
    kinds: list[tuple[str, str | None, str | None]] = [(v, None, None) for v, n in counts.items() for _ in range(n)]
    kinds += [("correct", kind, target) for kind, target in hostile]
    random.Random(seed).shuffle(kinds)
    return [Student(number, variant, kind, target) for number, (variant, kind, target) in enumerate(kinds, start=1)]


def draw_versions(students: list[Student], graded: tuple[str, ...], share: float, seed: int) -> dict:
    """(student number, function) -> the version of the function the student hands in: their
    own with a probability calibrated so that, counting the first writer of each sample's
    function, about ``share`` of all definitions are distinct; else a copy of a version an
    earlier student of the same sample wrote."""
    pools: dict[tuple[str, str], list[str]] = {}
    total = len(students) * len(graded)
    firsts = len({(student.variant, name) for student in students for name in graded})
    chance = max(0.0, (share * total - firsts) / max(total - firsts, 1))
    draw = random.Random(seed + 1)
    versions = {}
    for student in students:
        for name in graded:
            pool = pools.setdefault((student.variant, name), [])
            if not pool or draw.random() < chance:
                pool.append(f"{student.number:04d}")
                versions[(student.number, name)] = pool[-1]
            else:
                versions[(student.number, name)] = draw.choice(pool)
    return versions


def distinct_trees(paths: dict[int, Path], graded: tuple[str, ...]) -> tuple[int, int]:
    """(graded definitions, distinct syntax trees among them) over the notebooks."""
    import ast
    trees = []
    for path in paths.values():
        functions = extract(load_notebook(path)).functions
        trees += [(name, ast.dump(ast.parse(functions[name].source))) for name in graded if name in functions]
    return len(trees), len(set(trees))


def make_notebooks(folder: Path, students: list[Student], graded: tuple[str, ...],
                   versions: dict | None = None) -> dict[int, Path]:
    """Write each student's notebook as ``folder/<student>/RNN.ipynb``, each graded function
    with its version (``draw_versions``; by default the student's own)."""
    sources = {variant: nbformat.read(SUBMISSIONS / variant / NOTEBOOK_NAME, as_version=4) for variant in MIX}
    paths = {}
    for student in students:
        notebook = copy.deepcopy(sources[student.variant])
        if student.hostile:
            inject(notebook, student.target, HOSTILE_CODE[student.hostile])
        for name in graded:
            version = (versions or {}).get((student.number, name), f"{student.number:04d}")
            if any(cell.cell_type == "code" and f"def {name}(" in cell.source for cell in notebook.cells):
                inject(notebook, name, f"_version = '{version}'  # benchmark: whose code this is")
        mark_student(notebook, student)
        path = folder / student.name / NOTEBOOK_NAME
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
        paths[student.number] = path
    return paths


def mark_student(notebook, student: Student) -> None:
    """A comment with the student number at the top of the first code cell and of every cell
    that defines a function: in a real class the code students write differs from student to
    student, while the course's own cells (imports, tests) are the same in every notebook."""
    first = True
    for cell in notebook.cells:
        if cell.cell_type == "code" and (first or "def " in cell.source):
            cell.source = f"# student {student.number:04d} ({student.variant})\n" + cell.source
            first = False


def inject(notebook, function: str, statement: str) -> None:
    """Put ``statement`` first in the body of ``function`` (after its docstring)."""
    import ast
    for cell in notebook.cells:
        if cell.cell_type != "code" or f"def {function}(" not in cell.source:
            continue
        tree = ast.parse(cell.source)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == function:
                first = node.body[0]
                has_docstring = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                                 and isinstance(first.value.value, str))
                lines = cell.source.splitlines()
                anchor = node.body[1] if has_docstring and len(node.body) > 1 else first
                indent = " " * anchor.col_offset
                at = (first.end_lineno if has_docstring else first.lineno - 1)
                block = [indent + line for line in statement.splitlines()]
                cell.source = "\n".join(lines[:at] + block + lines[at:])
                return
    raise BenchError(f"no def {function} in the notebook to put hostile code in")


# ------------------------------------------------------------------------ 2. the grader

def run_grader(label: str, folder: Path, out: Path, students: list[Student], jobs: int,
               timeout: float, pages: bool = True) -> GraderRun:
    base, environment = grader_command()
    command = base + ["grade", str(folder), "--out", str(out), "--jobs", str(jobs), "--quiet",
                      "--timeout", f"{timeout:g}"] + ([] if pages else ["--no-pages"])
    time_file = out.parent / f"{out.name}.time.txt"
    use_time = Path("/usr/bin/time").is_file() and os.access("/usr/bin/time", os.X_OK)
    sampler = TreeSampler()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    limit = 120 + len(students) * (2 + 2 * timeout)
    say(f"[grader] {label}: {' '.join(command)}")
    if out.exists():
        raise BenchError(f"{out} exists: the grader would reuse its gradebook instead of grading")
    code, wall, stdout, stderr = run_command(command, timeout=limit, env=environment,
                                             wrap_time=time_file if use_time else None, sampler=sampler)
    ended = time.time()
    run = GraderRun(label, len(students), wall, code, command, {})
    run.exit_tail = exit_tail(out, ended)
    if use_time:
        run.peak_rss_kib, run.peak_rss_source = read_time_v(time_file), "/usr/bin/time -v"
    else:
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        run.peak_rss_kib = after if after > children_before else None
        run.peak_rss_source = "getrusage(RUSAGE_CHILDREN).ru_maxrss"
    if sampler.available:
        run.tree_rss_kib, run.tree_pss_kib = sampler.peak_rss_kib, sampler.peak_pss_kib
    if code != 0:
        run.problems.append(f"grader exited {code}: {tail(stderr or stdout, 8)}")
    elif stderr.strip():
        say(f"[grader] stderr: {tail(stderr, 8)}")
    results_path = out / "results.json"
    try:
        run.results = json.loads(results_path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        run.problems.append(f"cannot read {results_path}: {error}")
        return run
    check_results(run, students)
    return run


def exit_tail(out: Path, ended: float) -> float | None:
    """Seconds between the last submission page the grader wrote and the end of the process:
    the shutdown after the last notebook (which writes results.json, grades.csv, index.html)."""
    times = [page.stat().st_mtime for page in out.rglob("*.html") if page.parent != out]
    return ended - max(times) if times else None


def read_time_v(path: Path) -> int | None:
    try:
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", path.read_text())
    except OSError:
        return None
    return int(match.group(1)) if match else None


def check_results(run: GraderRun, students: list[Student]) -> None:
    """Every notebook has a graded result; the hostile ones failed where they should."""
    by_id = {entry.get("id"): entry for entry in run.results.get("submissions", [])}
    run.latencies = [float(entry.get("seconds", 0.0)) for entry in by_id.values()]
    missing = [s.id for s in students if s.id not in by_id]
    if missing:
        run.problems.append(f"{len(missing)} notebook(s) have no result: {', '.join(missing[:5])}")
    not_graded = [f"{i} ({e.get('status')}: {e.get('error')})" for i, e in by_id.items() if e.get("status") != "graded"]
    if not_graded:
        run.problems.append(f"{len(not_graded)} notebook(s) not graded: {'; '.join(not_graded[:3])}")
    maximum = float(run.results.get("max_score", 100.0))
    wrong = [s.id for s in students if s.variant == "correct" and not s.hostile and s.id in by_id
             and abs(float(by_id[s.id].get("score", 0.0)) - maximum) > 1e-6]
    if wrong:
        run.problems.append(f"{len(wrong)} correct notebook(s) did not score {maximum:g}: {', '.join(wrong[:3])}")
    for student in students:
        entry = by_id.get(student.id)
        if entry is None or not student.hostile:
            continue
        statuses = {f["name"]: f["status"] for f in entry.get("functions", [])}
        want = EXPECTED_STATUS[student.hostile]
        if statuses.get(student.target) != want:
            run.problems.append(f"{student.id} ({student.kind}): {student.target} is "
                                f"{statuses.get(student.target)}, expected {want}")


def scores_by_id(run: GraderRun) -> dict[str, float]:
    return {entry.get("id"): float(entry.get("score", 0.0)) for entry in run.results.get("submissions", [])}


def timed_out(run: GraderRun) -> set[str]:
    """The notebooks with a function that ran out of time (planned hangs, and any the machine's
    load made too slow): their scores depend on the load."""
    return {entry.get("id") for entry in run.results.get("submissions", [])
            if any(function.get("status") == "timeout" for function in entry.get("functions", []))}


def shares_text(counts: tuple[int, int]) -> str:
    definitions, distinct = counts
    return (f"{definitions} graded definitions, {distinct} distinct syntax trees "
            f"({distinct / max(definitions, 1):.1%}; a real class: 111/247 = {REAL_DISTINCT_SHARE:.1%})")


def scores_by_kind(run: GraderRun, students: list[Student]) -> dict[str, list[float]]:
    by_id = {entry.get("id"): entry for entry in run.results.get("submissions", [])}
    scores: dict[str, list[float]] = {}
    for student in students:
        if student.id in by_id:
            scores.setdefault(student.kind, []).append(float(by_id[student.id].get("score", 0.0)))
    return scores


def warm_up(folder: Path, path: Path, scratch: Path) -> None:
    """One untimed ``grader grade`` of one notebook: byte code compiled, files in the page cache."""
    base, environment = grader_command()
    single = folder / "one"
    single.mkdir()
    shutil.copy(path, single / NOTEBOOK_NAME)
    code, _, stdout, stderr = run_command(base + ["grade", str(single), "--out", str(scratch), "--quiet"],
                                          timeout=300, env=environment)
    if code != 0:
        raise BenchError(f"the grader does not run (exit {code}):\n{tail(stderr or stdout)}")


# ------------------------------------------------------------------------ 3. the floor

@dataclass
class FloorRun:
    notebooks: int
    wall: float
    latencies: list[float]
    scores: dict[str, float]
    assignment_seconds: float

    @property
    def rate(self) -> float:
        return self.notebooks / self.wall if self.wall > 0 else 0.0


def run_floor(students: list[Student], paths: dict[int, Path], timeout: float) -> FloorRun:
    """Grade in this process, no isolation: load, extract, exec, call, compare."""
    started = time.perf_counter()
    assignment = load_assignment(ASSIGNMENT, timeout=timeout)
    assignment_seconds = time.perf_counter() - started
    provided = str(assignment.provided)
    if provided not in sys.path:
        sys.path.insert(0, provided)
    latencies, scores = [], {}
    sink = io.StringIO()
    started = time.perf_counter()
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        for student in students:
            one = time.perf_counter()
            scores[student.id] = floor_grade(assignment, paths[student.number])
            latencies.append(time.perf_counter() - one)
            sink.seek(0)
            sink.truncate()
    wall = time.perf_counter() - started
    return FloorRun(len(students), wall, latencies, scores, assignment_seconds)


def program_of(submission) -> list:
    """The extracted program in the form ``grader.runtime.child.load_program`` takes: compiled by the
    engine's own ``runner.compile_program`` where it has one, else (cell, source, statements)."""
    compile_program = getattr(runner, "compile_program", None)
    if compile_program is not None:
        return marshal.loads(compile_program(submission))
    return [[cell.cell, cell.source, list(cell.statements)] for cell in submission.program]


def floor_grade(assignment, path: Path) -> float:
    """One notebook's score, graded the way the grader does but all in this process."""
    submission = extract(load_notebook(path), assignment.ignored_modules)
    namespace, _ = load_program(program_of(submission))
    students = {f.name: namespace.get(f.name) for f in assignment.functions if submission.defines(f.name)}
    score = 0.0
    for function in assignment.functions:
        student_function = students.get(function.name)
        if student_function is None:
            continue
        for other in assignment.graded_names:  # its reference's calls answered by the reference
            namespace[other] = (getattr(assignment.reference, other) if other in function.stand_ins
                                else students.get(other))
        namespace[function.name] = student_function
        passed = 0.0
        for case in function.cases:
            try:
                value = student_function(**copy.deepcopy(case.inputs))
            except Exception:  # noqa: BLE001  (the case fails, as it would in the grader)
                continue
            if not compare_return(function, case.expected, value):
                passed += case.weight
        score += function.points * passed / sum(case.weight for case in function.cases)
    return round(score, 4)


# ------------------------------------------------------------------------ 4. nbgrader

@dataclass
class NbgraderRun:
    notebooks: int
    wall: float
    exit_code: int
    autograded: int
    crashers: int
    scores: dict[str, float]
    version: str
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.notebooks / self.wall if self.wall > 0 else 0.0


def venv_environment(venv: Path) -> dict:
    """The environment of an activated venv: its bin/ first on PATH."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH", "JUPYTER_DATA_DIR")}
    environment["VIRTUAL_ENV"] = str(venv)
    environment["PATH"] = f"{venv / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    return environment


def ensure_venv(venv: Path) -> str:
    """The venv with nbgrader, ipykernel and numpy; created on first use. Returns nbgrader's version."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import nbgrader, ipykernel, numpy; print(nbgrader.__version__)"]
    if python.exists():
        code, _, stdout, _ = run_command(probe, timeout=120, env=venv_environment(venv))
        if code == 0:
            return stdout.strip()
        say(f"[nbgrader] {venv} is incomplete; installing again")
    else:
        say(f"[nbgrader] creating {venv} (pip install {' '.join(NBGRADER_PACKAGES)}; a minute or so)")
        code, _, stdout, stderr = run_command([sys.executable, "-m", "venv", str(venv)], timeout=300)
        if code != 0:
            raise BenchError(f"python -m venv {venv} failed:\n{tail(stderr or stdout)}")
    code, _, stdout, stderr = run_command(
        [str(python), "-m", "pip", "install", "--quiet", *NBGRADER_PACKAGES],
        timeout=1800, env=venv_environment(venv))
    if code != 0:
        raise BenchError(f"pip install {' '.join(NBGRADER_PACKAGES)} into {venv} failed:\n{tail(stderr or stdout)}")
    code, _, stdout, stderr = run_command(probe, timeout=120, env=venv_environment(venv))
    if code != 0:
        raise BenchError(f"nbgrader does not import in {venv}:\n{tail(stderr or stdout)}")
    return stdout.strip()


def run_nbgrader(workdir: Path, venv: Path, students: list[Student], paths: dict[int, Path],
                 assignment) -> NbgraderRun:
    version = ensure_venv(venv)
    environment = venv_environment(venv)
    course = workdir / "course"
    build_course(course, assignment)

    def nbgrader(*arguments: str, timeout: float = 600) -> tuple[int, float, str, str]:
        return run_command(["nbgrader", *arguments], cwd=course, env=environment, timeout=timeout)

    say(f"[nbgrader] generate_assignment {ASSIGNMENT_ID} (nbgrader {version})")
    code, _, stdout, stderr = nbgrader("generate_assignment", ASSIGNMENT_ID, "--force")
    if code != 0:
        raise BenchError(f"nbgrader generate_assignment failed:\n{tail(stderr or stdout)}")
    release = course / "release" / ASSIGNMENT_ID / NOTEBOOK_NAME
    for student in students:
        submit(course, release, student, paths[student.number])
    say(f"[nbgrader] autograde {ASSIGNMENT_ID}: {len(students)} notebooks, one batch process")
    code, wall, stdout, stderr = nbgrader("autograde", ASSIGNMENT_ID,
                                          timeout=300 + 90 * len(students))
    autograded = sum((course / "autograded" / s.name / ASSIGNMENT_ID / NOTEBOOK_NAME).is_file() for s in students)
    run = NbgraderRun(len(students), wall, code, autograded, sum(bool(s.hostile) for s in students),
                      {}, version)
    if code != 0 or autograded < len(students):
        reasons = sorted(set(re.findall(r"\w+Error: [^\n]{0,60}", stderr)))
        run.problems.append(f"nbgrader autograde exited {code}; {len(students) - autograded} notebook(s) "
                            f"not autograded (nbgrader removes them: no score){'; ' if reasons else ''}"
                            f"{', '.join(reasons[:3])}")
    export_code, _, stdout, stderr = nbgrader("export", timeout=300)
    if export_code == 0 and (course / "grades.csv").is_file():
        with open(course / "grades.csv", newline="") as handle:
            for row in csv.DictReader(handle):
                run.scores[row["student_id"]] = float(row.get("score") or 0.0)
    else:
        run.problems.append(f"nbgrader export failed: {tail(stderr or stdout, 4)}")
    return run


def build_course(course: Path, assignment) -> None:
    """nbgrader_config.py and source/rnn/RNN.ipynb (plus rnn_utils.py) under ``course``."""
    source = course / "source" / ASSIGNMENT_ID
    source.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'grader-benchmark'\n"
        f"c.CourseDirectory.root = {str(course)!r}\n")
    shutil.copy(assignment.provided / "rnn_utils.py", source / "rnn_utils.py")
    notebook = source_notebook(assignment)
    validate_source(notebook, assignment)
    nbformat.write(notebook, source / NOTEBOOK_NAME)


def source_notebook(assignment):
    """The instructor's notebook: per graded function a solution cell (the correct sample's
    def) and a test cell (the sample's seeded test cell, its prints turned into asserts of the
    values they print, worth the function's points)."""
    correct = nbformat.read(SUBMISSIONS / "correct" / NOTEBOOK_NAME, as_version=4)
    submission = extract(load_notebook(SUBMISSIONS / "correct" / NOTEBOOK_NAME), assignment.ignored_modules)
    namespace = exec_correct(submission, assignment)
    cells = [nbformat.v4.new_markdown_cell(f"# {assignment.title}\n\nBenchmark copy for nbgrader."),
             nbformat.v4.new_code_cell("import numpy as np\nfrom rnn_utils import *")]
    for function in assignment.functions:
        definition = submission.functions[function.name]
        solution = nbformat.v4.new_code_cell(
            f"### BEGIN SOLUTION\n{definition.source.rstrip()}\n### END SOLUTION")
        solution.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False,
                                         "grade_id": f"{function.name}", "schema_version": 3}
        test_source = test_cell_source(correct, definition.cell, function.name, namespace)
        test = nbformat.v4.new_code_cell(test_source)
        test.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                     "points": function.points, "grade_id": f"test_{function.name}",
                                     "schema_version": 3}
        cells += [solution, test]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return notebook


def exec_correct(submission, assignment) -> dict:
    provided = str(assignment.provided)
    if provided not in sys.path:
        sys.path.insert(0, provided)
    namespace, problems = load_program(program_of(submission))
    if problems:
        raise BenchError(f"the correct sample does not load: {problems[0]}")
    return namespace


def test_cell_source(notebook, def_cell: int, name: str, namespace: dict) -> str:
    """The seeded test cell after ``def_cell`` that calls ``name``, with asserts for its prints."""
    import ast
    for cell in notebook.cells[def_cell:]:  # def_cell is 1-based: this starts right after it
        if cell.cell_type != "code" or f"{name}(" not in cell.source or f"def {name}(" in cell.source:
            continue
        tree = ast.parse(cell.source)
        setup, printed = [], []
        for node in tree.body:
            call = node.value if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) else None
            called = call.func.id if call is not None and isinstance(call.func, ast.Name) else ""
            if called == "print":
                if call.args:
                    printed.append(ast.unparse(call.args[-1]))
            elif not re.search(r"_tests?$", called):  # the course's unit-test helpers stay out
                setup.append(ast.unparse(node))
        scope = dict(namespace)
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            exec("\n".join(setup), scope)
            asserts = [assertion(expression, eval(expression, scope)) for expression in printed]
        asserts = [line for line in asserts if line]
        if not asserts:
            raise BenchError(f"the test cell of {name} prints nothing to assert")
        return "\n".join(setup + ["", "# the values the notebook's test cell prints"] + asserts)
    raise BenchError(f"no test cell calls {name} in the correct sample")


def assertion(expression: str, value) -> str | None:
    if isinstance(value, tuple) and all(isinstance(item, int) for item in value):
        return f"assert {expression} == {value!r}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"assert {expression} == {value!r}"
    if isinstance(value, (float, np.floating, np.ndarray)):
        literal = repr(np.asarray(value, dtype=float).tolist())
        return f"assert np.allclose({expression}, {literal})"
    return None


def validate_source(notebook, assignment) -> None:
    """Run the source notebook's code in this process: the correct solutions must pass every test."""
    scope: dict = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            code = cell.source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
            try:
                exec(code, scope)
            except AssertionError:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "?")
                raise BenchError(f"the nbgrader source notebook fails its own test {grade_id}") from None


def submit(course: Path, release: Path, student: Student, path: Path) -> None:
    """submitted/<student>/rnn/RNN.ipynb: the release with the student's defs in the solution cells."""
    notebook = nbformat.read(release, as_version=4)
    definitions = extract(load_notebook(path)).functions
    for cell in notebook.cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("solution") and grading.get("grade_id") in definitions:
            cell.source = f"# student {student.number:04d}\n" + definitions[grading["grade_id"]].source
    folder = course / "submitted" / student.name / ASSIGNMENT_ID
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / NOTEBOOK_NAME)
    shutil.copy(release.parent / "rnn_utils.py", folder / "rnn_utils.py")


# ------------------------------------------------------------------------ 5. grader check

@dataclass
class CheckRun:
    check: list[float]
    imports: list[float]
    exit_code: int
    output: str = ""  # the end of what a check that did not pass printed


def time_check(path: Path, runs: int) -> CheckRun:
    """Wall of ``grader check`` and of ``python -c "import numpy, nbformat"``, ``runs`` times each."""
    base, environment = grader_command()
    check_times, import_times, code, output = [], [], 0, ""
    for _ in range(runs):
        code, wall, stdout, stderr = run_command(base + ["check", str(path)], timeout=120, env=environment)
        if code not in (0, 1):
            raise BenchError(f"grader check failed (exit {code}):\n{tail(stderr or stdout)}")
        if code != 0:
            output = tail(stdout + stderr, 3)
        check_times.append(wall)
        result, wall, _, stderr = run_command([sys.executable, "-c", "import numpy, nbformat"], timeout=60)
        if result != 0:
            raise BenchError(f"python -c 'import numpy, nbformat' failed:\n{tail(stderr)}")
        import_times.append(wall)
    return CheckRun(check_times, import_times, code, output)


# ------------------------------------------------------------------------ the summary

def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (f"{os.cpu_count()} CPUs ({model or platform.machine()}), Python {platform.python_version()}, "
            f"numpy {np.__version__}, {platform.system()} {platform.release()}")


def load_text() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def checkout() -> str:
    """The commit graded with, and whether grader/ had uncommitted changes (read-only git calls)."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "grader", "assignments",
                                "reference"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        head, dirty = "", ""
    if not head:
        return f"{REPO} (not a git checkout)"
    return head + (" + uncommitted changes in the engine" if dirty else "")


def memory_text(run: GraderRun) -> str:
    parts = []
    if run.peak_rss_kib:
        parts.append(f"{run.peak_rss_kib / 1024:.0f} MiB largest process ({run.peak_rss_source})")
    if run.tree_pss_kib:
        parts.append(f"{run.tree_pss_kib / 1024:.0f} MiB PSS / {run.tree_rss_kib / 1024:.0f} MiB RSS "
                     f"summed over the process tree (sampled /proc every 0.1 s)")
    return "; ".join(parts) or "not measured"


def tail_text(run: GraderRun) -> str:
    if run.exit_tail is None:
        return "?"
    busy = run.wall - run.exit_tail
    rate = f"; {run.notebooks / busy:.1f} notebooks/s up to the last result" if busy > 0 else ""
    return f"{run.exit_tail:.2f} s from the last result to the end of the process{rate}"


def latency_text(seconds: list[float], decimals: int = 0) -> str:
    if not seconds:
        return "latency n/a (no results)"
    return (f"latency median {statistics.median(seconds) * 1000:.{decimals}f} ms, "
            f"p95 {percentile(seconds, 0.95) * 1000:.{decimals}f} ms")


def print_summary(arguments, students, full: GraderRun, benign_run: GraderRun, floor: FloorRun,
                  agree: tuple[int, int], check: CheckRun | None,
                  nbgrader: NbgraderRun | None, scores: dict[str, list[float]],
                  copied: tuple[GraderRun, GraderRun], trees: dict[str, tuple[int, int]]) -> list[str]:
    hangs = sum(s.hostile == "hang" for s in students)
    crashes = sum(s.hostile in ("exit", "raise") for s in students)
    lines = [
        "=" * 78,
        "SUMMARY",
        f"machine           {machine()}",
        f"checkout          {arguments.checkout}; grader command: {' '.join(grader_command()[0])}",
        f"load average      {arguments.load_before} before the run, {load_text()} at the end (this run included)",
        "command           python benchmarks/bench.py " + " ".join(sys.argv[1:]),
        f"notebooks         {len(students)}: {len(students) - hangs - crashes} ordinary, {hangs} hang, "
        f"{crashes} crash (seed {arguments.seed})",
        f"grader            --jobs {arguments.jobs} --timeout {arguments.timeout:g} s per call "
        f"(a hang costs that much once)",
        f"distinct class    {shares_text(trees['distinct'])}: no run can be reused",
        f"copied class      {shares_text(trees['copied'])}: the same students, functions copied as in a real class",
        "",
        "DISTINCT CLASS (every student's graded functions their own)",
        f"grader, all {full.notebooks}, with student pages  {full.wall:7.2f} s wall  {full.rate:7.1f} notebooks/s  "
        f"{latency_text(full.latencies)}",
        f"  peak memory     {memory_text(full)}",
        f"  shutdown        {tail_text(full)}",
        f"grader, {benign_run.notebooks} ordinary, no pages {benign_run.wall:7.2f} s wall  {benign_run.rate:7.1f} notebooks/s  "
        f"{latency_text(benign_run.latencies)}",
        f"  shutdown        {tail_text(benign_run)}",
        f"floor, {floor.notebooks} ordinary  {floor.wall:7.2f} s wall  {floor.rate:7.1f} notebooks/s  "
        f"{latency_text(floor.latencies, 1)}  (one process, one core, no isolation; "
        f"hang/crash notebooks left out; assignment load {floor.assignment_seconds:.2f} s not counted)",
        f"  floor scores equal to the grader's on {agree[0]}/{agree[1]} notebooks",
        f"ratio grader/floor               {benign_run.rate / floor.rate:.3f}  "
        f"(floor is {floor.rate / benign_run.rate:.1f}x faster; same {floor.notebooks} notebooks)",
        "COPIED CLASS (graded functions copied as in a real class; runs of equal code reused)",
        f"grader, all {copied[0].notebooks}, with student pages  {copied[0].wall:7.2f} s wall  "
        f"{copied[0].rate:7.1f} notebooks/s  {latency_text(copied[0].latencies)}",
        f"grader, {copied[1].notebooks} ordinary, no pages {copied[1].wall:7.2f} s wall  {copied[1].rate:7.1f} "
        f"notebooks/s  {latency_text(copied[1].latencies)}",
        f"ratio grader/floor               {copied[1].rate / floor.rate:.3f}  (copied class; the floor is "
        f"the distinct class's, it reuses nothing)",
        "",
    ]
    if nbgrader is not None:
        per = nbgrader.wall / nbgrader.notebooks
        lines += [
            f"nbgrader {nbgrader.version}, {nbgrader.notebooks}   {nbgrader.wall:7.2f} s wall  "
            f"{nbgrader.rate:7.2f} notebooks/s  {per:.2f} s per notebook (one autograde batch process; "
            f"{nbgrader.crashers} crashing, no hanging; {nbgrader.autograded}/{nbgrader.notebooks} autograded, "
            f"exit {nbgrader.exit_code})",
            f"ratio grader/nbgrader            {benign_run.rate / nbgrader.rate:.1f}  (grader on the ordinary "
            f"notebooks; {full.rate / nbgrader.rate:.1f} with the hangs and crashes in; distinct class)",
            f"ratio grader/nbgrader, copied    {copied[1].rate / nbgrader.rate:.1f}  (ordinary notebooks; "
            f"{copied[0].rate / nbgrader.rate:.1f} with the hangs and crashes in and pages)",
        ]
    else:
        lines.append("nbgrader          skipped (--skip-nbgrader)")
    if check is not None:
        median, imports = statistics.median(check.check), statistics.median(check.imports)
        lines.append(f"grader check      {median:.3f} s wall, median of {len(check.check)} (min "
                     f"{min(check.check):.3f}, max {max(check.check):.3f}; exit {check.exit_code}); "
                     f"python -c 'import numpy, nbformat' {imports:.3f} s median; check = {median / imports:.1f}x that")
    lines.append("scores by kind    " + ", ".join(
        f"{kind} {sorted(set(values))[0]:g}" + ("" if len(set(values)) == 1 else f"..{max(values):g}")
        + f" x{len(values)}" for kind, values in sorted(scores.items())))
    if nbgrader is not None:
        lines.append("nbgrader notes    " + ("none" if not nbgrader.problems else "; ".join(nbgrader.problems)))
    problems = full.problems + benign_run.problems + copied[0].problems + copied[1].problems
    if check is not None and check.output:
        problems.append(f"grader check of a correct notebook exited 1: {check.output}")
    lines.append("problems          " + ("none" if not problems else "; ".join(problems)))
    if arguments.load_before_value > 0.5:
        lines.append(f"warning           the machine was busy before the run (1-min load average "
                     f"{arguments.load_before_value:.2f} on {os.cpu_count()} CPUs): other processes shared "
                     f"the cores, so the figures are slower and noisier than on an idle machine")
    lines.append("=" * 78)
    return lines


# ------------------------------------------------------------------------ main

def parse_arguments(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebooks", type=int, default=200, metavar="N", help="notebooks to make (default 200)")
    parser.add_argument("--jobs", type=int, default=2 * (os.cpu_count() or 1), metavar="J",
                        help="grader grade --jobs (default: the grader's own, twice the cores, %(default)s here)")
    parser.add_argument("--timeout", type=float, default=1.0, metavar="T",
                        help="grader grade --timeout, seconds per call (default 1.0)")
    parser.add_argument("--nbgrader-notebooks", type=int, default=20, metavar="K",
                        help="notebooks nbgrader autogrades, hanging ones never among them (default 20)")
    parser.add_argument("--skip-nbgrader", action="store_true", help="leave nbgrader out")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="nbgrader's virtual environment (cached)")
    parser.add_argument("--check-runs", type=int, default=5, metavar="R", help="grader check runs (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mix and its order (default 0)")
    parser.add_argument("--workdir", type=Path, help="keep the notebooks and reports here instead of a "
                                                     "temporary folder that is removed")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--grader", metavar="COMMAND", help="the grader command to time (default: "
                        "`grader` on PATH, else `python -m grader` from this checkout)")
    arguments = parser.parse_args(argv)
    if arguments.jobs < 1 or arguments.timeout <= 0 or arguments.nbgrader_notebooks < 1 or arguments.check_runs < 1:
        parser.error("--jobs, --timeout, --nbgrader-notebooks and --check-runs must be positive")
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.grader:
        GRADER_COMMAND[:] = shlex.split(arguments.grader)
    try:
        if arguments.workdir:
            arguments.workdir.mkdir(parents=True, exist_ok=True)
            workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=arguments.workdir))
            return benchmark(arguments, workdir)
        with tempfile.TemporaryDirectory(prefix="grader-bench-") as folder:
            return benchmark(arguments, Path(folder))
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2


def benchmark(arguments, workdir: Path) -> int:
    arguments.load_before, arguments.checkout = load_text(), checkout()
    arguments.load_before_value = os.getloadavg()[0]
    say(f"[bench] working in {workdir}; grader: {' '.join(grader_command()[0])}")
    students = plan_students(arguments.notebooks, arguments.seed)
    graded = load_assignment(ASSIGNMENT).graded_names
    benign = [s for s in students if not s.hostile]
    classes = {}
    for label, versions in (("distinct", None),
                            ("copied", draw_versions(students, graded, REAL_DISTINCT_SHARE, arguments.seed))):
        everyone, ordinary = workdir / label / "notebooks", workdir / label / "ordinary"
        paths = make_notebooks(everyone, students, graded, versions)
        for student in benign:
            (ordinary / student.name).mkdir(parents=True)
            shutil.copy(paths[student.number], ordinary / student.name / NOTEBOOK_NAME)
        classes[label] = (everyone, ordinary, paths, distinct_trees(paths, graded))
        say(f"[bench] made the {label} class: {len(students)} notebooks ({len(benign)} ordinary) in {everyone}; "
            f"{shares_text(classes[label][3])}")
    everyone, ordinary, paths, _ = classes["distinct"]
    warm_up(workdir, paths[benign[0].number], workdir / "warm-up")

    # with the student pages, as an instructor runs it; then, like for like with the floor and
    # with nbgrader's autograde (neither draws feedback pages), without them; each class from a
    # gradebook of its own, so nothing is reused from another class or an earlier run
    full = run_grader("all notebooks", everyone, workdir / "out-all", students, arguments.jobs, arguments.timeout)
    benign_run = run_grader("ordinary notebooks, no pages", ordinary, workdir / "out-ordinary", benign,
                            arguments.jobs, arguments.timeout, pages=False)
    copied_everyone, copied_ordinary, _, _ = classes["copied"]
    copied = (run_grader("copied class, all notebooks", copied_everyone, workdir / "out-copied-all", students,
                         arguments.jobs, arguments.timeout),
              run_grader("copied class, ordinary notebooks, no pages", copied_ordinary,
                         workdir / "out-copied-ordinary", benign, arguments.jobs, arguments.timeout, pages=False))
    for run, like in zip(copied, (full, benign_run)):  # the same students, the same scores
        timed = timed_out(run) | timed_out(like)  # a call that ran out of time on a busy machine
        differ = [i for i, score in scores_by_id(run).items()
                  if i not in timed and scores_by_id(like).get(i) != score]
        if differ:
            run.problems.append(f"{len(differ)} notebook(s) of the copied class scored otherwise than in "
                                f"the distinct class: {', '.join(differ[:3])}")
    say(f"[floor] grading {len(benign)} ordinary notebooks in this process")
    try:
        floor = run_floor(benign, paths, arguments.timeout)
    except Exception as error:  # the engine's modules changed under the floor
        raise BenchError(f"the floor cannot use the engine's modules: {type(error).__name__}: {error}") from error
    graded = {e["id"]: float(e["score"]) for e in benign_run.results.get("submissions", [])}
    agree = (sum(abs(graded.get(i, -1) - s) < 1e-6 for i, s in floor.scores.items()), len(floor.scores))
    say(f"[check] grader check, {arguments.check_runs} runs")
    check_path = paths[next(s for s in benign if s.variant == "correct").number]
    check = time_check(check_path, arguments.check_runs)

    nbgrader = None
    if not arguments.skip_nbgrader:
        chosen = [s for s in students if s.hostile != "hang"][:arguments.nbgrader_notebooks]
        nbgrader = run_nbgrader(workdir / "nbgrader", arguments.venv.resolve(), chosen, paths,
                                load_assignment(ASSIGNMENT, timeout=arguments.timeout))
        compare_nbgrader(nbgrader, chosen, full)

    lines = print_summary(arguments, students, full, benign_run, floor, agree, check, nbgrader,
                          scores_by_kind(full, students), copied, {label: c[3] for label, c in classes.items()})
    say("\n".join(lines))
    if arguments.json:
        write_json(arguments.json, arguments, students, full, benign_run, floor, check, nbgrader, lines)
    runs = [full, benign_run, *copied]
    failed = any(run.exit_code != 0 for run in runs) or any(
        marker in problem for problem in [p for run in runs for p in run.problems]
        for marker in ("no result", "not graded", "cannot read", "did not score", "expected", "scored otherwise"))
    return 1 if failed else 0


def compare_nbgrader(run: NbgraderRun, chosen: list[Student], full: GraderRun) -> None:
    """Say how nbgrader's scores relate to the grader's, kind by kind (they grade differently)."""
    by_id = {entry.get("id"): float(entry.get("score", 0.0)) for entry in full.results.get("submissions", [])}
    table: dict[str, set] = {}
    for student in chosen:
        if student.name in run.scores:
            table.setdefault(student.kind, set()).add((run.scores[student.name], by_id.get(student.id)))
    for kind, pairs in sorted(table.items()):
        shown = ", ".join(f"nbgrader {a:g} / grader {b:g}" for a, b in sorted(pairs))
        say(f"[nbgrader] {kind}: {shown}")


def write_json(path: Path, arguments, students, full, benign_run, floor, check, nbgrader, lines) -> None:
    def grader_figures(run: GraderRun) -> dict:
        return {"notebooks": run.notebooks, "wall_s": run.wall, "notebooks_per_s": run.rate,
                "latency_median_s": statistics.median(run.latencies) if run.latencies else None,
                "latency_p95_s": percentile(run.latencies, 0.95), "peak_rss_kib": run.peak_rss_kib,
                "peak_rss_source": run.peak_rss_source, "tree_pss_kib": run.tree_pss_kib,
                "tree_rss_kib": run.tree_rss_kib, "exit_tail_s": run.exit_tail, "exit_code": run.exit_code,
                "problems": run.problems}
    document = {
        "machine": machine(), "arguments": {k: str(v) for k, v in vars(arguments).items()},
        "grader_all": grader_figures(full), "grader_ordinary": grader_figures(benign_run),
        "floor": {"notebooks": floor.notebooks, "wall_s": floor.wall, "notebooks_per_s": floor.rate,
                  "latency_median_s": statistics.median(floor.latencies)},
        "check": None if check is None else {"check_s": check.check, "import_s": check.imports},
        "nbgrader": None if nbgrader is None else {"notebooks": nbgrader.notebooks, "wall_s": nbgrader.wall,
                                                   "notebooks_per_s": nbgrader.rate, "version": nbgrader.version},
        "summary": lines,
    }
    path.write_text(json.dumps(document, indent=1))


if __name__ == "__main__":
    sys.exit(main())
