"""The fork server: a clean process with numpy loaded that forks one child per graded function.

Student code never runs in the grader's own process, and never in this one either: the zygote
holds no reference code, no expected values and no cases. It only forks, hands the grader a
socket connected to the new child, kills children on request and reports how each one ended.
Forking from a warm process saves the interpreter and numpy start-up (about 0.1 s) per child.

Nothing of it is within a child's reach: it is not dumpable (no child may open its
``/proc/<pid>/fd`` or memory), it holds neither the grader's stdout nor its stderr (a file of its
own takes what it writes), and each child's scratch folder is a private, bounded tmpfs, made
before any student code runs. What a child leaves behind never stops it: cleaning up cannot raise, and if it
dies all the same, the grader starts another and says that the grader, not the student, failed.

Run as ``python -m grader.execution.zygote FD`` where FD is the zygote's end of a SOCK_SEQPACKET pair.
"""
from __future__ import annotations

import gc
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from grader.runtime import seccomp
from grader.execution.sandbox import Sandbox, private_scratch
from grader.execution.scratch import close_quietly as _close, remove_folder

_ENVIRONMENT = {
    # one BLAS thread per child: the grader runs children side by side on every core
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
}


# ---------------------------------------------------------------- the zygote process

def serve(channel: socket.socket) -> None:
    import numpy  # noqa: F401  (warm: every child starts with numpy loaded)
    import numpy.random  # noqa: F401  (numpy loads it lazily: each child's reseed would pay ~18 ms)

    from grader.runtime import child

    child._not_dumpable()  # no child may open our /proc/<pid>/fd (their output files) or memory
    try:  # removing a deep scratch folder holds a descriptor per level
        _, most = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(most, 65536), most))
    except (ValueError, OSError):
        pass
    if os.environ.pop("GRADER_THREADS", "1") == "0":
        seccomp.forbid_threads()
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
        if channel in readable:  # a spawn first: the grader waits for it, nobody waits for a sweep
            try:
                data, fds, _, _ = socket.recv_fds(channel, 65536, 64)
            except OSError:
                data, fds = b"", []
            if not data:
                break
            try:
                _handle(json.loads(data), fds, channel, children, (wakeup, wakeup_writer), child.main)
            except Exception:  # noqa: BLE001  (no request may stop the server; the grader times it out)
                for fd in fds:
                    _close(fd)
        if _reap(channel, children) or time.monotonic() - last_sweep > 1.0:
            kill_orphans(children)
            last_sweep = time.monotonic()
    for pid in list(children):
        _kill_group(pid)
    kill_orphans({})


def _handle(request: dict, fds: list[int], channel, children: dict[int, str], wakeup, main) -> None:
    if request["op"] == "spawn":
        scratch = tempfile.mkdtemp(prefix="submission-")
        parent_end, child_end = socket.socketpair()
        try:
            pid = os.fork()
        except OSError:
            parent_end.close()
            child_end.close()
            remove_folder(scratch)
            raise
        if pid == 0:
            try:
                channel.close()
                parent_end.close()
                for fd in wakeup:
                    _close(fd)
                private_scratch(scratch)
                main(child_end, fds, scratch)  # never returns
            finally:
                os._exit(70)  # whatever happened, the child never goes back to serving
        child_end.close()
        for fd in fds:
            _close(fd)
        children[pid] = scratch
        socket.send_fds(channel, [json.dumps({"op": "spawned", "id": request["id"], "pid": pid}).encode()],
                        [parent_end.fileno()])
        parent_end.close()
    else:
        if request["op"] == "kill" and request["pid"] in children:
            _kill_group(request["pid"])
        for fd in fds:
            _close(fd)


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
            remove_folder(children.pop(pid))
            try:
                channel.send(json.dumps({"op": "exited", "pid": pid,
                                         "code": os.waitstatus_to_exitcode(status)}).encode())
            except OSError:
                pass


def kill_orphans(children) -> int:
    """Kill every child process of ours that is not in ``children``: what student code started
    and left running (as its subreaper we inherit it, however it double-forked). Returns how
    many were found."""
    found = 0
    for pid in _our_children():
        if pid not in children:
            found += 1
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return found


def _our_children() -> list[int]:
    """Our child processes: as the kernel lists them per thread (one read), or else found by
    a walk through every process in /proc."""
    try:
        found = []
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children", "rb") as listing:
                found += [int(pid) for pid in listing.read().split()]
        return found
    except (OSError, ValueError):
        pass
    me, found = os.getpid(), []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me:
            found.append(int(entry))
    return found


def become_subreaper() -> None:
    if seccomp.LIBC is not None:
        seccomp.LIBC.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


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
    server: int = 0  # which fork server made it: one restarted since does not know it


