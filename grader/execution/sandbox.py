"""The OS sandbox: bubblewrap around the fork server, so every student process lives inside it.

Inside: no network, a read-only view of the system's programs and libraries, the Python and
the grader package (and nothing else of the machine: no homes, no checkouts), a private /tmp,
its own PID, IPC and UTS namespaces, an unprivileged user with no capabilities (started as
``nobody`` when the grader runs as root, so the kernel counts its processes), a read-only root and
``/dev``, and no view of what must stay secret within what is shown:
the reference, the assignment folder (its spec holds the hidden cases), the output folder with
the gradebook, and the submissions themselves. Only the assignment's ``provided`` modules
(``rnn_utils``) are shown again. Where bubblewrap is missing or cannot run (a student's macOS
laptop), the process limits still apply and the grader says once, plainly, that there is no
sandbox.

Inside, each process that runs student code gets its own bounded scratch space
(``private_scratch``): a tmpfs in a mount namespace of its own, which no other process sees and
which is freed when the process ends; the rest of ``/tmp`` is read-only to it.
"""
from __future__ import annotations

import ctypes
import dataclasses
import os
import shutil
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.runtime import seccomp
from grader.core.case_cache import case_cache_folder  # noqa: F401  (hidden from student code below)

_PROBE_TIMEOUT = 10
UNPRIVILEGED = 65534  # nobody: who the sandbox runs as when the grader is root
SCRATCH_BYTES = 64 * 2**20  # each process's private /tmp
SCRATCH_FILES = 4096  # files and folders in it


@dataclass(frozen=True)
class Sandbox:
    bwrap: str
    hidden: tuple[Path, ...]  # folders replaced by an empty one inside
    shown: tuple[Path, ...]  # folders under a hidden one shown again, read-only
    user: int | None = None  # the host user bubblewrap runs as; None: the grader's own

    def wrap(self, command: list[str]) -> list[str]:
        # --as-pid-1: the fork server is the namespace's first process, so no bubblewrap process
        # holding the grader's descriptors sits inside where a child could open /proc/1/fd
        arguments = [self.bwrap, *_system_view(), "--dev", "/dev", "--proc", "/proc",
                     "--tmpfs", "/tmp", "--unshare-all", "--unshare-user", "--uid", "65534",
                     "--gid", "65534", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                     "--as-pid-1", "--setenv", "HOME", "/tmp", "--chdir", "/tmp"]
        for path in _needed():  # the Python, its libraries and the grader: read-only
            arguments += ["--ro-bind", str(path), str(path)]
        for path in _outermost(self.hidden):
            arguments += ["--tmpfs", str(path)]
        for path in self.shown:
            arguments += ["--ro-bind", str(path), str(path)]
        # the only writable place left is /tmp, where each child mounts its own scratch
        arguments += ["--remount-ro", "/", "--remount-ro", "/dev"]
        return arguments + ["--", *command]

    def popen_options(self) -> dict:
        """How to start the sandbox: as ``user`` when the grader is root. As root the kernel
        does not enforce RLIMIT_NPROC, whatever user namespace a process is in."""
        if self.user is None:
            return {}
        return {"user": self.user, "group": self.user, "extra_groups": []}


