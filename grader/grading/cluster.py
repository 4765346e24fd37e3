"""Grade a batch on a Dask cluster: the coordinator's side of ``grader grade --scheduler ADDRESS``.

The machine that runs ``grader grade`` only plans and records: it ships the assignment to the
workers once, sends them one small task per notebook, and hands back each result as it arrives,
for the caller to commit to the gradebook. It never runs student code. Each worker process loads
the assignment once and keeps one fork server under the sandbox (see ``grader.grading.cluster_worker``);
student code runs in that fork server's children, the trusted comparison in the worker itself,
exactly as on one machine.

Nothing here imports Dask until :func:`grade_on_dask` is called: Dask is an optional extra
(``pip install 'notebook-grader[dask]'``).
"""
from __future__ import annotations

import hashlib
import io
import os
import sys
import time
import tomllib
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from grader import __version__
from grader.core.assignment import SPEC_FILE, find_assignment
from grader.grading.gradebook import Key
from grader.core.notebook import MAX_NOTEBOOK_BYTES
from grader.core.results import SubmissionResult

Item = tuple[str, Path, Key]  # (submission id, path, what it is graded from), as cli.py plans them

_SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".git"}
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same assignment always packs to the same bytes


class ClusterError(Exception):
    """The cluster cannot grade the batch (unreachable, misconfigured, a worker refused, or some
    notebooks could not be graded); the message says what to do. Results yielded before it was
    raised are sound and stay in the gradebook: running the command again grades the rest."""


