"""Grade each distinct function once: a graded function whose verdict key (``verdict_keys``) was
run before, in this batch or in an earlier run kept in the gradebook, takes that run instead of
running the student's code again.

What is kept is the runner's run of the function (each case's returned value or error, what it
printed, its run with the student's own callees), as plain data encoded by ``grader.runtime.codec`` and
read back by its checked decoder, never a pickle. Comparison, hints and messages are made anew
for each student from that run, and the report shows each student's own cell, line and source.
Only runs that came to the same end on any machine are kept: every case returned or raised; a
timeout, a death or a case not run depends on the machine's load and is graded again each time.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from grader.runtime import codec
from grader.core.assignment import Assignment, GradedFunction
from grader.core.extract import Submission
from grader.execution.runner import Chain, FunctionRun, Outcome, SubmissionRun, run_submission
from grader.grading.verdict_keys import Key, context, function_keys, program_key, read_program

_SETTLED = ("returned", "raised")
_REMEMBERED_BYTES = 16 << 20  # runs held in memory, the latest first (the gradebook holds them all)


class Verdicts:
    """The runs already made, by key: in memory for this batch, and in ``store`` (the
    gradebook's ``verdicts`` table) across runs. With ``reuse`` off (``--force``) nothing is
    taken from either, and every run made replaces what was kept."""

    def __init__(self, store=None, reuse: bool = True):
        self.store = store
        self.reuse = reuse
        self.reused = 0  # functions not run again, this batch
        self._memory: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._memory_bytes = 0
        self._lock = threading.Lock()

    def run_submission(self, zygote, assignment: Assignment, submission: Submission,
                       functions: list[GradedFunction]) -> SubmissionRun:
        """What ``runner.run_submission`` returns, running only the functions not run before."""
        shared = context(assignment, bool(getattr(zygote, "sandboxed", False)))
        defined = sorted(set(submission.functions) & set(assignment.graded_names))
        try:
            statements = read_program(submission)
            keys = function_keys(shared, submission, [f.name for f in functions], defined, statements)
            loading = program_key(shared, submission, statements)
        except (ValueError, RecursionError, MemoryError, SyntaxError):  # a tree too deep or too large
            return run_submission(zygote, assignment, submission, functions)  # to say: run, keep nothing
        found: dict[str, FunctionRun] = {}
        warnings = None
        if self.reuse:
            for function in functions:
                run = self._find(keys[function.name])
                if run is not None and len(run.outcomes) == len(function.cases):
                    found[function.name] = run
            if found and len(found) == len(functions):
                warnings = self._find_warnings(loading)
                if warnings is None:  # its load warnings are not known: the quickest function loads it
                    found.pop(min(found, key=lambda name: sum(o.seconds for o in found[name].outcomes)))
        todo = [function for function in functions if function.name not in found]
        kept: list[tuple[str, str, bytes]] = []
        if todo:
            run = run_submission(zygote, assignment, submission, todo)
            warnings = run.load_warnings
            for function in todo:
                made = run.functions[function.name]
                data = encode_run(made)
                if data is not None:
                    key = keys[function.name]
                    kept.append((key.verdict, _exactness(made, key), data))
                found[function.name] = made
            if any(outcome.status in _SETTLED for made in run.functions.values() for outcome in made.outcomes):
                kept.append((loading, "", codec.encode(list(warnings))))  # it loaded: its warnings hold
        self._keep(kept)
        with self._lock:
            self.reused += len(functions) - len(todo)
        return SubmissionRun({f.name: found[f.name] for f in functions}, tuple(warnings or ()))

    def _find(self, key: Key) -> FunctionRun | None:
        for exact in ("", key.exact):
            data = self._lookup(key.verdict, exact)
            if data is not None:
                try:
                    return decode_run(data)
                except (codec.CodecError, ValueError, TypeError, KeyError, IndexError):
                    return None  # a damaged row: run it again (and replace it)
        return None

    def _find_warnings(self, loading: str) -> tuple[str, ...] | None:
        data = self._lookup(loading, "")
        if data is None:
            return None
        try:
            warnings = codec.decode(data)
        except (codec.CodecError, ValueError, TypeError):
            return None
        if type(warnings) is not list or not all(type(w) is str for w in warnings):
            return None
        return tuple(warnings)

    def _lookup(self, verdict: str, exact: str) -> bytes | None:
        with self._lock:
            data = self._memory.get((verdict, exact))
            if data is not None:
                self._memory.move_to_end((verdict, exact))
                return data
            if self.store is None:
                return None
            data = self.store.find(verdict, exact)
            if data is not None:
                self._remember(verdict, exact, data)
            return data

    def _keep(self, rows: list[tuple[str, str, bytes]]) -> None:
        if not rows:
            return
        with self._lock:
            for verdict, exact, data in rows:
                self._remember(verdict, exact, data)
            if self.store is not None:
                self.store.keep(rows)

    def _remember(self, verdict: str, exact: str, data: bytes) -> None:
        """Hold ``data`` in memory, forgetting the least recently used past the byte budget, so
        memory stays flat however large the class."""
        replaced = self._memory.pop((verdict, exact), None)
        self._memory_bytes += len(data) - (len(replaced) if replaced is not None else 0)
        self._memory[(verdict, exact)] = data
        while self._memory_bytes > _REMEMBERED_BYTES and len(self._memory) > 1:
            self._memory_bytes -= len(self._memory.popitem(last=False)[1])


def _exactness(run: FunctionRun, key: Key) -> str:
    """"" when the run holds nothing that names a place in the notebook (every case returned,
    nothing printed); else the exact digest of the cells, so only the same cells reuse it."""
    outcomes = run.outcomes + ((run.chain.outcome,) if run.chain else ())
    if run.output or any(outcome.status != "returned" for outcome in outcomes):
        return key.exact
    return ""


def encode_run(run: FunctionRun) -> bytes | None:
    """The run as plain data, or None when it must not be kept: an outcome that depends on the
    machine (a timeout, a death, a case not run) or a value that does not travel back unchanged."""
    outcomes = run.outcomes + ((run.chain.outcome,) if run.chain else ())
    if not outcomes or any(outcome.status not in _SETTLED for outcome in outcomes):
        return None
    if any(_unsupported(outcome.value) for outcome in outcomes):
        return None
    plain = {"outcomes": [_outcome_plain(outcome) for outcome in run.outcomes], "output": run.output,
             "chain": [list(run.chain.callees), _outcome_plain(run.chain.outcome)] if run.chain else None}
    try:
        data = codec.encode(plain)
        if codec.encode(codec.decode(data)) != data:
            return None
    except (codec.CodecError, ValueError, TypeError, OverflowError, RecursionError):
        return None
    return data


def decode_run(data: bytes) -> FunctionRun:
    plain = codec.decode(data)
    chain = plain["chain"]
    return FunctionRun(tuple(_outcome(item) for item in plain["outcomes"]), str(plain["output"]),
                       Chain(tuple(str(name) for name in chain[0]), _outcome(chain[1])) if chain else None)


def _outcome_plain(outcome: Outcome) -> list:
    return [outcome.status, outcome.value, outcome.error, outcome.traceback, float(outcome.seconds)]


def _outcome(item: list) -> Outcome:
    status, value, error, traceback, seconds = item
    if status not in _SETTLED:
        raise ValueError(f"a kept run with a {status!r} outcome")
    return Outcome(str(status), value, str(error), str(traceback), float(seconds))


def _unsupported(value, depth: int = 0) -> bool:
    """Whether the value holds something the codec decoded as a stand-in for an object."""
    if isinstance(value, codec.Unsupported) or depth > codec.MAX_DEPTH:
        return True
    if type(value) in (tuple, list):
        return any(_unsupported(item, depth + 1) for item in value)
    if type(value) is dict:
        return any(_unsupported(item, depth + 1) for item in value.values())
    return False
