"""Run isolated: one forked child per submission, one fork of it per graded function, watched
from the grader's side.

The grader sends the child the student's program and the cases' inputs, answers the calls to
other graded functions that the replay table cannot, and takes back one plain-data result per
case. The clock runs here, not in the child: a case that does not answer within the time limit
has its whole process group killed from outside, whatever signals the student's code ignores,
and the remaining functions go on in a fresh child. A process that dies (os._exit, a signal, a
crash) costs the case it was running.
"""
from __future__ import annotations

import copy
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
class FunctionRun:
    outcomes: tuple[Outcome, ...]
    output: str


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
    pending = list(functions)
    warnings: tuple[str, ...] = ()
    with tempfile.TemporaryDirectory(prefix="grader-output-") as output_dir:
        output_dir = Path(output_dir)
        while pending:
            load_warnings = _run_child(zygote, assignment, submission, pending, outcomes, output_dir)
            warnings = warnings or load_warnings
        runs = {name: FunctionRun(tuple(found), _read_output(output_dir / name, assignment.limits.output_bytes))
                for name, found in outcomes.items()}
    return SubmissionRun(runs, warnings)


def _run_child(zygote, assignment, submission, pending, outcomes, output_dir: Path):
    """Grade the pending functions in one child until it finishes or must be killed; every
    function this child finishes (or that killed it) leaves ``pending``."""
    limits = assignment.limits
    files = [os.open(output_dir / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
             for name in [".load"] + [function.name for function in pending]]
    try:
        child = zygote.spawn(files)
    finally:
        for descriptor in files:
            os.close(descriptor)
    warnings: tuple[str, ...] = ()
    most_cases = max(len(function.cases) for function in pending)
    job = {
        "program": [[cell.cell, cell.source, list(cell.statements)] for cell in submission.program],
        "functions": [{"name": f.name, "cases": len(f.cases), "first_case": len(outcomes[f.name])}
                      for f in pending],
        "graded": list(assignment.graded_names),
        "signatures": assignment.signatures,
        "provided": str(assignment.provided),
        "limits": {"output_bytes": limits.output_bytes, "memory_bytes": limits.memory_bytes,
                   "open_files": limits.open_files, "processes": limits.processes,
                   "cpu_seconds": int(LOAD_SECONDS + limits.timeout * most_cases) + 1},
    }
    deadline = time.monotonic() + LOAD_SECONDS
    started = time.monotonic()
    loaded = False
    try:
        codec.send(child.channel, job)
        child.channel.sendall(assignment.payload)
        while pending:
            message = _receive(child, deadline, LOAD_SECONDS if not loaded else limits.timeout)
            if "loaded" in message:
                loaded = True
                warnings = tuple(str(w)[:300] for w in message["loaded"])[:50]
            elif "call" in message:
                child.channel.sendall(_answer(assignment, message))
                continue  # the reference's time is not the student's
            elif "result" in message:
                result = message["result"]
                if (not loaded or not isinstance(result, dict) or result.get("function") != pending[0].name
                        or result.get("case") != len(outcomes[pending[0].name])):
                    raise _Stop(Outcome("died", error="sent back a result out of turn"))
                outcomes[pending[0].name].append(_outcome(result, time.monotonic() - started))
            elif "function_done" in message:
                if len(outcomes[pending[0].name]) < len(pending[0].cases):
                    _close_function(Outcome("died", error=_death(message.get("code"))), pending, outcomes)
                else:
                    pending.pop(0)
            elif message.get("done"):
                zygote.exit_code(child, timeout=5.0)  # reaped, and what it left running killed
                break
            deadline = started = time.monotonic()
            deadline += limits.timeout
    except _Stop as stop:
        zygote.kill(child)
        zygote.exit_code(child)
        if loaded:
            _close_function(stop.outcome, pending, outcomes)
        else:  # every function would meet the same fate in a fresh child: end them all
            outcome = Outcome(stop.outcome.status, error="loading the notebook's definitions failed: "
                              + stop.outcome.error + " (a decorator, default argument or class body "
                              "runs code when the notebook is loaded)", seconds=stop.outcome.seconds)
            while pending:
                _close_function(outcome, pending, outcomes)
    finally:
        child.channel.close()
    return warnings


def _close_function(outcome: Outcome, pending, outcomes) -> None:
    """The function in progress ends with ``outcome``; its remaining cases are not run."""
    function = pending.pop(0)
    found = outcomes[function.name]
    if len(found) < len(function.cases):
        found.append(outcome)
    reason = ("not run: an earlier case ran out of time" if outcome.status == "timeout"
              else "not run: the process died on an earlier case")
    found.extend(Outcome("not run", error=reason) for _ in range(len(function.cases) - len(found)))


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
    except codec.CodecError as error:
        raise _Stop(Outcome("died", error=f"sent back something that is not a result ({error})")) from None
    if not isinstance(message, dict):
        raise _Stop(Outcome("died", error="sent back something that is not a result"))
    return message


def _answer(assignment: Assignment, message: dict) -> bytes:
    """The reference's answer to a student function's call of another graded function."""
    name = message["call"]
    if name not in assignment.graded_names:
        return codec.encode_trusted({"raise": ["RuntimeError", f"{name} cannot be called here"]})
    implementation = getattr(assignment.reference, name)
    try:
        value = implementation(*copy.deepcopy(list(message.get("args", []))),
                               **copy.deepcopy(dict(message.get("kwargs", {}))))
        return codec.encode_trusted({"return": value})
    except Exception as error:  # the student's arguments made the reference fail
        text = str(error).splitlines()[0][:300] if str(error).strip() else ""
        return codec.encode_trusted({"raise": [type(error).__name__,
                                       f"in {name} (called with your arguments): {text}"]})


def _outcome(result: dict, wall_seconds: float) -> Outcome:
    if result.get("status") == "returned":
        return Outcome("returned", value=result.get("value"), seconds=float(result.get("seconds", wall_seconds)))
    return Outcome("raised", error=str(result.get("error", "raised an error"))[:1000],
                   traceback=str(result.get("traceback", ""))[:4000],
                   seconds=float(result.get("seconds", wall_seconds)))


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