def grade_on_dask(scheduler: str | None, assignment_dir: Path | str | None, timeout: float | None,
                  todo: Sequence[Item], *, ship_notebooks: bool = False, require_sandbox: bool = True,
                  submission_roots: Sequence[Path] | None = None, jobs: int | None = None,
                  client=None, connect_timeout: float = 20.0, retries: int = 2,
                  note: Callable[[str], None] | None = None) -> Iterator[tuple[Item, SubmissionResult]]:
    """(item, result) for every item of ``todo``, in the order they finish on the cluster.

    ``scheduler``: the scheduler's address (``tcp://HOST:8786``); None connects to the one
    named in Dask's configuration (``DASK_SCHEDULER_ADDRESS``), else starts a local cluster of
    one worker process with ``jobs`` threads, for trying it on one machine.
    ``assignment_dir``: the assignment folder, or a bundled assignment's name (as ``--assignment``).
    ``ship_notebooks``: send each notebook's bytes to the worker instead of its path (for workers
    that do not see the coordinator's files at the same path).
    ``require_sandbox``: a worker without bubblewrap refuses to grade (False: grade there with
    process limits alone, like ``--no-sandbox``).
    ``submission_roots``: the folders the notebooks were found in, hidden from student code on the
    workers like on one machine (default: worked out from the paths in ``todo``).
    ``client``: an existing ``distributed.Client`` to use (left open) instead of connecting.
    ``note``: called with a one-line note (a worker grading without the sandbox).

    An item comes back with another ``Key`` only when the worker graded other bytes than the
    coordinator hashed (the notebook changed meanwhile): the key then says what was graded, so
    a rerun regrades it. A worker that dies mid-task costs a retry on another worker; the caller
    sees each item at most once, and every item unless :class:`ClusterError` is raised.
    """
    if not todo:
        return
    try:
        from distributed import Client, as_completed

        from grader.grading import cluster_worker
    except ImportError as error:
        raise ClusterError(f"Dask is not installed ({error.name} is missing): "
                           "pip install 'notebook-grader[dask]'") from None
    directory = find_assignment(None if assignment_dir is None else str(assignment_dir))
    bundle, relative = pack_assignment(directory)
    roots = submission_roots if submission_roots is not None else _common_roots([p for _, p, _ in todo])
    plugin = cluster_worker.AssignmentPlugin(
        bundle=bundle, relative_dir=relative, timeout=timeout, require_sandbox=require_sandbox,
        grader_version=__version__, secrets=[str(path) for path in _coordinator_secrets(directory)],
        submission_roots=[str(Path(path).absolute()) for path in roots])
    plugin_name = f"grader-{directory.name}-{uuid.uuid4().hex[:12]}"
    run = plugin_name.removeprefix("grader-")
    cluster, own_client = None, client is None
    if own_client:
        cluster, client = _connect(Client, scheduler, jobs, connect_timeout)
    futures: dict = {}
    try:
        try:
            client.wait_for_workers(1, timeout=connect_timeout)
        except TimeoutError:
            raise ClusterError(f"no Dask worker joined {_where(client)} within {connect_timeout:g} s: "
                               f"start one with `dask worker {_where(client)}`") from None
        try:
            client.register_plugin(plugin, name=plugin_name)
        except cluster_worker.WorkerRefused as refusal:
            raise ClusterError(str(refusal)) from None
        stream = as_completed(loop=client.loop)
        pending = iter(enumerate(todo))
        window = _Window(client)
        noted: set[str] = set()
        failures: list[tuple[str, str]] = []

        def fill() -> None:
            while len(futures) < window.size():
                following = next(pending, None)
                if following is None:
                    return
                index, item = following
                submission_id, path, _ = item
                shipped, sent_hash = _payload(Path(path)) if ship_notebooks else (None, None)
                future = client.submit(
                    cluster_worker.grade_task, plugin_name, submission_id, str(path),
                    str(Path(path).absolute()), shipped, key=f"grade-{run}-{index}",
                    retries=retries, pure=False)
                futures[future.key] = (future, item, sent_hash)
                stream.add(future)

        fill()
        for future in stream:
            _, item, sent_hash = futures.pop(future.key)
            if future.status != "finished":
                error = _failure(future)
                if isinstance(error, cluster_worker.WorkerRefused):
                    raise ClusterError(str(error))
                if future.status == "cancelled":
                    raise ClusterError(f"the scheduler at {_where(client)} dropped the batch "
                                       "(restarted or lost?); run the command again to grade the rest")
                failures.append((item[0], f"{type(error).__name__}: {error}"))
            else:
                envelope = future.result()
                if not envelope["sandboxed"] and envelope["worker"] not in noted:
                    noted.add(envelope["worker"])
                    if note:
                        note(f"worker {envelope['worker']} has no sandbox ({envelope['no_sandbox']}); "
                             "student code runs there with process limits alone")
                yield _checked(item, sent_hash, envelope, ship_notebooks)
            future.release()
            fill()
        if failures:
            first_id, reason = failures[0]
            raise ClusterError(f"{len(failures)} notebook(s) could not be graded on the cluster "
                               f"(first: {first_id}: {reason}); the others are in the gradebook: "
                               "run the command again to grade these")
    finally:
        if futures:
            client.cancel([future for future, _, _ in futures.values()], force=True)
        try:
            if client.status == "running":
                client.unregister_worker_plugin(plugin_name)
        except Exception:  # noqa: BLE001  (a worker gone meanwhile; its plugin went with it)
            pass
        if own_client:
            client.close()
            if cluster is not None:
                cluster.close()


def pack_assignment(directory: Path) -> tuple[bytes, str]:
    """The assignment as zip bytes (its folder, and the reference, case builders and mistakes its
    spec names wherever they live), and the folder's path inside the zip: unpacked anywhere, the
    spec's relative paths still hold."""
    directory = directory.resolve()
    spec = tomllib.loads((directory / SPEC_FILE).read_text())
    named = [spec.get("reference"), spec.get("cases"), spec.get("mistakes", "mistakes.py")]
    files = {path.resolve() for path in directory.rglob("*")
             if path.is_file() and not _SKIPPED_PARTS & set(path.relative_to(directory).parts)
             and path.suffix != ".pyc"}
    files |= {(directory / name).resolve() for name in named
              if isinstance(name, str) and (directory / name).is_file()}
    root = Path(os.path.commonpath([directory, *(path.parent for path in files)]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), _ZIP_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue(), directory.relative_to(root).as_posix()


def _connect(Client, scheduler: str | None, jobs: int | None, connect_timeout: float):
    """(local cluster or None, client): the scheduler named, the configured one, or a local one."""
    import dask

    address = scheduler or dask.config.get("scheduler-address", None)
    if address:
        try:
            return None, Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {error} "
                               "(is `dask scheduler` running there?)") from None
    from distributed import LocalCluster

    threads = jobs or 2 * (os.cpu_count() or 1)
    with warnings.catch_warnings():  # "port 8787 is in use": no dashboard is asked for anyway
        warnings.simplefilter("ignore")
        cluster = LocalCluster(n_workers=1, threads_per_worker=threads, processes=True,
                               dashboard_address=None)
    return cluster, Client(cluster, set_as_default=False)


