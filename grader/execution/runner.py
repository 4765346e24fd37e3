"""Run isolated: one fresh process per graded function, forked from the fork server, watched
from the grader's side.

The grader compiles the student's program once (compiling runs no code) and sends each process
the program and its function's case inputs, replay table and stand-ins: the graded functions
its reference calls, the only ones answered by the reference. Nothing one graded function
made or patched is there while the next runs. The grader answers the stand-in calls that the
replay table cannot, by the reference in a worker process of its own (``reference_worker``)
within the case's time, and refuses any other call; it takes back one plain-data result per
case, in order, each within a size derived from the case. The clock runs here, not in the
child: a case that does not answer within the time limit has its process killed from outside,
whatever signals the student's code ignores; the function's remaining cases are not run. A
process that dies (os._exit, a signal, a crash) costs the case it was running; grading resumes
in a fresh process from the next case.
"""
from __future__ import annotations

import marshal
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader.runtime import codec
from grader.execution import reference_worker
from grader.core.assignment import Assignment, GradedFunction
from grader.core.extract import Submission
from grader.execution.run_messages import NOT_RUN as _NOT_RUN
from grader.execution.run_messages import amount as _amount, death as _death
from grader.execution.run_messages import over_budget as _over_budget, read_output as _read_output
from grader.execution.zygote import Zygote

LOAD_SECONDS = 10.0  # loading a program runs no graded function, only defs, imports, decorators


@dataclass(frozen=True)
class Outcome:
    """What one case's call came to, before comparison."""
    status: str  # returned, raised, timeout, died, not run
    value: object = None
    error: str = ""
    traceback: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Chain:
    """The function's first case run again with the student's own versions of the graded
    functions it called (``callees``), instead of the reference's."""
    callees: tuple[str, ...]
    outcome: Outcome


@dataclass(frozen=True)
class FunctionRun:
    outcomes: tuple[Outcome, ...]
    output: str
    chain: Chain | None = None


@dataclass(frozen=True)
class SubmissionRun:
    functions: dict[str, FunctionRun]
    load_warnings: tuple[str, ...]


class _Stop(Exception):
    """The child must be killed: it hung, died or broke the protocol."""

    def __init__(self, outcome: Outcome):
        self.outcome = outcome


def run_submission(zygote: Zygote, assignment: Assignment, submission: Submission,
                   functions: list[GradedFunction]) -> SubmissionRun:
    outcomes: dict[str, list[Outcome]] = {function.name: [] for function in functions}
    chains: dict[str, Chain] = {}
    printed: dict[str, int] = {}
    program = codec.encode_trusted(compile_program(submission))
    warnings: tuple[str, ...] | None = None
    defined = sorted(set(submission.functions) & set(assignment.graded_names))
    budget_end = time.monotonic() + assignment.limits.submission_seconds
    with tempfile.TemporaryDirectory(prefix="grader-output-") as output_dir:
        output_dir = Path(output_dir)
        for number, function in enumerate(functions):
            loaded = True
            while loaded and _unsettled(function, outcomes[function.name]) and time.monotonic() < budget_end:
                loaded, load_warnings = _run_process(zygote, assignment, program, [function], outcomes,
                                                     chains, defined, output_dir, printed, budget_end)
                warnings = load_warnings if warnings is None else warnings
            if not loaded:  # the definitions themselves hang or crash: so would every function's
                failure = outcomes[function.name][-1]
                for other in functions[number + 1:]:
                    outcomes[other.name].append(failure)
                break
        over = _over_budget(assignment.limits)
        for function in functions:
            found = outcomes[function.name]
            if time.monotonic() >= budget_end and (not found or found[-1].status != "timeout" or found[-1].error == over):
                found.extend(Outcome("timeout", error=over) for _ in range(len(function.cases) - len(found)))
            reason = _NOT_RUN.get(found[-1].status, _NOT_RUN["died"])
            found.extend(Outcome("not run", error=reason) for _ in range(len(function.cases) - len(found)))
        runs = {name: FunctionRun(tuple(found), _read_output(output_dir / name, assignment.limits.output_bytes,
                                                             printed.get(name)),
                                  chains.get(name))
                for name, found in outcomes.items()}
    return SubmissionRun(runs, warnings or ())


