"""The untrusted side: runs in a fresh process forked from the fork server for each graded
function of a submission, loads the student's program (compiled by the grader) and calls the
function on each case.

Before any student code runs, the process is filtered (``seccomp``: it can start no process and
touch no other) and not dumpable. Everything here may be subverted by the student's code, so
nothing here decides a verdict: the process only reports what the function returned (as plain
data, see ``codec``) or raised, and what it printed goes to a file, up to a limit, never failing.
The graded functions that the function's reference calls are stand-ins answered by the
reference: from the replay table of the reference's own calls on the same cases when the
arguments match, or else by asking the grader, which answers only those names. Every other
graded name is the student's own. The reference code never enters this process.
"""
from __future__ import annotations

import builtins
import importlib.abc
import importlib.util
import linecache
import marshal
import os
import random
import resource
import signal
import socket
import sys
import time
import traceback

from grader.runtime import codec, replay_key, seccomp
from grader.runtime.child_output import flush as _flush, printed as _printed, redirect_output as _redirect_output

_CELL_PREFIX = "<cell "
CALL_SEED = 1  # the course's np.random.seed(1)
_RELAYED_ERRORS = {cls.__name__: cls for cls in
                   (ValueError, TypeError, IndexError, KeyError, AttributeError, ZeroDivisionError,
                    ArithmeticError, LookupError)}


def main(channel: socket.socket, outputs: list[int], scratch: str) -> None:
    """Entry point right after the fork server forks; never returns.

    ``outputs`` holds an open file per graded function for what it prints; ``scratch`` is the
    working folder, removed afterwards.
    """
    code = 0
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        _not_dumpable()  # no other student process may read our memory or descriptors
        seccomp.install()  # nor may we signal, trace or start any process
        _serve(channel, outputs, scratch)
    except BaseException:  # noqa: BLE001  (the child must end here, whatever happened)
        code = 70
    finally:
        _flush()
        os._exit(code)


def _serve(channel: socket.socket, outputs: list[int], scratch: str) -> None:
    # what the grader sends is trusted, so it may be a pickle (see codec.encode_trusted)
    job = codec.decode_trusted(codec.receive_raw(channel))
    job.update(codec.decode_trusted(codec.receive_raw(channel)))
    program = marshal.loads(codec.decode_trusted(codec.receive_raw(channel)))
    payloads = codec.decode_trusted(codec.receive_raw(channel))
    _enter(job, outputs[0], scratch)
    for number, task in enumerate(job["functions"]):
        name = task["name"]
        # only the graded functions its reference calls are answered by the reference; every
        # other graded name stays what the notebook defines
        stand_ins = [other for other in task["stand_ins"] if other != name]
        _redirect_output(outputs[number], job["limits"]["output_bytes"])
        namespace, warnings = load_program(program)  # afresh: what one function did is gone
        if number == 0:
            codec.send(channel, {"loaded": [warning[:300] for warning in warnings[:50]]})
        inputs_messages, replay, kept = codec.decode_trusted(payloads[name])
        called: set[str] = set()
        for other in stand_ins:
            namespace[other] = _stand_in(other, job["signatures"][other], replay, channel, called)
        function = namespace.get(name)
        for index in range(task["first_case"], task["cases"]):
            arguments = codec.decode_trusted(inputs_messages[index])  # a fresh copy for every case
            channel.sendall(_call(function, name, arguments, index, kept))
        # the chain: the first case again, now calling the student's own versions of the graded
        # functions it called, so the report can say when the chain breaks below it
        callees = sorted(called & set(job["defined"])) if task["first_case"] == 0 else []
        if not callees:
            codec.send(channel, {"chain": {"function": name, "callees": [], "printed": _printed()}})
            continue
        namespace, _ = load_program(program)
        for other in stand_ins:
            if other not in callees:
                namespace[other] = _stand_in(other, job["signatures"][other], replay, channel, set())
        arguments = codec.decode_trusted(inputs_messages[0])
        channel.sendall(_call(namespace.get(name), name, arguments, 0, kept, envelope="chain",
                              callees=callees))


def _not_dumpable() -> None:
    if seccomp.LIBC is not None:
        seccomp.LIBC.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE


