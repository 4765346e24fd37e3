"""Run isolated: one forked child per graded function, watched from the grader's side.

The grader sends the child the student's program and the case inputs, answers its calls to
other graded functions with the reference's results, and takes back one plain-data result per
case. The clock runs here, not in the child: a case that does not answer within the time limit
is killed from outside, whatever signals the student's code ignores. A child that dies (os._exit,
a signal, a crash) costs the case it was running; the remaining cases get a fresh child.
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
from grader.zygote import Child, Zygote

OUTPUT_SHOWN_BYTES = 8 * 1024
LOAD_SECONDS = 10.0  # loading a program runs no student function, only defs and imports


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
    load_warnings: tuple[str, ...]
    output: str


def run_function(zygote: Zygote, assignment: Assignment, submission: Submission,
                 function: GradedFunction) -> FunctionRun:
    outcomes: list[Outcome] = []
    warnings: tuple[str, ...] = ()
    with tempfile.TemporaryDirectory(prefix="grader-") as scratch:
        output_path = Path(scratch) / ".output"
        output_path.touch()
        work = Path(scratch) / "work"
        work.mkdir()
        while len(outcomes) < len(function.cases):
            first = len(outcomes)
            batch, load_warnings = _run_child(zygote, assignment, submission, function, first,
                                              str(output_path), str(work))
            warnings = warnings or load_warnings
            outcomes.extend(batch)
            if outcomes and outcomes[-1].status == "timeout":
                break
        outcomes.extend(Outcome("not run", error="not run: an earlier case ran out of time")
                        for _ in range(len(function.cases) - len(outcomes)))
        output = _read_output(output_path, assignment.limits.output_bytes)
    return FunctionRun(tuple(outcomes), warnings, output)


def _run_child(zygote, assignment, submission, function, first, output_path, scratch):
    """Outcomes from ``first`` on, as far as one child gets (at least one outcome)."""
    limits = assignment.limits
    cases = function.cases
    child = zygote.spawn()
    outcomes: list[Outcome] = []
    warnings: tuple[str, ...] = ()
    job = {
        "program": [[cell.cell, cell.source, list(cell.statements)] for cell in submission.program],
        "function": function.name,
        "stand_ins": [name for name in assignment.graded_names if name != function.name],
        "provided": str(assignment.provided),
        "scratch": scratch,
        "output": output_path,
        "first_case": first,
        "cases": [case.name for case in cases],
        "limits": {"output_bytes": limits.output_bytes, "memory_bytes": limits.memory_bytes,
                   "open_files": limits.open_files, "processes": limits.processes,
                   "cpu_seconds": int(LOAD_SECONDS + limits.timeout * (len(cases) - first)) + 1},
    }
    deadline = time.monotonic() + LOAD_SECONDS
    started = time.monotonic()
    try:
        codec.send(child.channel, job)
        child.channel.sendall(function.inputs_message)
        while True:
            message = _receive(child.channel, deadline)
            if "loaded" in message:
                warnings = tuple(str(w)[:300] for w in message["loaded"])[:50]
                deadline = started = time.monotonic()
                deadline += limits.timeout
            elif "call" in message:
                child.channel.sendall(_answer(assignment, message))
            elif "result" in message:
                outcomes.append(_outcome(message["result"], time.monotonic() - started))
                deadline = started = time.monotonic()
                deadline += limits.timeout
            elif message.get("done"):
                break
            if first + len(outcomes) >= len(cases):
                break
    except (TimeoutError, socket.timeout):
        zygote.kill(child)
        zygote.exit_code(child)
        outcomes.append(Outcome("timeout", error=f"did not finish within {limits.timeout:g} s "
                                f"(an infinite loop, or far too slow)", seconds=limits.timeout))
    except (EOFError, OSError, codec.CodecError, KeyError, TypeError, ValueError) as error:
        zygote.kill(child)
        code = zygote.exit_code(child)
        outcomes.append(Outcome("died", error=_death(code, error, limits), seconds=time.monotonic() - started))
    finally:
        child.channel.close()
    return outcomes, warnings


def _receive(channel: socket.socket, deadline: float) -> dict:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    channel.settimeout(remaining)
    message = codec.receive(channel)
    if not isinstance(message, dict):
        raise codec.CodecError("a message that is not a dict")
    return message


def _answer(assignment: Assignment, message: dict) -> bytes:
    """The reference's answer to a student function's call of another graded function."""
    name = message["call"]
    if name not in assignment.graded_names:
        return codec.encode({"raise": ["RuntimeError", f"{name} cannot be called here"]})
    implementation = getattr(assignment.reference, name)
    try:
        value = implementation(*copy.deepcopy(list(message.get("args", []))),
                               **copy.deepcopy(dict(message.get("kwargs", {}))))
        return codec.encode({"return": value})
    except Exception as error:  # the student's arguments made the reference fail
        text = str(error).splitlines()[0][:300] if str(error).strip() else ""
        return codec.encode({"raise": [type(error).__name__,
                                       f"in {name} (called with your arguments): {text}"]})


def _outcome(result: dict, wall_seconds: float) -> Outcome:
    if result.get("status") == "returned":
        return Outcome("returned", value=result.get("value"), seconds=float(result.get("seconds", wall_seconds)))
    return Outcome("raised", error=str(result.get("error", "raised an error"))[:1000],
                   traceback=str(result.get("traceback", ""))[:4000],
                   seconds=float(result.get("seconds", wall_seconds)))


def _death(code: int | None, error: Exception, limits) -> str:
    if isinstance(error, codec.CodecError):
        return f"sent back something that is not a result ({error})"
    if code is None:
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
