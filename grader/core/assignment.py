"""Assignment: a folder with ``spec.toml``, its case builders and its reference, loaded once.

Loading builds every seeded case and runs the reference on it, so expected values are computed
once per assignment, not once per submission. The reference module lives only in this (the
grader's) process. Built cases are kept between runs by ``case_cache``; the reference's calls
between graded functions are recorded by ``replay``.
"""
from __future__ import annotations

import hashlib
import importlib.util
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from grader import __version__
from grader.runtime import codec
from grader.core.case_cache import cache_cases, cached_cases
from grader.core.replay import parameter_names, run_recording  # noqa: F401  (parameter_names: as before)

SPEC_FILE = "spec.toml"


class AssignmentError(Exception):
    """The assignment cannot be found or its spec is wrong; the message says where."""


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


@dataclass(frozen=True)
class Limits:
    timeout: float  # wall-clock seconds per call
    memory_bytes: int
    output_bytes: int
    open_files: int = 64
    processes: int = 64
    submission_timeout: float | None = None  # wall-clock seconds for a whole notebook; None: default

    @property
    def submission_seconds(self) -> float:
        """The time budget of one notebook, all its functions and cases together: by default ten
        calls' worth, at least 30 s and at most 5 minutes."""
        if self.submission_timeout is not None:
            return self.submission_timeout
        return min(300.0, max(30.0, 10 * self.timeout))


@dataclass(frozen=True)
class Case:
    name: str
    visibility: str  # "public" or "hidden"
    about: str
    weight: float
    builder: str
    arguments: dict  # what the builder was called with: enough to rebuild the inputs
    inputs: dict = field(repr=False)
    expected: object = field(repr=False)

    @property
    def hidden(self) -> bool:
        return self.visibility == "hidden"


@dataclass(frozen=True)
class GradedFunction:
    name: str
    points: float
    returns: tuple[str, ...] | None  # names of a returned tuple's elements; None: returns a dict
    compare: tuple[str, ...]
    tolerance: Tolerance
    cases: tuple[Case, ...]
    inputs_messages: tuple[bytes, ...] = field(repr=False)  # each case's inputs, for the child
    # the reference's answers to the calls the reference itself makes to other graded functions
    # on these cases (call key -> encoded result): a correct student's calls are answered from
    # here without a round trip to the grader
    replay: dict = field(repr=False, default_factory=dict)
    section: str = ""  # the heading of the assignment's text this function follows
    # returns one value, not a tuple (``returns = "cost"``): its expected value, and what a child
    # sends back, are held as a tuple of one, so comparing, hints and reports see one output
    single: bool = False
    # the graded functions its reference calls on its cases: the only ones a student's version
    # may call and have answered by the reference (its stand-ins); any other graded name is
    # the student's own definition
    stand_ins: tuple[str, ...] = ()

    def as_returned(self, value):
        """A result as the engine holds it: a single value as a 1-tuple, else as it is."""
        return (value,) if self.single else value

    def expected_output(self, case: Case, output: str):
        if self.returns is None:
            return case.expected[output]
        return case.expected[self.returns.index(output)]


@dataclass(frozen=True, eq=False)
class Assignment:
    name: str
    title: str
    directory: Path
    functions: tuple[GradedFunction, ...]
    provided: Path
    ignored_modules: frozenset[str]
    reveal_hidden: bool
    limits: Limits
    reference: ModuleType = field(repr=False)
    mistakes: ModuleType | None = field(repr=False)
    fingerprint: str  # changes when the spec, the cases, the reference or the mistakes change
    signatures: dict = field(repr=False)  # parameter names of each graded function
    # what each function's process receives: its case inputs, replay table and kept outputs
    payloads: dict = field(repr=False)
    check_runs_hidden: bool = False  # the spec lets a student's check run the hidden cases
    # values worked out once per assignment and shared by all its submissions (hints: what each
    # known mistake returns on each case; the child's payload message); filled as first needed.
    # Not an argument: a copy made with dataclasses.replace (a student's view, with fewer cases)
    # starts with its own
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def once(self, key, make):
        """``make()``, worked out the first time ``key`` is asked for and kept in ``memo``."""
        value = self.memo.get(key)
        if value is None:
            value = self.memo[key] = make()
        return value

    @property
    def reference_path(self) -> Path:
        return Path(getattr(self.reference, "__file__", self.directory))

    @property
    def graded_names(self) -> tuple[str, ...]:
        return tuple(function.name for function in self.functions)

    @property
    def max_score(self) -> float:
        return sum(function.points for function in self.functions)

    def function(self, name: str) -> GradedFunction:
        for function in self.functions:
            if function.name == name:
                return function
        raise KeyError(name)


