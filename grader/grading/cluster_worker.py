"""The worker's side of grading on a Dask cluster: imported only there and by ``grade_on_dask``.

The coordinator registers one :class:`AssignmentPlugin` per run. Dask hands it to every worker
process, and to every worker that joins later (a restarted one too): the assignment travels once
per worker, as a zip, not once per task. Each worker process then, on its first task, unpacks
nothing more, loads the assignment (case builders and reference run here, in the trusted worker)
and starts one fork server inside the sandbox; every task on that process shares both.

A task (:func:`grade_task`) grades one notebook exactly as ``grader grade`` does on one machine
and returns a plain dict, so it is pure and idempotent: when a worker dies mid-task, Dask runs
it again elsewhere and the coordinator sees one result.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
import threading
import uuid
import zipfile
from collections import Counter
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from distributed import WorkerPlugin, get_worker

from grader import __version__
from grader.grading import submission as grading
from grader.core.assignment import Assignment, load_assignment
from grader.grading.gradebook import content_hash
from grader.grading.submission import grade_notebook
from grader.core.notebook import InvalidNotebook
from grader.core.results import SubmissionResult
from grader.execution.sandbox import find_sandbox, secrets_of
from grader.execution.zygote import Zygote

LOADS: Counter = Counter()  # assignment loads in this process, by plugin name (the tests read it)

# CPython 3.11's ast keeps one recursion counter per interpreter, so two threads parsing at once
# can fail with "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905).
# In a Dask worker, with its event loop and diagnostics threads busy, two grading threads hit it
# about once in twenty notebooks; extraction takes milliseconds, so it runs one at a time here.
_EXTRACTING = threading.Lock()
_extract = grading.extract


def _extract_one_at_a_time(*args, **kwargs):
    with _EXTRACTING:
        return _extract(*args, **kwargs)


grading.extract = _extract_one_at_a_time


class WorkerRefused(Exception):
    """This worker will not grade (no sandbox, another grader version); the message says why."""


class AssignmentPlugin(WorkerPlugin):
    """The assignment, shipped once to each worker process, and the state built from it there."""

    def __init__(self, *, bundle: bytes, relative_dir: str, timeout: float | None,
                 require_sandbox: bool, grader_version: str, secrets: list[str],
                 submission_roots: list[str]) -> None:
        self.bundle = bundle
        self.relative_dir = relative_dir
        self.timeout = timeout
        self.require_sandbox = require_sandbox
        self.grader_version = grader_version
        self.secrets = secrets  # the coordinator's assignment paths, hidden here too if they exist
        self.submission_roots = submission_roots

    # ------------------------------------------------------------ in the worker process only

    def setup(self, worker) -> None:
        self.name = next((name for name, plugin in worker.plugins.items() if plugin is self), "")
        self.address = f"{worker.address} ({socket.gethostname()})"
        self.local_directory = Path(worker.local_directory)
        self.refusal = ""
        self.no_sandbox = ""
        self._lock = threading.Lock()
        self._assignment: Assignment | None = None
        self._zygote: Zygote | None = None
        self._sandbox = None
        self.root: Path | None = None
        if self.grader_version != __version__:
            self.refusal = (f"worker {self.address} runs grader {__version__}, the coordinator "
                            f"{self.grader_version}: install the same version on every worker")
            raise WorkerRefused(self.refusal)
        sandbox, reason = find_sandbox([], [])  # a quick probe: can bubblewrap run here at all?
        if sandbox is None:
            if self.require_sandbox:
                self.refusal = (f"worker {self.address} has no sandbox: {reason}. Install bubblewrap "
                                "on every worker (Debian: apt install bubblewrap), or pass "
                                "--no-sandbox to grade with process limits alone")
                raise WorkerRefused(self.refusal)
            self.no_sandbox = reason
        self.root = Path(tempfile.mkdtemp(prefix="grader-assignment-", dir=self.local_directory))
        with zipfile.ZipFile(BytesIO(self.bundle)) as archive:
            archive.extractall(self.root / "bundle")
        self.bundle = b""  # unpacked: no need to keep the bytes in memory
        (self.root / "notebooks").mkdir()

    def teardown(self, worker) -> None:
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        with lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def ready(self) -> tuple[Assignment, Zygote]:
        """The assignment and a live fork server, made on first use (and again if it died)."""
        if self.refusal:
            raise WorkerRefused(self.refusal)
        with self._lock:
            if self._assignment is None:
                self._assignment = load_assignment(str(self.root / "bundle" / self.relative_dir),
                                                   timeout=self.timeout)
                LOADS[self.name] += 1
                self._sandbox = self._find_sandbox(self._assignment)
            if self._zygote is None or not alive(self._zygote):
                if self._zygote is not None:
                    self._zygote.close()
                # the assignment's student environment, if it pins one
                from grader.execution.environment import zygote_for
                self._zygote = zygote_for(self._assignment, self._sandbox)
            return self._assignment, self._zygote

    def _find_sandbox(self, assignment: Assignment):
        """The sandbox hiding what it hides on one machine (``secrets_of``: the bundled
        assignments and references of every copy of the grader too), and the worker's own
        folders."""
        submissions = [Path(path) for path in self.submission_roots]
        hidden, shown = secrets_of(assignment, [self.root, self.local_directory], submissions)
        hidden += [Path(path) for path in self.secrets]
        sandbox, reason = find_sandbox(hidden, shown)
        if sandbox is None and self.require_sandbox:
            self.refusal = f"worker {self.address} has no sandbox: {reason}"
            raise WorkerRefused(self.refusal)
        return sandbox

    def grade(self, submission_id: str, path: str, location: str, shipped) -> dict:
        assignment, zygote = self.ready()
        scratch = None
        if shipped is None:
            target = Path(location)
            graded_hash = content_hash(target)
        elif shipped[0] == "unreadable":
            return self._envelope(assignment, _unreadable(assignment, submission_id, path, shipped[1]),
                                  f"unreadable:{shipped[1]}")
        else:
            scratch = target = self.root / "notebooks" / f"{uuid.uuid4().hex}.ipynb"
            with open(scratch, "wb") as handle:
                if shipped[0] == "oversize":
                    handle.truncate(shipped[1])  # sparse: refused for its size, as the original is
                    graded_hash = ""
                else:
                    handle.write(shipped[1])
                    graded_hash = hashlib.sha256(shipped[1]).hexdigest()
        try:
            result = _grade_safely(zygote, assignment, target, submission_id, path)
        finally:
            if scratch is not None:
                scratch.unlink(missing_ok=True)
        if not alive(zygote):  # it died under this notebook: not the notebook's fault, so retry
            raise RuntimeError(f"the fork server on worker {self.address} stopped while grading")
        data = result.to_dict()
        data["path"] = path  # the coordinator's path, not where this worker read it
        return self._envelope(assignment, data, graded_hash)

    def _envelope(self, assignment: Assignment, result, graded_hash: str) -> dict:
        return {"result": result if isinstance(result, dict) else result.to_dict(),
                "content_hash": graded_hash, "fingerprint": assignment.fingerprint,
                "grader": __version__, "worker": self.address, "pid": os.getpid(),
                "sandboxed": self._sandbox is not None, "no_sandbox": self.no_sandbox}

    def zygote_pid(self) -> int | None:
        """The fork server's process (bubblewrap's, when sandboxed), for the tests."""
        zygote = getattr(self, "_zygote", None)
        return zygote._process.pid if zygote is not None else None


def grade_task(plugin_name: str, submission_id: str, path: str, location: str, shipped) -> dict:
    """One notebook, graded on this worker: the result as a plain dict, in an envelope saying
    what was graded (content hash, assignment fingerprint, grader version) and where."""
    plugin = get_worker().plugins.get(plugin_name)
    if plugin is None:  # the run was cancelled, or this worker joined as it ended: Dask retries
        raise RuntimeError(f"worker has no assignment {plugin_name!r}")
    return plugin.grade(submission_id, path, location, shipped)


def _grade_safely(zygote: Zygote, assignment: Assignment, target: Path, submission_id: str,
                  path: str) -> SubmissionResult:
    """grade_notebook, and when the grader itself fails, once more before the notebook is
    listed invalid: CPython 3.11's ast is not thread-safe (``SystemError: AST constructor
    recursion depth mismatch``, python/cpython#106905) and a worker grades on several threads."""
    for attempt in (1, 2):
        try:
            return grade_notebook(zygote, assignment, target, submission_id)
        except Exception as error:  # a grader bug on one notebook must not cost the batch
            failure = f"the grader failed on this notebook: {type(error).__name__}: {error}"
    return SubmissionResult(submission_id, path, "invalid", failure, 0.0, assignment.max_score)


def alive(zygote: Zygote) -> bool:
    return zygote._process.poll() is None and not zygote._closed


def plugin_state(dask_worker=None) -> dict:
    """What each grader plugin on this worker holds (for ``client.run`` in the tests)."""
    worker = dask_worker or get_worker()
    return {"pid": os.getpid(), "loads": dict(LOADS),
            "zygotes": {name: plugin.zygote_pid() for name, plugin in worker.plugins.items()
                        if isinstance(plugin, AssignmentPlugin)}}


def _unreadable(assignment: Assignment, submission_id: str, path: str, reason: str) -> dict:
    error = str(InvalidNotebook(f"cannot read the file: {reason}"))
    return SubmissionResult(submission_id, path, "invalid", error, 0.0, assignment.max_score,
                            graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                            seconds=0.0).to_dict()