def _unsettled(function: GradedFunction, found: list[Outcome]) -> bool:
    return len(found) < len(function.cases) and not (found and found[-1].status == "timeout")


def compile_program(submission: Submission) -> bytes:
    """The kept statements, compiled when extracted (compiling runs no code), for the child to
    run: [(cell, source, [code object, ...]), ...], marshalled."""
    return marshal.dumps([(cell.cell, cell.source, list(cell.codes)) for cell in submission.program])


def _run_process(zygote, assignment, program: bytes, todo: list[GradedFunction],
                 outcomes: dict[str, list[Outcome]], chains: dict[str, Chain], defined: list[str],
                 output_dir: Path, printed: dict[str, int],
                 budget_end: float = float("inf")) -> tuple[bool, tuple[str, ...]]:
    """Grade ``todo`` in one fresh process, each function from its first case without an
    outcome, until done or the process must be stopped (which adds that case's outcome).
    Returns whether the program loaded, and what loading it warned."""
    limits = assignment.limits
    files = [os.open(output_dir / f.name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) for f in todo]
    try:
        child = zygote.spawn(files)
    finally:
        for descriptor in files:
            os.close(descriptor)
    job = {
        "functions": [{"name": f.name, "first_case": len(outcomes[f.name]), "cases": len(f.cases),
                       "stand_ins": list(f.stand_ins)} for f in todo],
        "defined": defined,
        "cpu_seconds": int(LOAD_SECONDS + limits.timeout * sum(len(f.cases) for f in todo)) + 1,
    }
    position = 0  # the function in progress
    deadline = started = time.monotonic()
    deadline += LOAD_SECONDS
    credit = limits.timeout  # the reference's time answering calls, not charged to the case up to this
    loaded, warnings = False, ()
    printed_before = {f.name: printed.get(f.name, 0) for f in todo}
    try:
        # what every process of the assignment is told, then this one's job, its program and its
        # cases: all trusted, in one write
        child.channel.sendall(b"".join((_setup(assignment), codec.encode_trusted(job), program,
                                        _payloads(assignment, todo))))
        while position < len(todo):
            function = todo[position]
            frame = _receive(child, min(deadline, budget_end), LOAD_SECONDS if not loaded else limits.timeout,
                             _frame_limit(assignment, function, len(outcomes[function.name])))
            called = codec.call_name(frame)
            if called is not None and loaded:
                deadline, credit = _answer(assignment, function, child, called, frame, deadline, credit)
                continue
            message = _decode(frame)
            _note_printed(printed, function.name, printed_before[function.name], message)
            if "loaded" in message and not loaded:
                loaded = True
                warnings = tuple(str(w)[:300] for w in message["loaded"])[:50]
            elif "result" in message and loaded:
                result, found = message["result"], outcomes[function.name]
                if (not isinstance(result, dict) or result.get("function") != function.name
                        or result.get("case") != len(found)):
                    raise _Stop(Outcome("died", error="sent back a result out of turn"))
                found.append(_outcome(result, time.monotonic() - started))
            elif "chain" in message and loaded:
                chain = message["chain"]
                if (not isinstance(chain, dict) or chain.get("function") != function.name
                        or len(outcomes[function.name]) < len(function.cases)):
                    raise _Stop(Outcome("died", error="sent back a result out of turn"))
                callees = tuple(str(name) for name in chain.get("callees", []))[:20]
                if callees:
                    chains[function.name] = Chain(callees, _outcome(chain, time.monotonic() - started))
                position += 1
            else:
                raise _Stop(Outcome("died", error="sent back something that is not a result"))
            deadline = started = time.monotonic()
            deadline += limits.timeout
            credit = limits.timeout
    except _Stop as stop:
        zygote.kill(child)
        code = zygote.exit_code(child)
        if zygote.lost(child):  # the fork server died under it: the grader failed, not the student
            raise RuntimeError("the fork server stopped while this notebook was graded") from None
        outcome = stop.outcome
        if outcome.status == "timeout" and time.monotonic() >= budget_end:
            outcome = Outcome("timeout", error=_over_budget(limits), seconds=outcome.seconds)
        if outcome.error == "the process stopped answering":
            outcome = Outcome("died", error=_death(code), seconds=time.monotonic() - started)
        if not loaded:
            outcome = Outcome(outcome.status, error="loading the notebook's definitions failed: "
                              + outcome.error + " (a decorator, default argument or class body "
                              "runs code when the notebook is loaded)", seconds=outcome.seconds)
        function = todo[position]
        if len(outcomes[function.name]) < len(function.cases):
            outcomes[function.name].append(outcome)
        else:  # its cases were done: what stopped was the run with the student's own callees
            chains[function.name] = Chain((), outcome)
    except BaseException:  # a failure of ours: the student's process must not outlive it
        zygote.kill(child)
        zygote.exit_code(child, timeout=2.0)
        raise
    finally:
        child.channel.close()
    return loaded, warnings