class Zygote:
    """The grader's handle on a running fork server; safe to use from several threads. A fork
    server that dies is started again at the next spawn."""

    def __init__(self, sandbox: Sandbox | None = None, python: str | None = None,
                 python_path: str | None = None) -> None:
        """``python``: another interpreter to run from (a student environment's), with
        ``python_path`` the folder it finds the grader package in (see grader.execution.environment)."""
        self._python = python or sys.executable
        self._python_path = python_path
        self.sandboxed = sandbox is not None
        self._sandbox = sandbox
        self._send_lock = threading.Lock()
        self._state = threading.Condition()
        self._spawned: dict[int, tuple[int, int]] = {}
        self._exits: dict[int, int] = {}
        self._next_id = 0
        self._server = 0
        self._stopping = False
        self._start()

    def _start(self) -> None:
        """Start a fork server (again); call with no other thread using the old one's channel."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        here = os.path.dirname(os.path.abspath(__file__))  # grader/execution
        package_parent = self._python_path or os.path.dirname(os.path.dirname(here))
        environment = {**_ENVIRONMENT, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                       "PYTHONPATH": package_parent, "LANG": "C.UTF-8", "TMPDIR": "/tmp",
                       "GRADER_THREADS": "1" if threads_counted(self._sandbox) else "0"}
        command = [self._python, "-m", "grader.execution.zygote", str(theirs.fileno())]
        sandbox = self._sandbox
        # neither the grader's stdout nor its stderr: what the server says goes to a file of ours
        self._log = tempfile.TemporaryFile(prefix="grader-fork-server-")
        self._process = subprocess.Popen(
            sandbox.wrap(command) if sandbox else command,
            pass_fds=[theirs.fileno()], env=environment, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self._log, cwd="/", start_new_session=True,
            **(sandbox.popen_options() if sandbox else {}))
        theirs.close()
        with self._state:
            self._channel = ours
            self._closed = False
            self._server += 1
            self._spawned.clear()
            self._exits.clear()
        self._reader = threading.Thread(target=self._read, args=(ours, self._server),
                                        name="zygote-reader", daemon=True)
        self._reader.start()

    def spawn(self, files: list[int] = (), timeout: float = 30.0) -> Child:
        """A new child; ``files`` are descriptors it receives (where its output goes)."""
        try:
            return self._spawn(files, timeout)
        except RuntimeError:
            if self._stopping:
                raise
            return self._spawn(files, timeout)  # once more, from a fork server started afresh

    def _spawn(self, files: list[int], timeout: float) -> Child:
        with self._send_lock:
            stopped = self._closed or self._process.poll() is not None
            if stopped and not self._stopping:  # it died: a new one for this and later children
                self._stop_process()
                self._start()
        with self._state:
            self._next_id += 1
            request_id = self._next_id
            server = self._server
        try:
            self._send({"op": "spawn", "id": request_id}, list(files))
        except OSError:
            raise RuntimeError(f"the fork server has stopped{self._last_words()}") from None
        with self._state:
            if not self._state.wait_for(lambda: request_id in self._spawned or self._closed
                                        or self._server != server, timeout):
                raise RuntimeError("the fork server did not answer")
            if request_id not in self._spawned:
                raise RuntimeError(f"the fork server has stopped{self._last_words()}")
            pid, fd = self._spawned.pop(request_id)
        return Child(pid, socket.socket(fileno=fd), server)

    def lost(self, child: Child) -> bool:
        """Whether the fork server that made ``child`` has stopped (so the child went with it,
        through no fault of its own)."""
        with self._state:
            return child.server != self._server or self._closed

    def kill(self, child: Child) -> None:
        if not self.lost(child):
            try:
                self._send({"op": "kill", "pid": child.pid})
            except OSError:
                pass

    def exit_code(self, child: Child, timeout: float = 10.0) -> int | None:
        """How the child ended (negative: killed by that signal); None if it has not."""
        with self._state:
            self._state.wait_for(lambda: child.pid in self._exits or child.server != self._server
                                 or self._closed, timeout)
            return self._exits.pop(child.pid, None) if child.server == self._server else None

    def close(self) -> None:
        with self._send_lock:
            self._stopping = True
            self._stop_process()

    def _stop_process(self) -> None:
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
            try:  # a sandbox killed while it was setting up leaves its second half waiting
                os.killpg(self._process.pid, signal.SIGKILL)
            except OSError:
                pass
            self._log.close()

    def _last_words(self) -> str:
        """The last line the fork server wrote, if any, to say why it stopped."""
        try:
            self._log.seek(0, os.SEEK_END)
            self._log.seek(max(0, self._log.tell() - 2000))
            lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        except (OSError, ValueError):
            return ""
        return f" ({lines[-1][:300]})" if lines else ""

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _send(self, request: dict, files: list[int] = ()) -> None:
        with self._send_lock:
            socket.send_fds(self._channel, [json.dumps(request).encode()], list(files))

    def _read(self, channel: socket.socket, server: int) -> None:
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(channel, 65536, 1)
                message = json.loads(data) if data else None
            except (OSError, ValueError):
                message = None
            if message is None:
                with self._state:
                    if server == self._server:
                        self._closed = True
                    self._state.notify_all()
                return
            with self._state:
                if message["op"] == "spawned":
                    self._spawned[message["id"]] = (message["pid"], fds[0])
                elif message["op"] == "exited":
                    self._exits[message["pid"]] = message["code"]
                    while len(self._exits) > 256:  # only a killed child's end is waited for, at once
                        self._exits.pop(next(iter(self._exits)))
                self._state.notify_all()


def threads_counted(sandbox: Sandbox | None) -> bool:
    """Whether the kernel counts a child's threads against its process limit: not for root's
    processes, whatever user namespace they are in (then children may start no thread)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return True
    return sandbox is not None and sandbox.user is not None


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
