"""Run isolated: one fresh process per submission, forked from the fork server, watched from
the grader's side.

The grader compiles the student's program once (compiling runs no code) and sends the process
the program and, per graded function, the case inputs and replay table; the process loads the
program afresh for each function. The grader answers the calls to other graded functions that
the replay table cannot, and takes back one plain-data result per case, in order. The clock
runs here, not in the child: a case that does not answer within the time limit has its process
killed from outside, whatever signals the student's code ignores; the function's remaining
cases are not run and the other functions go on in a fresh process. A process that dies
(os._exit, a signal, a crash) costs the case it was running; grading resumes in a fresh
process from the next case.
"""
from __future__ import annotations

import copy
import marshal
import os
import signal
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader import codec
from grader.assignment import Assignment, GradedFunction
from grader.extract import Submission
from grader.zygote import Zygote

OUTPUT_SHOWN_BYTES = 8 * 1024
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
    program = codec.encode_trusted(compile_program(submission))
    warnings: tuple[str, ...] | None = None
    defined = sorted(set(submission.functions) & set(assignment.graded_names))
    budget_end = time.monotonic() + assignment.limits.submission_seconds
    with tempfile.TemporaryDirectory(prefix="grader-output-") as output_dir:
        output_dir = Path(output_dir)
        while (todo := [f for f in functions if _unsettled(f, outcomes[f.name])]) and time.monotonic() < budget_end:
            loaded, load_warnings = _run_process(zygote, assignment, program, todo, outcomes, chains,
                                                 defined, output_dir, budget_end)
            warnings = load_warnings if warnings is None else warnings
            if not loaded:  # the definitions themselves hang or crash: so would every function's
                failure = outcomes[todo[0].name][-1]
                for function in todo[1:]:
                    outcomes[function.name].append(failure)
                break
        over = _over_budget(assignment.limits)
        for function in functions:
            found = outcomes[function.name]
            if time.monotonic() >= budget_end and (not found or found[-1].status != "timeout" or found[-1].error == over):
                found.extend(Outcome("timeout", error=over) for _ in range(len(function.cases) - len(found)))
            reason = _NOT_RUN.get(found[-1].status, _NOT_RUN["died"])
            found.extend(Outcome("not run", error=reason) for _ in range(len(function.cases) - len(found)))
        runs = {name: FunctionRun(tuple(found), _read_output(output_dir / name, assignment.limits.output_bytes),
                                  chains.get(name))
                for name, found in outcomes.items()}
    return SubmissionRun(runs, warnings or ())


def _unsettled(function: GradedFunction, found: list[Outcome]) -> bool:
    return len(found) < len(function.cases) and not (found and found[-1].status == "timeout")


_NOT_RUN = {"timeout": "not run: an earlier case ran out of time",
            "died": "not run: the program could not be loaded"}


def _over_budget(limits) -> str:
    return (f"not finished: the notebook used up its time budget of {limits.submission_seconds:g} s "
            "(all its functions and cases together), so this case and the ones after it did not run "
            "to the end; make the slow function faster")


def compile_program(submission: Submission) -> bytes:
    """The kept statements, compiled when extracted (compiling runs no code), for the child to
    run: [(cell, source, [code object, ...]), ...], marshalled."""
    return marshal.dumps([(cell.cell, cell.source, list(cell.codes)) for cell in submission.program])


def _run_process(zygote, assignment, program: bytes, todo: list[GradedFunction],
                 outcomes: dict[str, list[Outcome]], chains: dict[str, Chain], defined: list[str],
                 output_dir: Path, budget_end: float = float("inf")) -> tuple[bool, tuple[str, ...]]:
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
        "functions": [{"name": f.name, "first_case": len(outcomes[f.name]), "cases": len(f.cases)}
                      for f in todo],
        "graded": list(assignment.graded_names), "signatures": assignment.signatures,
        "defined": defined, "provided": str(assignment.provided),
        "limits": {"output_bytes": limits.output_bytes, "memory_bytes": limits.memory_bytes,
                   "open_files": limits.open_files, "processes": limits.processes,
                   "cpu_seconds": int(LOAD_SECONDS + limits.timeout * sum(len(f.cases) for f in todo)) + 1},
    }
    position = 0  # the function in progress
    deadline = started = time.monotonic()
    deadline += LOAD_SECONDS
    loaded, warnings = False, ()
    try:
        codec.send(child.channel, job)
        child.channel.sendall(program)
        child.channel.sendall(_payloads(assignment, todo))
        while position < len(todo):
            message = _receive(child, min(deadline, budget_end), LOAD_SECONDS if not loaded else limits.timeout)
            if "loaded" in message and not loaded:
                loaded = True
                warnings = tuple(str(w)[:300] for w in message["loaded"])[:50]
            elif "call" in message and loaded:
                child.channel.sendall(_answer(assignment, message))
                continue  # the reference's time is not the student's
            elif "result" in message and loaded:
                result, found = message["result"], outcomes[todo[position].name]
                if (not isinstance(result, dict) or result.get("function") != todo[position].name
                        or result.get("case") != len(found)):
                    raise _Stop(Outcome("died", error="sent back a result out of turn"))
                found.append(_outcome(result, time.monotonic() - started))
            elif "chain" in message and loaded:
                chain, function = message["chain"], todo[position]
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
    """The message with ``todo``'s case inputs and replay tables (~0.7 MiB for the RNN
    assignment). Nearly every process gets all of them: that message is encoded once per
    assignment, not once per submission."""
    if len(todo) == len(assignment.functions):
        message = assignment.memo.get("payloads")
        if message is None:
            message = assignment.memo["payloads"] = codec.encode_trusted(
                {f.name: assignment.payloads[f.name] for f in todo})
        return message
    return codec.encode_trusted({f.name: assignment.payloads[f.name] for f in todo})


