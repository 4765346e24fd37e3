"""The student environment: the packages an assignment's student code runs with.

A spec may pin them, as courses do (their notebooks ran numpy 1.x, and numpy 2 refuses some of
what they teach)::

    [environment]
    packages = ["numpy==1.26.4"]

The grader builds that environment once, a virtual environment made from its own Python, with
pip, in the cache folder (``environments/<key>``, keyed by the Python and the packages: two
assignments that pin the same packages share it), and starts the fork server from its
interpreter. Only the grader package is put on that interpreter's path, not the grader's own
packages, so student code imports the pinned numpy. Results come back as plain data (dtype,
shape, bytes), which the grader compares with its own numpy whatever the student side had.
Without a declaration, student code runs with the grader's own Python and packages.

A declaration that cannot be met (pip cannot install it: a version that does not exist, no
network) is a one-line error before any grading.
"""
from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.core.assignment import AssignmentError
from grader.core.case_cache import case_cache_folder
from grader.execution.sandbox import for_interpreter
from grader.execution.zygote import Zygote

_BUILD_SECONDS = 900


class StudentEnvironmentError(AssignmentError):
    """The student environment cannot be built; the message says why, in one line."""


@dataclass(frozen=True)
class StudentEnvironment:
    packages: tuple[str, ...]
    folder: Path

    @property
    def python(self) -> Path:
        return self.folder / "bin" / "python"

    def grader_path(self) -> Path:
        """A folder holding only the grader package (a link to it): the fork server's PYTHONPATH,
        so the interpreter finds the grader without the grader's own numpy."""
        package = Path(__file__).resolve().parent.parent
        folder = self.folder / f"grader-path-{hashlib.sha256(str(package).encode()).hexdigest()[:12]}"
        link = folder / "grader"
        if not (link.is_symlink() and Path(os.readlink(link)) == package):
            folder.mkdir(exist_ok=True)
            temporary = folder / f".grader.{os.getpid()}"
            temporary.unlink(missing_ok=True)
            temporary.symlink_to(package, target_is_directory=True)
            os.replace(temporary, link)
        return folder


def declared_packages(directory: Path | None) -> tuple[str, ...]:
    """The packages the spec in ``directory`` names for student code (empty: none declared)."""
    if directory is None or not (Path(directory) / "spec.toml").is_file():
        return ()
    path = Path(directory) / "spec.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("environment", {})
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AssignmentError(f"{path}: {error}") from None
    packages = table.get("packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, str) and p.strip() for p in packages):
        raise AssignmentError(f"{path}: [environment] packages must be a list of requirements, e.g. [\"numpy==1.26.4\"]")
    packages = [p.strip() for p in packages]
    if packages and not any(_project(p) == "numpy" for p in packages):
        packages.insert(0, "numpy")  # the child process itself needs it
    return tuple(packages)


def _project(requirement: str) -> str:
    name = requirement
    for stop in "=<>!~[; ":
        name = name.split(stop)[0]
    return name.strip().lower().replace("_", "-")


def student_environment(directory: Path | None) -> StudentEnvironment | None:
    """The assignment's student environment, built if it is not yet (None: none declared)."""
    packages = declared_packages(directory)
    if not packages:
        return None
    key = hashlib.sha256("\n".join([sys.version, sys.platform, *sorted(packages)]).encode()).hexdigest()[:16]
    root = case_cache_folder() / "environments"
    environment = StudentEnvironment(packages, root / key)
    where = f"{Path(directory) / 'spec.toml'}: the student environment ({', '.join(packages)})"
    try:
        root.mkdir(parents=True, exist_ok=True)
        with open(root / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one build, however many graders start at once
            if not _usable(environment):
                _build(environment, where)
    except OSError as error:
        raise StudentEnvironmentError(f"{where} cannot be built: {error}") from None
    return environment


def _usable(environment: StudentEnvironment) -> bool:
    return (environment.folder / "complete").is_file() and environment.python.exists()


def _build(environment: StudentEnvironment, where: str) -> None:
    building = environment.folder.with_name(f"{environment.folder.name}.{os.getpid()}.building")
    shutil.rmtree(building, ignore_errors=True)
    shutil.rmtree(environment.folder, ignore_errors=True)
    steps = [  # the requirements resolved first, with no environment made: a wrong pin fails in seconds
             [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--disable-pip-version-check",
              "--no-input", "--quiet", *environment.packages],
             [sys.executable, "-m", "venv", str(building)],
             [str(building / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
              "--no-input", "--quiet", *environment.packages]]
    try:
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=_BUILD_SECONDS,
                                  stdin=subprocess.DEVNULL)
            if done.returncode != 0:
                lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
                errors = [line for line in lines if line.startswith("ERROR")] or lines
                raise StudentEnvironmentError(f"{where} cannot be built: {errors[-1] if errors else f'exit {done.returncode}'}")
        (building / "complete").write_text("\n".join(environment.packages) + "\n")
        os.replace(building, environment.folder)  # the interpreter finds its packages from where it is
    except subprocess.TimeoutExpired:
        raise StudentEnvironmentError(f"{where} cannot be built: pip took more than {_BUILD_SECONDS} s") from None
    finally:
        shutil.rmtree(building, ignore_errors=True)


def zygote_for(assignment, sandbox) -> Zygote:
    """The fork server for ``assignment`` (an Assignment, its AssignmentPaths, or a student
    bundle): from its student environment's interpreter when it declares one, the sandbox then
    showing that environment's folder."""
    environment = student_environment(getattr(assignment, "directory", None))
    if environment is None:
        return Zygote(sandbox)
    if sandbox is not None:
        sandbox = dataclasses.replace(sandbox, shown=(*sandbox.shown, environment.folder.resolve()))
    try:
        grader_path = environment.grader_path()
    except OSError as error:
        raise StudentEnvironmentError(f"the student environment {environment.folder} cannot be used: {error}") from None
    if sandbox is not None:
        sandbox = for_interpreter(sandbox, str(environment.python), str(grader_path))
    return Zygote(sandbox, python=str(environment.python), python_path=str(grader_path))
