"""The fork server: a clean process with numpy loaded that forks one child per graded function.

Student code never runs in the grader's own process, and never in this one either: the zygote
holds no reference code, no expected values and no cases. It only forks, hands the grader a
socket connected to the new child, kills children on request and reports how each one ended.
Forking from a warm process saves the interpreter and numpy start-up (about 0.1 s) per child.

Run as ``python -m grader.zygote FD`` where FD is the zygote's end of a SOCK_SEQPACKET pair.
"""
from __future__ import annotations

import gc
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from grader.sandbox import Sandbox

_ENVIRONMENT = {
    # one BLAS thread per child: the grader runs children side by side on every core
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
}


# ---------------------------------------------------------------- the zygote process

def serve(channel: socket.socket) -> None:
    import numpy  # noqa: F401  (warm: every child starts with numpy loaded)

    from grader import child

    gc.collect()
    gc.freeze()  # what every child inherits is never scanned by its collector: the pages stay shared
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the grader, which closes our socket
    become_subreaper()
    wakeup, wakeup_writer = os.pipe()  # SIGCHLD wakes the loop at once: children are reaped promptly
    os.set_blocking(wakeup, False)
    os.set_blocking(wakeup_writer, False)
    signal.set_wakeup_fd(wakeup_writer)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, str] = {}  # pid -> its scratch folder
    last_sweep = time.monotonic()
    while True:
        readable, _, _ = select.select([channel, wakeup], [], [], 1.0)
        if wakeup in readable:
            while os.read(wakeup, 512) == 512:
                pass
        if _reap(channel, children) or time.monotonic() - last_sweep > 1.0:
            kill_orphans(children)
            last_sweep = time.monotonic()
        if channel not in readable:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(channel, 65536, 64)
        except OSError:
            data, fds = b"", []
        if not data:
            break
        request = json.loads(data)
        if request["op"] == "spawn":
            scratch = tempfile.mkdtemp(prefix="submission-")
            parent_end, child_end = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                channel.close()
                parent_end.close()
                child.main(child_end, fds, scratch)  # never returns
            child_end.close()
            for fd in fds:
                os.close(fd)
            children[pid] = scratch
            socket.send_fds(channel, [json.dumps({"op": "spawned", "id": request["id"], "pid": pid}).encode()],
                            [parent_end.fileno()])
            parent_end.close()
        elif request["op"] == "kill" and request["pid"] in children:
            _kill_group(request["pid"])
        else:
            for fd in fds:
                os.close(fd)
    for pid in list(children):
        _kill_group(pid)
    kill_orphans({})


def _reap(channel: socket.socket, children: dict[int, str]) -> bool:
    """Collect every child that has ended; True when one of ours (not an orphan) did."""
    ours = False
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return ours
        if pid == 0:
            return ours
        if pid in children:
            ours = True
            _kill_group(pid)  # whatever it started in its session dies with it
            shutil.rmtree(children.pop(pid), onerror=_force_remove)
            try:
                channel.send(json.dumps({"op": "exited", "pid": pid,
                                         "code": os.waitstatus_to_exitcode(status)}).encode())
            except OSError:
                pass


def kill_orphans(children) -> int:
    """Kill every child process of ours that is not in ``children``: what student code started
    and left running (as its subreaper we inherit it, however it double-forked). Returns how
    many were found."""
    me = os.getpid()
    found = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit() or int(entry) in children:
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found += 1
            try:
                os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass
    return found


def become_subreaper() -> None:
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _force_remove(function, path, _):
    try:
        os.chmod(os.path.dirname(path), 0o700)
        os.chmod(path, 0o700)
        function(path)
    except OSError:
        pass


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# ---------------------------------------------------------------- the grader's side

@dataclass(frozen=True)
class Child:
    pid: int
    channel: socket.socket


class Zygote:
    """The grader's handle on a running fork server; safe to use from several threads."""

    def __init__(self, sandbox: Sandbox | None = None, python: str | None = None,
                 python_path: str | None = None) -> None:
        """``python``: another interpreter to run from (a student environment's), with
        ``python_path`` the folder it finds the grader package in (see grader.environment)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        package_parent = python_path or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        environment = {**_ENVIRONMENT, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                       "PYTHONPATH": package_parent, "LANG": "C.UTF-8", "TMPDIR": "/tmp"}
        command = [python or sys.executable, "-m", "grader.zygote", str(theirs.fileno())]
        self.sandboxed = sandbox is not None
        self._process = subprocess.Popen(
            sandbox.wrap(command) if sandbox else command,
            pass_fds=[theirs.fileno()], env=environment, stdin=subprocess.DEVNULL, cwd="/")
        theirs.close()
        self._channel = ours
        self._send_lock = threading.Lock()
        self._state = threading.Condition()
        self._spawned: dict[int, tuple[int, int]] = {}
        self._exits: dict[int, int] = {}
        self._next_id = 0
        self._closed = False
        self._reader = threading.Thread(target=self._read, name="zygote-reader", daemon=True)
        self._reader.start()

    def spawn(self, files: list[int] = (), timeout: float = 30.0) -> Child:
        """A new child; ``files`` are descriptors it receives (where its output goes)."""
        with self._state:
            self._next_id += 1
            request_id = self._next_id
        self._send({"op": "spawn", "id": request_id}, list(files))
        with self._state:
            if not self._state.wait_for(lambda: request_id in self._spawned or self._closed, timeout):
                raise RuntimeError("the fork server did not answer")
            if request_id not in self._spawned:
                raise RuntimeError("the fork server has stopped")
            pid, fd = self._spawned.pop(request_id)
        return Child(pid, socket.socket(fileno=fd))

    def kill(self, child: Child) -> None:
        self._send({"op": "kill", "pid": child.pid})

    def exit_code(self, child: Child, timeout: float = 10.0) -> int | None:
        """How the child ended (negative: killed by that signal); None if it has not."""
        with self._state:
            self._state.wait_for(lambda: child.pid in self._exits or self._closed, timeout)
            return self._exits.pop(child.pid, None)

    def close(self) -> None:
        try:
            # shutdown, not just close: the reader thread is blocked in recvmsg on this socket,
            # and a close alone would leave the fork server waiting for an end that never comes
            self._channel.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self._channel.close()
        finally:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _send(self, request: dict, files: list[int] = ()) -> None:
        with self._send_lock:
            socket.send_fds(self._channel, [json.dumps(request).encode()], list(files))

    def _read(self) -> None:
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self._channel, 65536, 1)
            except OSError:
                data, fds = b"", []
            if not data:
                with self._state:
                    self._closed = True
                    self._state.notify_all()
                return
            message = json.loads(data)
            with self._state:
                if message["op"] == "spawned":
                    self._spawned[message["id"]] = (message["pid"], fds[0])
                elif message["op"] == "exited":
                    self._exits[message["pid"]] = message["code"]
                    while len(self._exits) > 256:  # only a killed child's end is waited for, at once
                        self._exits.pop(next(iter(self._exits)))
                self._state.notify_all()


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