def _payloads(assignment: Assignment, todo: list[GradedFunction]) -> bytes:
    """The message with ``todo``'s case inputs and replay tables, encoded once per function of
    the assignment, not once per process."""
    return assignment.once(("payloads", tuple(f.name for f in todo)), lambda: codec.encode_trusted(
        {f.name: assignment.payloads[f.name] for f in todo}))


def _setup(assignment: Assignment) -> bytes:
    """The message every process of the assignment starts from, encoded once per assignment."""
    limits = assignment.limits
    return assignment.once("setup", lambda: codec.encode_trusted({
        "graded": list(assignment.graded_names), "signatures": assignment.signatures,
        "provided": str(assignment.provided), "provided_code": _provided_code(assignment),
        "limits": {"output_bytes": limits.output_bytes, "memory_bytes": limits.memory_bytes,
                   "open_files": limits.open_files, "processes": limits.processes}}))


def _provided_code(assignment: Assignment) -> dict[str, bytes]:
    """The provided modules, compiled once per assignment (module name -> marshalled code)."""
    return assignment.once("provided code", lambda: _compiled_provided(Path(assignment.provided)))


def _compiled_provided(folder: Path) -> dict[str, bytes]:
    codes = {}
    for path in sorted(folder.glob("*.py")):
        try:
            codes[path.stem] = marshal.dumps(compile(path.read_bytes(), str(path), "exec"))
        except (OSError, SyntaxError, ValueError):
            pass  # imported from the file then, where it fails as it would anyway
    return codes


def _frame_limit(assignment: Assignment, function: GradedFunction, case: int) -> int:
    """The largest message the grader reads from a process at ``case`` of ``function``: what
    is compared is kept, so its size follows from the case (its inputs and expected outputs,
    eight times over, and a MiB besides), not from what the student's code chose to send."""
    limits = assignment.once(("frame limits", function.name), lambda: [
        min(codec.MAX_MESSAGE_BYTES,
            (1 << 20) + 8 * (len(function.inputs_messages[index]) + len(codec.encode(expected))))
        for index, expected in enumerate(_compared_expected(function))])
    return limits[min(case, len(limits) - 1)]


def _compared_expected(function: GradedFunction):
    for case in function.cases:
        try:
            yield [function.expected_output(case, output) for output in function.compare]
        except (KeyError, IndexError, TypeError, codec.CodecError):
            yield case.expected


def _receive(child, deadline: float, timeout: float, limit: int) -> bytes:
    """The next framed message, still encoded (``codec.call_name`` and ``_decode`` read it)."""
    remaining = deadline - time.monotonic()
    try:
        if remaining <= 0:
            raise TimeoutError
        child.channel.settimeout(remaining)
        return codec.receive_raw(child.channel, limit)
    except (TimeoutError, socket.timeout):
        raise _Stop(Outcome("timeout", error=f"did not finish within {timeout:g} s "
                            "(an infinite loop, or far too slow)", seconds=timeout)) from None
    except (EOFError, OSError):
        raise _Stop(Outcome("died", error="the process stopped answering")) from None
    except codec.TooLarge as error:
        raise _Stop(Outcome("died", error=f"sent back {_amount(error.size)} at once, more than this case's "
                            f"results (or its arguments, in a call) could take ({_amount(error.limit)}): "
                            "it returns far larger values than expected")) from None
    except codec.CodecError as error:
        raise _Stop(Outcome("died", error=f"sent back something that is not a result ({error})")) from None