def _receive(child, deadline: float, timeout: float) -> dict:
    remaining = deadline - time.monotonic()
    try:
        if remaining <= 0:
            raise TimeoutError
        child.channel.settimeout(remaining)
        message = codec.receive(child.channel)
    except (TimeoutError, socket.timeout):
        raise _Stop(Outcome("timeout", error=f"did not finish within {timeout:g} s "
                            "(an infinite loop, or far too slow)", seconds=timeout)) from None
    except (EOFError, OSError):
        raise _Stop(Outcome("died", error="the process stopped answering")) from None
    except (codec.CodecError, ValueError, TypeError, OverflowError, MemoryError, RecursionError) as error:
        raise _Stop(Outcome("died", error=f"sent back something that is not a result ({error})"[:300])) from None
    if not isinstance(message, dict):
        raise _Stop(Outcome("died", error="sent back something that is not a result"))
    return message


_OFFLINE = ("{name} cannot be called with these arguments offline: the student bundle answers only the "
            "calls the reference solution makes on this case (and those of known mistakes); the "
            "instructor's grader answers this one with the reference {name}. Check the arguments "
            "you pass to {name}")


def _answer(assignment: Assignment, message: dict) -> bytes:
    """The reference's answer to a student function's call of another graded function."""
    name = message["call"]
    if name not in assignment.graded_names:
        return codec.encode_trusted({"raise": ["RuntimeError", f"{name} cannot be called here"]})
    implementation = getattr(assignment.reference, name, None)
    if implementation is None:  # a student bundle: no reference, only the replay table answers
        return codec.encode_trusted({"raise": ["RuntimeError", _OFFLINE.format(name=name)]})
    try:
        value = implementation(*copy.deepcopy(list(message.get("args", []))),
                               **copy.deepcopy(dict(message.get("kwargs", {}))))
        return codec.encode_trusted({"return": value})
    except Exception as error:  # the student's arguments made the reference fail
        text = str(error).splitlines()[0][:300] if str(error).strip() else ""
        return codec.encode_trusted({"raise": [type(error).__name__,
                                       f"in {name} (called with your arguments): {text}"]})


def _outcome(result: dict, wall_seconds: float) -> Outcome:
    seconds = result.get("seconds")
    if type(seconds) not in (int, float) or not 0 <= seconds <= wall_seconds:
        seconds = wall_seconds  # the child's own clock is the student's to set; ours is not
    if result.get("status") == "returned":
        return Outcome("returned", value=result.get("value"), seconds=float(seconds))
    return Outcome("raised", error=str(result.get("error", "raised an error"))[:1000],
                   traceback=str(result.get("traceback", ""))[:4000], seconds=float(seconds))


def _death(code) -> str:
    if not isinstance(code, int):
        return "the process stopped answering"
    if code < 0:
        number = -code
        if number == signal.SIGKILL:
            return ("the process was killed (SIGKILL): it ran out of memory or CPU time, "
                    "or killed itself")
        if number == signal.SIGXCPU:
            return "the process used up its CPU time"
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"the process was killed by {name}"
    return f"the process exited with code {code} (os._exit or a crash) before returning"


def _read_output(path: Path, limit: int) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(OUTPUT_SHOWN_BYTES + 1)
        size = os.path.getsize(path)
    except OSError:
        return ""
    text = data[:OUTPUT_SHOWN_BYTES].decode("utf-8", "replace")
    if size > OUTPUT_SHOWN_BYTES:
        text += f"\n[... {size - OUTPUT_SHOWN_BYTES} more bytes not shown]"
    if size >= limit:
        text += f"\n[output stopped at the limit of {limit // 1024} KiB]"
    return text