_SYSTEM = ("/usr", "/etc", "/sys", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def _system_view() -> list[str]:
    """The system's programs and libraries, read-only, and nothing else of the machine: not
    the homes, not /work or /srv, where an instructor's own copies of a solution may lie."""
    arguments = []
    for name in _SYSTEM:
        path = Path(name)
        if path.is_symlink():  # /lib -> usr/lib on a merged /usr
            arguments += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            arguments += ["--ro-bind", name, name]
    return arguments


def _needed() -> list[Path]:
    """What the fork server needs to start: the Python installation, the folders its packages
    are imported from (numpy), and the grader package itself (only the package: a checkout
    around it may hold build copies of the reference)."""
    paths = [sys.prefix, sys.base_prefix, Path(sys.executable).parent, Path(__file__).parent.parent,
             *_package_folders()]
    found = []
    for path in paths:
        resolved = Path(path).resolve()
        if resolved.is_dir() and resolved not in found:
            found.append(resolved)
    return found


def _grader_secrets() -> list[Path]:
    """The bundled assignments and references of every copy of the grader the sandbox may show:
    the running one (installed, or a checkout's), and any installed in a package folder beside
    it (a checkout's tests import the checkout while the virtual environment holds a copy)."""
    from grader.core.assignment import bundled_directory
    bundled = bundled_directory()
    copies = [Path(__file__).parent.parent] + [Path(folder) / "grader" for folder in _package_folders()]
    found = [bundled, bundled.parent / "reference"]
    found += [copy / name for copy in copies for name in ("reference", "assignments")]
    return [path for path in found if path.is_dir()]


def _package_folders() -> list[str]:
    folders = list(site.getsitepackages())
    user_site = site.getusersitepackages()
    if isinstance(user_site, str):
        folders.append(user_site)
    return folders


def _outermost(paths) -> list[Path]:
    """Each hidden folder once, skipping those inside another hidden one, and never one that
    holds the Python or the grader the sandbox itself runs."""
    needed = _needed()
    resolved = sorted({Path(p).resolve() for p in paths if Path(p).is_dir()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in resolved:
        if any(path.is_relative_to(outer) for outer in kept):
            continue
        if any(need.is_relative_to(path) for need in needed):
            continue
        kept.append(path)
    return kept


def sandbox_of(bwrap: str, hidden: list[Path], shown: list[Path], user: int | None = None) -> Sandbox:
    """The sandbox hiding ``hidden`` and showing ``shown``, as ``user``; unprobed. An assignment
    need not have provided modules: only what exists is shown."""
    return Sandbox(bwrap, tuple(hidden), tuple(Path(p).resolve() for p in shown if Path(p).exists()), user)


def find_sandbox(hidden: list[Path], shown: list[Path]) -> tuple[Sandbox | None, str]:
    """The sandbox to use, or None and the reason there is none."""
    if os.name != "posix" or not Path("/proc/self").exists():
        return None, "bubblewrap needs Linux"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None, "bubblewrap (bwrap) is not installed"
    sandbox = sandbox_of(bwrap, hidden, shown)
    if os.geteuid() == 0:  # as nobody if it can run so; as root it would have no process limit
        unprivileged = Sandbox(sandbox.bwrap, sandbox.hidden, sandbox.shown, UNPRIVILEGED)
        if _probe(unprivileged) is None:
            return unprivileged, ""
    reason = _probe(sandbox)
    return (None, reason) if reason else (sandbox, "")


def for_interpreter(sandbox: Sandbox, python: str, python_path: str) -> Sandbox:
    """``sandbox`` for a fork server run from another interpreter (a student environment's):
    as the grader's own user when the unprivileged one cannot run that interpreter."""
    if sandbox.user is None or _probe(sandbox, python, python_path) is None:
        return sandbox
    return dataclasses.replace(sandbox, user=None)


def _probe(sandbox: Sandbox, python: str = sys.executable, python_path: str | None = None) -> str | None:
    """Why the sandbox cannot run the fork server's Python here, or None when it can."""
    command = [python, "-c", "import numpy, grader.runtime.child"]
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                   "PYTHONPATH": python_path or str(Path(__file__).parent.parent.parent)}
    try:
        probe = subprocess.run(sandbox.wrap(command), capture_output=True, timeout=_PROBE_TIMEOUT,
                               stdin=subprocess.DEVNULL, cwd="/", env=environment, **sandbox.popen_options())
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap cannot start here ({error})"
    if probe.returncode != 0:
        reason = probe.stderr.decode(errors="replace").strip().splitlines()
        return f"bubblewrap cannot run here ({reason[-1] if reason else probe.returncode})"
    return None


def secrets_of(assignment, outputs: list[Path], submissions: list[Path]) -> tuple[list[Path], list[Path]]:
    """What to hide from student code, and what to show again beneath it (``assignment``: an
    Assignment, or the AssignmentPaths read before it loads)."""
    reference = Path(assignment.reference_path).resolve().parent
    hidden = [assignment.directory, assignment.directory.parent, reference, *outputs, case_cache_folder(),
              *_grader_secrets()]
    hidden += [path if path.is_dir() else path.parent for path in submissions]
    return hidden, [assignment.provided]


# ---------------------------------------------------------------- each child's own scratch

_CLONE_NEWNS, _CLONE_NEWUSER = 0x00020000, 0x10000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REMOUNT, _MS_BIND, _MS_REC = 1, 2, 4, 32, 4096, 16384
_MS_KEPT = 2 | 4 | 8 | 1024 | 2048 | 4096  # nosuid, nodev, noexec, noatime, nodiratime, relatime


def private_scratch(folder: str) -> bool:
    """Make ``folder`` (under /tmp) this process's own: a fresh tmpfs of SCRATCH_BYTES and
    SCRATCH_FILES, in a user and mount namespace of the process's own, with the rest of /tmp
    read-only. A child calls this right after the fork, before any student code; it then drops
    every capability (and the seccomp filter forbids mounting and new namespaces). No other
    process can reach the folder, and the kernel frees it when the process ends, however much or
    deep it holds. In its own user namespace the process's RLIMIT_NPROC counts only its own
    threads. False where it cannot be done (no user namespaces): the folder is then an ordinary
    one in the shared /tmp."""
    libc = seccomp.LIBC  # loaded by the fork server, like the structures below: not once per child
    if libc is None:
        return False
    try:
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS) != 0:
            return False
        for name, line in (("setgroups", b"deny"), ("uid_map", b"%d %d 1" % (uid, uid)),
                           ("gid_map", b"%d %d 1" % (gid, gid))):
            mapping = os.open(f"/proc/self/{name}", os.O_WRONLY)
            try:
                os.write(mapping, line)
            finally:
                os.close(mapping)
        # /tmp bound on itself (so its flags are ours to change, with what is mounted below it),
        # then read-only: a provided folder shown under it stays visible, other files cannot be made
        # (keeping the flags it has: the kernel refuses to drop those its creator locked)
        kept = os.statvfs("/tmp").f_flag & _MS_KEPT  # statvfs's ST_ flags are the mount flags
        shared = (libc.mount(b"/tmp", b"/tmp", None, _MS_BIND | _MS_REC, None) == 0
                  and libc.mount(None, b"/tmp", None, kept | _MS_REMOUNT | _MS_BIND | _MS_RDONLY, None) == 0)
        mounted = libc.mount(b"tmpfs", folder.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, _SCRATCH_OPTIONS) == 0
        libc.capset(_NO_CAPABILITIES[0], _NO_CAPABILITIES[1])  # none left, not even in its own namespace
        if mounted:  # where temporary files go by default: the only place left to write
            os.environ["TMPDIR"] = os.environ["HOME"] = folder
            tempfile.tempdir = folder
        return mounted and shared
    except (OSError, AttributeError, ValueError):
        return False


_SCRATCH_OPTIONS = f"size={SCRATCH_BYTES},nr_inodes={SCRATCH_FILES},mode=0700".encode()


class _CapabilityHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


# capset's arguments: _LINUX_CAPABILITY_VERSION_3 for this process, and effective, permitted and
# inheritable sets (twice) all zero
_NO_CAPABILITIES = (ctypes.pointer(_CapabilityHeader(0x20080522, 0)), (ctypes.c_uint32 * 6)())