def _decode(frame: bytes) -> dict:
    try:
        message = codec.decode(frame)
    except (codec.CodecError, ValueError, TypeError, OverflowError, MemoryError, RecursionError) as error:
        raise _Stop(Outcome("died", error=f"sent back something that is not a result ({error})"[:300])) from None
    if not isinstance(message, dict):
        raise _Stop(Outcome("died", error="sent back something that is not a result"))
    return message


def _note_printed(printed: dict[str, int], name: str, before: int, message: dict) -> None:
    """How much the function has printed, as its process says (only ever shown to its student)."""
    for envelope in ("result", "chain"):
        body = message.get(envelope)
        count = body.get("printed") if isinstance(body, dict) else None
        if type(count) is int and 0 <= count < 2**53:
            printed[name] = before + count


_OFFLINE = ("{name} cannot be called with these arguments offline: the student bundle answers only the "
            "calls the reference solution makes on this case (and those of known mistakes); the "
            "instructor's grader answers this one with the reference {name}. Check the arguments "
            "you pass to {name}")


def _answer(assignment: Assignment, function: GradedFunction, child, name: str, call: bytes,
            deadline: float, credit: float) -> tuple[float, float]:
    """Answer a call of a graded function that ``function``'s process could not answer from its
    replay table: only one of the graded functions ``function``'s reference calls (never
    ``function`` itself), by the reference in a worker process. Any other call ends the case
    as an error.

    The reference's time is not the student's: the deadline moves on by the time the answer
    took, up to ``credit`` seconds per case in all (so a case's calls cannot stall it for more
    than another time limit), and by the time it took to start a worker. Returns the deadline
    and the credit left."""
    if name == function.name or name not in function.stand_ins:
        allowed = ", ".join(function.stand_ins) or "none"
        raise _Stop(Outcome("died", error=f"asked the grader to answer a call of {name[:80]!r}: while "
                            f"{function.name} is graded, only its calls of the graded functions its "
                            f"reference calls are answered ({allowed})"))
    if not callable(getattr(assignment.reference, name, None)):  # a student bundle: no reference
        reply = codec.encode_trusted({"raise": ["RuntimeError", _OFFLINE.format(name=name)]})
    else:
        limits = assignment.limits
        workers = reference_worker.workers_for(assignment.reference_path, limits.memory_bytes,
                                               _answer_bytes(limits))
        began = time.monotonic()
        try:
            reply, starting = workers.answer(call, deadline + credit - began)
            credited = min(max(time.monotonic() - began - starting, 0.0), credit)
            deadline, credit = deadline + starting + credited, credit - credited
        except reference_worker.ReferenceTimeout:
            raise _Stop(Outcome("timeout", error=f"did not finish within {limits.timeout:g} s (the "
                                f"reference's answers to its calls of {name} included)",
                                seconds=limits.timeout)) from None
        except reference_worker.ReferenceFailed:
            reply = codec.encode_trusted({"raise": ["RuntimeError", f"in {name} (called with your "
                                                    f"arguments): the reference failed on them (too large?)"]})
    try:
        child.channel.settimeout(max(deadline - time.monotonic(), 0.001))
        child.channel.sendall(reply)  # a child that does not read its answer runs out of time
    except (TimeoutError, socket.timeout):
        raise _Stop(Outcome("timeout", error=f"did not finish within {assignment.limits.timeout:g} s",
                            seconds=assignment.limits.timeout)) from None
    except OSError:
        raise _Stop(Outcome("died", error="the process stopped answering")) from None
    return deadline, credit


def _answer_bytes(limits) -> int:
    return min(codec.MAX_MESSAGE_BYTES, 64 << 20, limits.memory_bytes // 4)


def _outcome(result: dict, wall_seconds: float) -> Outcome:
    seconds = result.get("seconds")
    if type(seconds) not in (int, float) or not 0 <= seconds <= wall_seconds:
        seconds = wall_seconds  # the child's own clock is the student's to set; ours is not
    if result.get("status") == "returned":
        return Outcome("returned", value=result.get("value"), seconds=float(seconds))
    return Outcome("raised", error=str(result.get("error", "raised an error"))[:1000],
                   traceback=str(result.get("traceback", ""))[:4000], seconds=float(seconds))