class _Window:
    """How many tasks to keep in flight: twice the cluster's threads (re-read every few seconds,
    as workers come and go), so every thread has work queued and memory stays flat however
    many notebooks there are."""

    def __init__(self, client) -> None:
        self._client = client
        self._size = 0
        self._read_at = -1e9

    def size(self) -> int:
        if time.monotonic() - self._read_at > 2.0:
            try:
                threads = sum(self._client.nthreads().values())
            except Exception:  # noqa: BLE001  (keep the last figure while the scheduler is busy)
                threads = 0
            self._size = max(self._size if threads == 0 else 0, 2 * threads, 4)
            self._read_at = time.monotonic()
        return self._size


def _payload(path: Path) -> tuple[tuple, str | None]:
    """What the worker receives instead of a path, and the content hash of what was sent."""
    if path.is_symlink():  # as grader.core.notebook refuses it: the link's target is not the student's
        return ("unreadable", "it is a symbolic link, not a notebook file"), None
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:  # the worker makes a sparse file this size: the same refusal
            return ("oversize", size), None
        data = path.read_bytes()
    except OSError as error:
        return ("unreadable", error.strerror or str(error)), None
    return ("bytes", data), hashlib.sha256(data).hexdigest()


def _checked(item: Item, sent_hash: str | None, envelope: dict, shipped: bool):
    """The item and its result, once the worker is known to have graded what the item says."""
    submission_id, path, key = item
    worker = envelope["worker"]
    if envelope["fingerprint"] != key.fingerprint:
        raise ClusterError(f"worker {worker} graded with another version of the assignment "
                           f"(fingerprint {envelope['fingerprint']}, here {key.fingerprint}): did it "
                           "change during the run? Run the command again")
    graded = sent_hash if shipped else envelope["content_hash"]
    if not shipped and graded.startswith("unreadable:") and not key.content_hash.startswith("unreadable:"):
        raise ClusterError(f"worker {worker} cannot read {path} ({envelope['result']['error']}): "
                           "the submissions must be at the same path on every worker (a shared "
                           "folder), or pass --ship-notebooks to send them from here")
    if graded is not None and graded != key.content_hash:
        item = (submission_id, path, Key(graded, key.fingerprint, key.grader))
    return item, SubmissionResult.from_dict(envelope["result"])


def _failure(future) -> BaseException:
    try:
        return future.exception(timeout=10) or RuntimeError(future.status)
    except Exception as error:  # noqa: BLE001  (cancelled futures raise instead of returning)
        return error


def _where(client) -> str:
    try:
        return client.scheduler.address
    except Exception:  # noqa: BLE001
        return "the scheduler"


def _coordinator_secrets(directory: Path) -> list[Path]:
    """What this machine would hide from student code about the assignment (the folder, the
    folder of assignments, the reference's folder): hidden on a worker too when it sees them."""
    spec = tomllib.loads((directory / SPEC_FILE).read_text())
    secrets = [directory, directory.parent]
    if isinstance(spec.get("reference"), str):
        secrets.append((directory / spec["reference"]).resolve().parent)
    return secrets


def _common_roots(paths: list[Path]) -> list[Path]:
    """The folders to hide so no student sees another's notebook: their common folder when it
    is a real one, else each notebook's own folder."""
    folders = sorted({Path(path).absolute().parent for path in paths})
    if not folders:
        return []
    common = Path(os.path.commonpath(folders))
    needed = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix, Path(__file__).parent.parent)]
    if len(common.parts) > 2 and not any(need.is_relative_to(common.resolve()) for need in needed):
        return [common]
    return folders