def bundled_directory() -> Path:
    """Where the bundled assignments live: inside the installed package, or in a checkout."""
    spec = importlib.util.find_spec("grader.assignments")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(__file__).resolve().parent.parent.parent / "assignments"


def bundled_assignments() -> list[str]:
    root = bundled_directory()
    return sorted(p.parent.name for p in root.glob(f"*/{SPEC_FILE}"))


def find_assignment(name: str | None) -> Path:
    """The folder of the assignment named (bundled name or path); the only one if none is named."""
    if name is None:
        names = bundled_assignments()
        if len(names) != 1:
            raise AssignmentError(f"name the assignment with --assignment (bundled: {', '.join(names) or 'none'})")
        return bundled_directory() / names[0]
    path = Path(name)
    if (path / SPEC_FILE).is_file():
        return path.resolve()
    if path.name == SPEC_FILE and path.is_file():
        return path.parent.resolve()
    if (bundled_directory() / name / SPEC_FILE).is_file():
        return bundled_directory() / name
    raise AssignmentError(f"unknown assignment {name!r}: not a folder with {SPEC_FILE}, nor a bundled "
                          f"assignment ({', '.join(bundled_assignments()) or 'none bundled'})")


@dataclass(frozen=True)
class AssignmentPaths:
    """Where an assignment's parts lie, read from its spec without loading anything: enough to
    set up the sandbox while the assignment itself loads."""
    directory: Path
    reference_path: Path
    provided: Path


