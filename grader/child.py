"""The untrusted side: runs inside a forked child, loads the student's program and calls one function.

Everything here may be subverted by the student's code, so nothing here decides a verdict: the
child only reports what the function returned (as plain data, see ``codec``) or raised. Other
graded functions the function calls are stand-ins that ask the grader, which answers with the
reference's result, so the reference code itself never enters this process.
"""
from __future__ import annotations

import ast
import builtins
import linecache
import os
import resource
import signal
import socket
import sys
import time
import traceback

from grader import codec

_CELL_PREFIX = "<cell "
_RELAYED_ERRORS = {cls.__name__: cls for cls in
                   (ValueError, TypeError, IndexError, KeyError, AttributeError, ZeroDivisionError,
                    ArithmeticError, LookupError)}


def main(channel: socket.socket) -> None:
    """Entry point right after fork; never returns."""
    code = 0
    try:
        os.setsid()
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        _serve(channel)
    except BaseException:  # noqa: BLE001  (the child must end here, whatever happened)
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


def _serve(channel: socket.socket) -> None:
    job = codec.receive(channel)
    inputs_message = codec.receive_raw(channel)
    _enter(job)
    namespace, warnings = load_program(job["program"])
    codec.send(channel, {"loaded": warnings})
    for name in job["stand_ins"]:
        namespace[name] = _stand_in(name, channel)
    function = namespace.get(job["function"])
    for index in range(job["first_case"], len(job["cases"])):
        arguments = codec.decode(inputs_message)[index]  # fresh copy: a case may mutate its inputs
        channel.sendall(_call(function, job["function"], arguments, index))
    codec.send(channel, {"done": True})


def _enter(job: dict) -> None:
    limits = job["limits"]
    descriptor = os.open(job["output"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.close(descriptor)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")
    sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")
    os.chdir(job["scratch"])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-long print fails with EFBIG instead
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, limits["output_bytes"])
    _limit(resource.RLIMIT_NOFILE, limits["open_files"])
    _limit(resource.RLIMIT_CPU, limits["cpu_seconds"], limits["cpu_seconds"] + 1)
    _limit(resource.RLIMIT_AS, _address_space() + limits["memory_bytes"])
    if hasattr(resource, "RLIMIT_NPROC"):
        _limit(resource.RLIMIT_NPROC, limits["processes"])
    sys.path[:0] = [job["provided"], job["scratch"]]


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    try:
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError):
        pass


def _address_space() -> int:
    """Bytes of address space the process holds now (numpy's libraries reserve a lot)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 1 << 30


def load_program(program: list) -> tuple[dict, list[str]]:
    """Run the kept statements cell by cell; a statement that fails is reported and skipped."""
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    warnings = []
    for cell, source, statements in program:
        filename = f"{_CELL_PREFIX}{cell}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        tree = ast.parse(source, filename)
        for index in statements:
            node = tree.body[index]
            try:
                exec(compile(ast.Module([node], []), filename, "exec"), namespace)
            except BaseException as error:  # noqa: BLE001
                warnings.append(f"cell {cell}, line {node.lineno}: {_describe(error)}")
    return namespace, warnings


def _call(function, name: str, arguments: dict, index: int) -> bytes:
    """The framed result message of one call: what it returned, or what it raised."""
    if function is None:
        return _result(index, "raised", error=f"NameError: {name} is not defined after loading the notebook")
    if not callable(function):
        return _result(index, "raised", error=f"TypeError: {name} is not a function")
    started = time.perf_counter()
    try:
        value = function(**arguments)
    except BaseException as error:  # noqa: BLE001  (SystemExit and KeyboardInterrupt too)
        return _result(index, "raised", error=_describe(error), traceback=_student_traceback(error),
                       seconds=time.perf_counter() - started)
    seconds = time.perf_counter() - started
    try:
        return _result(index, "returned", value=value, seconds=seconds)
    except BaseException as error:  # noqa: BLE001
        return _result(index, "raised", seconds=seconds,
                       error=f"the returned value cannot be graded: {_describe(error)}")


def _result(index: int, status: str, **fields) -> bytes:
    return codec.encode({"result": {"case": index, "status": status, **fields}})


def _stand_in(name: str, channel: socket.socket):
    def stand_in(*args, **kwargs):
        try:
            request = codec.encode({"call": name, "args": list(args), "kwargs": kwargs})
        except codec.CodecError as error:
            raise TypeError(f"{name} was called with arguments that are not arrays, numbers or "
                            f"dicts of them ({error})") from None
        channel.sendall(request)
        reply = codec.receive(channel)
        if "raise" in reply:
            kind, message = reply["raise"]
            raise _RELAYED_ERRORS.get(kind, RuntimeError)(message)
        return reply["return"]

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


def _describe(error: BaseException) -> str:
    if isinstance(error, SystemExit):
        return f"called sys.exit({error.code!r})"
    if isinstance(error, KeyboardInterrupt):
        return "was interrupted (KeyboardInterrupt)"
    if isinstance(error, OSError) and error.errno == 27:
        return "printed more than the output limit allows"
    if isinstance(error, MemoryError):
        return "MemoryError: ran out of memory (over the memory limit)"
    try:
        text = str(error)
    except BaseException:  # noqa: BLE001
        text = "(the error cannot be shown)"
    name = type(error).__name__ if isinstance(type(error).__name__, str) else "Exception"
    where = _student_location(error)
    text = text.splitlines()[0][:500] if text.strip() else ""
    return f"{name}: {text}{where}" if text else f"{name}{where}"


def _student_location(error: BaseException) -> str:
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith(_CELL_PREFIX)]
    if not frames:
        return ""
    frame = frames[-1]
    return f" (cell {frame.filename[len(_CELL_PREFIX):-1]}, line {frame.lineno}, in {frame.name})"


def _student_traceback(error: BaseException) -> str:
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith(_CELL_PREFIX)]
    lines = []
    for frame in frames[-8:]:
        lines.append(f"cell {frame.filename[len(_CELL_PREFIX):-1]}, line {frame.lineno}, in {frame.name}")
        if frame.line:
            lines.append(f"    {frame.line}")
    return "\n".join(lines)[:4000]