def _enter(job: dict, output: int, scratch: str) -> None:
    limits = job["limits"]
    _redirect_output(output, limits["output_bytes"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.chdir(scratch)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file written past the limit fails with EFBIG
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, limits["output_bytes"])
    _limit(resource.RLIMIT_NOFILE, limits["open_files"])
    _limit(resource.RLIMIT_CPU, job["cpu_seconds"], job["cpu_seconds"] + 1)
    _limit(resource.RLIMIT_AS, _address_space() + limits["memory_bytes"])
    if hasattr(resource, "RLIMIT_NPROC"):
        _limit(resource.RLIMIT_NPROC, limits["processes"])
    sys.path[:0] = [job["provided"], scratch]
    sys.meta_path.insert(0, _ProvidedModules(job.get("provided_code", {}), job["provided"]))


class _ProvidedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The assignment's provided modules (``rnn_utils``), compiled once by the grader: a child
    keeps no bytecode on disk, and compiling them afresh in every process cost more than
    forking it."""

    def __init__(self, codes: dict, folder: str):
        self.codes, self.folder = codes, folder

    def find_spec(self, name, path=None, target=None):
        if path is not None or name not in self.codes:
            return None
        return importlib.util.spec_from_loader(name, self, origin=os.path.join(self.folder, f"{name}.py"))

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        module.__file__ = module.__spec__.origin
        exec(marshal.loads(self.codes[module.__name__]), module.__dict__)  # noqa: S102


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
    """Run the kept statements (compiled by the grader) cell by cell; a statement that fails
    is reported and skipped."""
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    warnings = []
    for cell, source, codes in program:
        filename = f"{_CELL_PREFIX}{cell}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        for code in codes:
            try:
                exec(code, namespace)
            except BaseException as error:  # noqa: BLE001
                warnings.append(f"cell {cell}, line {code.co_firstlineno}: {_describe(error)}")
    return namespace, warnings


def _call(function, name: str, arguments: dict, index: int, kept: list, envelope: str = "result",
          **extra) -> bytes:
    """The framed message of one call (under ``envelope``): what it returned, or what it raised."""
    def result(status, **fields):
        return codec.encode({envelope: {"function": name, "case": index, "status": status,
                                        "printed": _printed(), **extra, **fields}})

    if function is None:
        return result("raised", error=f"NameError: {name} is not defined after loading the notebook")
    if not callable(function):
        return result("raised", error=f"TypeError: {name} is not a function")
    started = time.perf_counter()
    try:
        reseed()  # inside: student code may have broken numpy's seed; that costs this case only
        value = function(**arguments)
    except BaseException as error:  # noqa: BLE001  (SystemExit and KeyboardInterrupt too)
        return result("raised", error=_describe(error), traceback=_student_traceback(error),
                      seconds=time.perf_counter() - started)
    seconds = time.perf_counter() - started
    try:
        return result("returned", value=_compared_part(value, kept), seconds=seconds)
    except BaseException as error:  # noqa: BLE001
        return result("raised", seconds=seconds, error=f"the returned value cannot be graded: {_describe(error)}")


def _compared_part(value, kept: list):
    """Only what is compared travels back (a forward pass's caches are not): the outputs not
    compared become None when the structure is the expected one; anything else goes as it is."""
    if kept[0] == "single":  # one returned value, held as a tuple of one like its expected value
        return (value,)
    if kept[0] == "dict":
        if type(value) is dict:
            return {key: value[key] for key in kept[1] if key in value}
        return value
    _, length, positions = kept
    if type(value) in (tuple, list) and len(value) == length:
        pruned = [value[i] if i in positions else None for i in range(length)]
        return tuple(pruned) if type(value) is tuple else pruned
    return value


def reseed() -> None:
    """The same random state before every call (the reference's too, see ``assignment``): code
    that draws random numbers draws the same ones in every process, case after case."""
    import numpy  # loaded by the fork server already

    numpy.random.seed(CALL_SEED)
    random.seed(CALL_SEED)


def _stand_in(name: str, parameter_names: list[str], replay: dict, channel: socket.socket,
              called: set[str]):
    def stand_in(*args, **kwargs):
        called.add(name)
        try:
            key = replay_key.call_key(name, parameter_names, list(args), kwargs)
            if key in replay:
                return codec.decode_trusted(replay[key])
            request = codec.encode({"call": name, "args": list(args), "kwargs": kwargs})
        except codec.CodecError as error:
            raise TypeError(f"{name} was called with arguments that are not arrays, numbers or "
                            f"dicts of them ({error})") from None
        channel.sendall(request)
        reply = codec.decode_trusted(codec.receive_raw(channel))
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
        return "wrote a file larger than the size limit allows"
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


def _student_frames(error: BaseException):
    return [frame for frame in traceback.extract_tb(error.__traceback__)
            if frame.filename.startswith(_CELL_PREFIX)]


def _student_location(error: BaseException) -> str:
    frames = _student_frames(error)
    if not frames:
        return ""
    frame = frames[-1]
    return f" (cell {frame.filename[len(_CELL_PREFIX):-1]}, line {frame.lineno}, in {frame.name})"


def _student_traceback(error: BaseException) -> str:
    lines = []
    for frame in _student_frames(error)[-8:]:
        lines.append(f"cell {frame.filename[len(_CELL_PREFIX):-1]}, line {frame.lineno}, in {frame.name}")
        if frame.line:
            lines.append(f"    {frame.line}")
    return "\n".join(lines)[:4000]
