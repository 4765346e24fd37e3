"""The reference, answering a student function's calls of its stand-ins, in a process of its own.

A stand-in call whose arguments the replay table does not know is answered by running the
reference on the student's arguments. Those arguments are hostile data: a crafted call can ask
for seconds of CPU or gigabytes of memory. So the reference never runs in the grader's process:
a worker (``python -m grader.execution.reference_worker FD``) loads the assignment's reference module,
takes the call's plain-data frame exactly as the child sent it (decoded here, with the codec's
checks), runs the function under an address-space limit and answers with one framed message
for the child. The grader waits for that answer with the case's own deadline and kills the
worker when it passes; a worker that dies or is killed is replaced by a fresh one.

Workers are kept per reference (a few idle ones), so a batch starts one per grading thread at
most, and only when a call misses the replay table.
"""
from __future__ import annotations

import atexit
import os
import resource
import socket
import subprocess
import sys
import threading
import time

from grader.runtime import codec

IDLE_WORKERS = 4  # kept per reference; more start when more threads need one at once
START_SECONDS = 30.0


class ReferenceTimeout(Exception):
    """The reference did not answer within the time left to the case."""


class ReferenceFailed(Exception):
    """The worker died or sent back something unreadable (out of memory, usually)."""


class ReferenceUnavailable(RuntimeError):
    """No worker could be started: the grader's failure, never the student's."""


class _Worker:
    def __init__(self, reference_path: str, memory_bytes: int, answer_bytes: int):
        ours, theirs = socket.socketpair()
        package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": package_parent,
                       "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                       "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.execution.reference_worker", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], env=environment, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
        theirs.close()
        self.channel = ours
        self.answer_bytes = answer_bytes
        try:
            self.channel.settimeout(START_SECONDS)
            codec.send(self.channel, {"reference": reference_path, "memory_bytes": memory_bytes,
                                      "answer_bytes": answer_bytes})
            ready = codec.receive(self.channel, 1 << 16)
        except (OSError, EOFError, codec.CodecError) as error:
            self.kill()
            raise ReferenceUnavailable(f"the reference worker did not start: {error}") from None
        if ready != "ready":
            self.kill()
            raise ReferenceUnavailable(f"the reference worker did not start: {str(ready)[:300]}")

    def ask(self, call: bytes, timeout: float) -> bytes:
        """The framed answer to a framed call (as the child sent it)."""
        try:
            if timeout <= 0:
                raise TimeoutError
            self.channel.settimeout(timeout)
            self.channel.sendall(call)
            return codec.receive_raw(self.channel, self.answer_bytes + (1 << 16))
        except (TimeoutError, socket.timeout):
            raise ReferenceTimeout from None
        except (OSError, EOFError, codec.CodecError):
            raise ReferenceFailed from None

    def kill(self) -> None:
        try:
            self.process.kill()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.channel.close()


class ReferenceWorkers:
    """The idle workers of one reference; ``answer`` takes one (or starts one) per call."""

    def __init__(self, reference_path: str, memory_bytes: int, answer_bytes: int):
        self.reference_path, self.memory_bytes, self.answer_bytes = reference_path, memory_bytes, answer_bytes
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def answer(self, call: bytes, timeout: float) -> tuple[bytes, float]:
        """The worker's framed answer to ``call`` within ``timeout`` seconds of the reference's
        own time, and the seconds spent starting a worker (not the student's to pay)."""
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        starting = 0.0
        if worker is None:
            began = time.monotonic()
            worker = _Worker(self.reference_path, self.memory_bytes, self.answer_bytes)
            starting = time.monotonic() - began
        try:
            reply = worker.ask(call, timeout)
        except BaseException:
            worker.kill()  # it may still be computing, or be dead: never reused
            raise
        with self._lock:
            if len(self._idle) < IDLE_WORKERS:
                self._idle.append(worker)
                worker = None
        if worker is not None:
            worker.kill()
        return reply, starting

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


_POOLS: dict[tuple, ReferenceWorkers] = {}
_POOLS_LOCK = threading.Lock()


def workers_for(reference_path: str, memory_bytes: int, answer_bytes: int) -> ReferenceWorkers:
    key = (str(reference_path), memory_bytes, answer_bytes)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = ReferenceWorkers(str(reference_path), memory_bytes, answer_bytes)
        return pool


@atexit.register
def _close_all() -> None:
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
    for pool in pools:
        pool.close()


# ---------------------------------------------------------------- the worker process

_RELAYED = ("ValueError", "TypeError", "IndexError", "KeyError", "AttributeError",
            "ZeroDivisionError", "ArithmeticError", "LookupError")


def serve(channel: socket.socket) -> None:
    import importlib.util

    from grader.runtime.child import _address_space, _limit  # the limits a child sets itself, likewise

    setup = codec.receive(channel, 1 << 16)
    path = setup["reference"]
    spec = importlib.util.spec_from_file_location("_grader_reference_worker", path)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    import numpy as np
    np.seterr(all="ignore")
    _limit(resource.RLIMIT_AS, _address_space() + int(setup["memory_bytes"]))
    _limit(resource.RLIMIT_FSIZE, 0)
    _limit(resource.RLIMIT_CORE, 0)
    answer_bytes = int(setup["answer_bytes"])
    codec.send(channel, "ready")
    while True:
        try:
            call = codec.receive_raw(channel)
        except EOFError:
            return
        channel.sendall(_answer(reference, call, answer_bytes))


def _answer(reference, call: bytes, answer_bytes: int) -> bytes:
    try:
        message = codec.decode(call)
        name = message["call"]
        args, kwargs = list(message.get("args", [])), dict(message.get("kwargs", {}))
        if not all(type(key) is str for key in kwargs):
            raise TypeError("keyword arguments that are not names")
    except (codec.CodecError, KeyError, TypeError, ValueError, AttributeError):
        return codec.encode_trusted({"raise": ["RuntimeError", "a call the grader cannot read"]})
    try:
        value = getattr(reference, name)(*args, **kwargs)
        answer = codec.encode_trusted({"return": value})
    except MemoryError:
        return _raised(name, "RuntimeError", "the reference ran out of memory on these arguments")
    except Exception as error:  # the student's arguments made the reference fail
        text = str(error).splitlines()[0][:300] if str(error).strip() else ""
        kind = type(error).__name__
        return _raised(name, kind if kind in _RELAYED else "RuntimeError", text)
    if len(answer) > answer_bytes:
        return _raised(name, "RuntimeError", f"the answer would take {len(answer)} bytes, over the "
                       f"limit of {answer_bytes}")
    return answer


def _raised(name: str, kind: str, text: str) -> bytes:
    return codec.encode_trusted({"raise": [kind, f"in {name} (called with your arguments): {text}"]})


if __name__ == "__main__":
    try:
        serve(socket.socket(fileno=int(sys.argv[1])))
    except BaseException:  # noqa: BLE001
        os._exit(70)
    os._exit(0)
