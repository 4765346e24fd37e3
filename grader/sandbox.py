"""The OS sandbox: bubblewrap around the fork server, so every student process lives inside it.

Inside: no network, a read-only view of the system's programs and libraries, the Python and
the grader package (and nothing else of the machine: no homes, no checkouts), a private /tmp,
its own PID, IPC and UTS namespaces, an unprivileged user with no capabilities, and no view of
what must stay secret within what is shown:
the reference, the assignment folder (its spec holds the hidden cases), the output folder with
the gradebook, and the submissions themselves. Only the assignment's ``provided`` modules
(``rnn_utils``) are shown again. Where bubblewrap is missing or cannot run (a student's macOS
laptop), the process limits still apply and the grader says once, plainly, that there is no
sandbox.
"""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_PROBE_TIMEOUT = 10


@dataclass(frozen=True)
class Sandbox:
    bwrap: str
    hidden: tuple[Path, ...]  # folders replaced by an empty one inside
    shown: tuple[Path, ...]  # folders under a hidden one shown again, read-only

    def wrap(self, command: list[str]) -> list[str]:
        arguments = [self.bwrap, *_system_view(), "--dev", "/dev", "--proc", "/proc",
                     "--tmpfs", "/tmp", "--unshare-all", "--unshare-user", "--uid", "65534",
                     "--gid", "65534", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                     "--setenv", "HOME", "/tmp", "--chdir", "/tmp"]
        for path in _needed():  # the Python, its libraries and the grader: read-only
            arguments += ["--ro-bind", str(path), str(path)]
        for path in _outermost(self.hidden):
            arguments += ["--tmpfs", str(path)]
        for path in self.shown:
            arguments += ["--ro-bind", str(path), str(path)]
        return arguments + ["--", *command]


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
    paths = [sys.prefix, sys.base_prefix, Path(sys.executable).parent, Path(__file__).parent,
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
    from grader.assignment import bundled_directory
    bundled = bundled_directory()
    copies = [Path(__file__).parent] + [Path(folder) / "grader" for folder in _package_folders()]
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


def find_sandbox(hidden: list[Path], shown: list[Path]) -> tuple[Sandbox | None, str]:
    """The sandbox to use, or None and the reason there is none."""
    if os.name != "posix" or not Path("/proc/self").exists():
        return None, "bubblewrap needs Linux"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None, "bubblewrap (bwrap) is not installed"
    # an assignment need not have provided modules: only what exists is shown
    sandbox = Sandbox(bwrap, tuple(hidden), tuple(Path(p).resolve() for p in shown if Path(p).exists()))
    try:
        probe = subprocess.run(sandbox.wrap(["/bin/sh", "-c", "exit 0"]), capture_output=True,
                               timeout=_PROBE_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"bubblewrap cannot start here ({error})"
    if probe.returncode != 0:
        reason = probe.stderr.decode(errors="replace").strip().splitlines()
        return None, f"bubblewrap cannot run here ({reason[-1] if reason else probe.returncode})"
    return sandbox, ""


def case_cache_folder() -> Path:
    """Where built cases (hidden expected values among them) are cached between runs."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "notebook-grader"


def secrets_of(assignment, outputs: list[Path], submissions: list[Path]) -> tuple[list[Path], list[Path]]:
    """What to hide from student code, and what to show again beneath it (``assignment``: an
    Assignment, or the AssignmentPaths read before it loads)."""
    reference = Path(assignment.reference_path).resolve().parent
    hidden = [assignment.directory, assignment.directory.parent, reference, *outputs, case_cache_folder(),
              *_grader_secrets()]
    hidden += [path if path.is_dir() else path.parent for path in submissions]
    return hidden, [assignment.provided]