def assignment_paths(name: str | Path | None = None) -> AssignmentPaths:
    directory = find_assignment(None if name is None else str(name))
    try:
        spec = tomllib.loads((directory / SPEC_FILE).read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AssignmentError(f"{directory / SPEC_FILE}: {error}") from None
    return AssignmentPaths(directory, directory / str(spec.get("reference", "")),
                           directory / str(spec.get("provided", "provided")))


def load_assignment(name: str | None = None, *, timeout: float | None = None) -> Assignment:
    directory = find_assignment(name)
    spec_path = directory / SPEC_FILE
    try:
        spec = tomllib.loads(spec_path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AssignmentError(f"{spec_path}: {error}") from None
    where = f"{spec_path}:"
    reference_path = directory / _required(spec, "reference", str, where)
    cases_path = directory / _required(spec, "cases", str, where)
    mistakes_path = directory / spec.get("mistakes", "mistakes.py")
    reference = _load_module(reference_path, f"_grader_reference_{directory.name}", where)
    builders = _load_module(cases_path, f"_grader_cases_{directory.name}", where)
    mistakes = (_load_module(mistakes_path, f"_grader_mistakes_{directory.name}", where)
                if mistakes_path.is_file() else None)
    defaults = spec.get("defaults", {})
    limits = Limits(
        timeout=float(timeout if timeout is not None else defaults.get("timeout", 5.0)),
        memory_bytes=int(defaults.get("memory_mb", 1024)) * 2**20,
        output_bytes=int(defaults.get("output_kb", 1024)) * 1024,
        submission_timeout=(float(defaults["submission_timeout"]) if "submission_timeout" in defaults else None),
    )
    entries = _required(spec, "functions", list, where)
    graded_names = [entry.get("name") for entry in entries if isinstance(entry, dict)]
    digest = hashlib.sha256(f"{__version__} {codec.WIRE_FORMAT}".encode())
    for path in (spec_path, reference_path, cases_path, mistakes_path):
        if path.is_file():
            digest.update(path.read_bytes())
    sources = digest.hexdigest()[:16]
    functions = cached_cases(directory.name, sources)
    if functions is None:
        functions = tuple(_graded_function(entry, defaults, reference, builders, graded_names,
                                           f"{where} functions[{i}]")
                          for i, entry in enumerate(entries))
        cache_cases(directory.name, sources, functions)
    # what each function's stand-ins are decides what a student's code may have answered:
    # results graded under other stand-ins are not comparable
    digest.update(repr([(f.name, f.stand_ins) for f in functions]).encode())
    fingerprint = digest.hexdigest()[:16]
    names = [function.name for function in functions]
    if len(set(names)) != len(names):
        raise AssignmentError(f"{where} a function is listed twice")
    return Assignment(
        name=str(spec.get("name", directory.name)),
        title=str(spec.get("title", directory.name)),
        directory=directory,
        functions=functions,
        provided=directory / spec.get("provided", "provided"),
        ignored_modules=frozenset(spec.get("ignored_imports", [])),
        reveal_hidden=bool(spec.get("reveal_hidden", False)),
        check_runs_hidden=bool(spec.get("check_runs_hidden", False)),
        limits=limits,
        reference=reference,
        mistakes=mistakes,
        fingerprint=fingerprint,
        signatures={f.name: parameter_names(getattr(reference, f.name)) for f in functions},
        payloads={f.name: codec.encode_trusted([list(f.inputs_messages), f.replay, _kept_outputs(f)])
                  for f in functions},
    )


def _graded_function(entry: dict, defaults: dict, reference, builders, graded_names: list[str],
                     where: str) -> GradedFunction:
    name = _required(entry, "name", str, where)
    where = f"{where} ({name})"
    implementation = getattr(reference, name, None)
    if not callable(implementation):
        raise AssignmentError(f"{where}: the reference has no function {name}")
    returns = _required(entry, "returns", (list, str), where)
    single = isinstance(returns, str) and returns != "dict"  # the name of one returned value
    if single and not returns.isidentifier():
        raise AssignmentError(f"{where}: returns must be a list of names, one name, or \"dict\"")
    returns = (returns,) if single else tuple(returns) if isinstance(returns, list) else None
    compare = tuple(_required(entry, "compare", list, where))
    if returns is not None and not set(compare) <= set(returns):
        raise AssignmentError(f"{where}: compare names {sorted(set(compare) - set(returns))} not in returns")
    tolerance = Tolerance(float(entry.get("rtol", defaults.get("rtol", 1e-6))),
                          float(entry.get("atol", defaults.get("atol", 1e-8))))
    builder_name = entry.get("builder")
    cases = []
    replay: dict[str, bytes] = {}
    called: set[str] = set()
    for index, raw in enumerate(_required(entry, "cases", list, where)):
        case_where = f"{where} cases[{index}]"
        builder = raw.get("builder", builder_name)
        build = getattr(builders, str(builder), None)
        if not callable(build):
            raise AssignmentError(f"{case_where}: no case builder {builder!r} in the cases module")
        arguments = dict(raw.get("args", {}))
        visibility = raw.get("visibility", "hidden")
        if visibility not in ("public", "hidden"):
            raise AssignmentError(f"{case_where}: visibility must be public or hidden")
        try:
            inputs = _plain(build(reference, **arguments))
            expected = _plain(run_recording(reference, name, graded_names, inputs, replay, called))
            if single:
                expected = (expected,)
        except Exception as error:
            raise AssignmentError(f"{case_where}: building the case failed: {type(error).__name__}: {error}") from None
        if returns is None and not isinstance(expected, dict):
            raise AssignmentError(f"{case_where}: the reference does not return a dict")
        if returns is not None and (not isinstance(expected, tuple) or len(expected) != len(returns)):
            raise AssignmentError(f"{case_where}: the reference does not return {len(returns)} values")
        cases.append(Case(
            name=_required(raw, "name", str, case_where), visibility=visibility,
            about=str(raw.get("about", "")), weight=float(raw.get("weight", 1.0)),
            builder=str(builder), arguments=arguments, inputs=inputs, expected=expected))
    if not cases:
        raise AssignmentError(f"{where}: no cases")
    return GradedFunction(
        name=name, points=float(_required(entry, "points", (int, float), where)), returns=returns,
        compare=compare, tolerance=tolerance, cases=tuple(cases),
        inputs_messages=tuple(codec.encode_trusted(case.inputs) for case in cases), replay=replay,
        section=str(entry.get("section", "")), single=single, stand_ins=tuple(sorted(called)))


def _kept_outputs(function: GradedFunction) -> list:
    """What the child sends back: the compared positions of a tuple, or keys of a dict."""
    if function.returns is None:
        return ["dict", list(function.compare)]
    if function.single:
        return ["single"]
    return ["tuple", len(function.returns), [function.returns.index(name) for name in function.compare]]


def _plain(value):
    """The value as it would arrive from a child: the same types on both sides of a comparison."""
    return codec.decode(codec.encode(value))


def _required(table: dict, key: str, kind, where: str):
    if key not in table:
        raise AssignmentError(f"{where} missing {key!r}")
    value = table[key]
    if not isinstance(value, kind):
        raise AssignmentError(f"{where} {key!r} has the wrong type ({type(value).__name__})")
    return value


def _load_module(path: Path, module_name: str, where: str) -> ModuleType:
    if not path.is_file():
        raise AssignmentError(f"{where} {path} does not exist")
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise AssignmentError(f"{path}: cannot be loaded: {type(error).__name__}: {error}") from None
    return module
