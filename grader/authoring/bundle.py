"""The student bundle: one file that lets ``grader check`` grade the public cases without the reference.

What it holds, as plain data (JSON, with values in the grader's own plain-data encoding, base64):

* per graded function: its points, what it returns and compares, its tolerance, its **public**
  cases (name, description, builder and arguments, inputs, expected outputs), the reference's
  answers to the calls of other graded functions made on those cases (the replay table, so the
  stand-ins work offline), the values each known mistake returns on those cases (so the hints
  are the same as the instructor's), and how many hidden cases and points it has besides;
* the time and memory limits, the imports to ignore, the parameter names of the graded
  functions, the words of the error hints and the generic detectors chosen;
* the modules the notebook imports (``rnn_utils``), run only in the student's process, as the
  instructor's grader runs them;
* a SHA-256 checksum over all of it, verified on load: a changed or truncated bundle is refused.

It holds no reference code, no hidden case (not its inputs, arguments, name or expected values)
and no mistaken value of a hidden case. Loading it parses JSON and decodes arrays, nothing more:
no pickle, no import, so a bundle swapped by anyone cannot run code in the grader. (The
checksum catches damage and edits; it is not a signature.)

A graded function's call of another that the replay table cannot answer (the student passes
other arguments than the reference or any known mistake does) raises a ``RuntimeError`` in the
student's process saying so: the instructor's grader would answer it with the reference.

This module loads bundles (student side); ``bundle_build`` makes them (instructor side).
"""
from __future__ import annotations

import atexit
import base64
import binascii
import copy
import hashlib
import json
import re
import shutil
import tempfile
import types
from dataclasses import dataclass, field
from pathlib import Path

from grader import __version__
from grader.runtime import codec, replay_key
from grader.core.assignment import (Assignment, AssignmentError, Case, GradedFunction, Limits, Tolerance, _kept_outputs,
                               bundled_assignments)

FORMAT = "notebook-grader student bundle"
VERSION = 2  # 2: call keys hashed as the values stand (codec.WIRE_FORMAT 2)
SUFFIX = ".bundle.json"
MAX_BYTES = 64 * 2**20
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}\.py$")


class BundleError(AssignmentError):
    """The bundle cannot be used (missing, damaged, changed, not a bundle); one line says why."""


@dataclass(frozen=True, eq=False)
class BundledAssignment(Assignment):
    """An assignment as a student bundle gives it: public cases only, no reference
    (``reference`` is an empty module), hints from precomputed values."""
    source: Path | None = None
    left_out: dict = field(default_factory=dict)  # function -> hidden cases, not in the bundle
    left_out_points: dict = field(default_factory=dict)  # function -> the points they carry
    points: dict = field(default_factory=dict)  # every graded function -> its points
    unchecked: tuple[str, ...] = ()  # graded functions with no public case: only grading runs them
    hidden_run: bool = False
    # (function, case) -> (setup lines, {parameter: expression}, graded functions used): how the
    # report's snippet rebuilds a public case (grader.feedback.reproduce traces it where the builders are)
    traces: dict = field(default_factory=dict)

    @property
    def assignment(self) -> "BundledAssignment":
        """What a student's check runs (as ``StudentView.assignment``): all the bundle holds."""
        return self

    @property
    def hidden_left_out(self) -> int:
        return sum(self.left_out.values())

    @property
    def scope(self) -> str:
        return self.scope_for()

    def scope_for(self, names=None) -> str:
        """One sentence for the end of a check: only public cases ran, and what else counts
        (``names``: only those functions were checked)."""
        chosen = [name for name in self.points if not names or name in names]
        count = sum(self.left_out.get(name, 0) for name in chosen)
        if not count:
            return "Checked with the student bundle, on every case."
        points = sum(self.left_out_points.get(name, 0.0) for name in chosen)
        total = sum(self.points[name] for name in chosen)
        cases = "case" if count == 1 else "cases"
        unchecked = [name for name in self.unchecked if name in chosen]
        also = (f" {', '.join(unchecked)} {'has' if len(unchecked) == 1 else 'have'} no public case: "
                f"only the grading runs {'it' if len(unchecked) == 1 else 'them'}." if unchecked else "")
        return (f"Checked with the student bundle, on the public cases only: {count} hidden {cases}, "
                f"worth {_number(points)} of the {_number(total)} points, will also count when your "
                f"work is graded.{also}")


def checksum(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# --------------------------------------------------------------------------- finding (student)


def choose_bundle(notebook: Path, bundle: Path | None, assignment: str | None) -> Path | None:
    """The bundle ``grader check`` uses: ``--bundle``; else none when ``--assignment`` names
    one; else the one next to the notebook; else none (the installed assignment is used).
    Raises ``BundleError`` when none can be used and no assignment is installed either."""
    if bundle is not None:
        if not bundle.is_file():
            raise BundleError(f"{bundle}: no such bundle file")
        return bundle
    if assignment is not None:
        return None
    found = sorted(path for path in notebook.resolve().parent.glob(f"*{SUFFIX}") if path.is_file())
    if len(found) > 1:
        raise BundleError(f"several student bundles next to {notebook} ({', '.join(p.name for p in found)}): "
                          f"choose one with --bundle FILE")
    if found:
        return found[0]
    if not bundled_assignments():
        raise BundleError(f"no assignment is installed here and no student bundle (*{SUFFIX}) is next to "
                          f"{notebook}: pass --bundle FILE, the bundle your instructor handed out")
    return None


# --------------------------------------------------------------------------- loading (student)


def load_bundle(path: Path, *, timeout: float | None = None) -> BundledAssignment:
    """The assignment a bundle describes, ready for ``grade_notebook``. Verifies the checksum
    first; parses JSON and plain-data arrays only."""
    path = Path(path)
    where = f"{path}:"
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise BundleError(f"{where} cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_BYTES:
        raise BundleError(f"{where} larger than {MAX_BYTES // 2**20} MiB: not a student bundle")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BundleError(f"{where} not a complete student bundle (truncated or damaged: it is not "
                          f"valid JSON); ask for a fresh copy") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BundleError(f"{where} not a student bundle")
    if document.get("version") != VERSION:
        raise BundleError(f"{where} a student bundle of version {document.get('version')!r}; this grader "
                          f"({__version__}) reads version {VERSION}: install the grader your instructor named")
    content = document.get("content")
    try:
        matches = isinstance(content, dict) and checksum(content) == document.get("sha256")
    except (ValueError, TypeError, RecursionError):
        matches = False
    if not matches:
        raise BundleError(f"{where} the bundle was changed or damaged (its checksum does not match its "
                          f"content); ask for a fresh copy")
    try:
        return _assignment(content, path, document["sha256"], timeout)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, codec.CodecError,
            binascii.Error, RecursionError) as error:
        raise BundleError(f"{where} a malformed student bundle ({type(error).__name__}: {error})") from None


def _assignment(content: dict, path: Path, checksum: str, timeout: float | None) -> BundledAssignment:
    from grader.feedback.hints import ErrorHint, Mistake

    about = _dict(content["assignment"])
    name = _text(about["name"])
    directory = Path(tempfile.mkdtemp(prefix="grader-bundle-"))
    atexit.register(shutil.rmtree, directory, True)
    provided = directory / "provided"
    provided.mkdir()
    for filename, text in _dict(content["provided"]).items():
        if not _MODULE_NAME.match(filename):
            raise ValueError(f"a provided module named {filename[:80]!r}")
        (provided / filename).write_text(_text(text), encoding="utf-8")
    signatures = {_text(k): [_text(p) for p in _list(v)] for k, v in _dict(content["signatures"]).items()}
    limits_data = _dict(content["limits"])
    limits = Limits(timeout=float(timeout if timeout is not None else limits_data["timeout"]),
                    memory_bytes=int(limits_data["memory_bytes"]), output_bytes=int(limits_data["output_bytes"]),
                    open_files=int(limits_data["open_files"]), processes=int(limits_data["processes"]))
    functions, recorded, left_out, left_out_points, traces, points = [], [], {}, {}, {}, {}
    for entry in _list(content["functions"]):
        function, mistakes = _function(_dict(entry))
        hidden = _dict(entry["hidden"])
        points[function.name] = function.points
        left_out[function.name] = int(hidden["cases"])
        left_out_points[function.name] = float(hidden["points"])
        for case, raw in zip(function.cases, _list(entry["cases"])):
            trace = _dict(raw).get("trace")
            if trace is not None:
                trace = _dict(trace)
                traces[(function.name, case.name)] = (
                    [_text(line) for line in _list(trace["setup"])],
                    {_text(k): _text(v) for k, v in _dict(trace["arguments"]).items()},
                    tuple(_text(name) for name in _list(trace["uses"])))
        if function.name not in signatures:
            raise ValueError(f"no signature for {function.name}")
        if function.cases:  # one with no public case is left to the grading
            functions.append(function)
        for fields, values in mistakes:
            recorded.append(Mistake(**fields, compute=_Recorded(values)))
    generic = content.get("generic")
    catalogue = types.SimpleNamespace(
        MISTAKES=recorded,
        GENERIC=None if generic is None else [_text(kind) for kind in _list(generic)],
        ERROR_HINTS=[ErrorHint(**_fields(e)) for e in _list(content["error_hints"])])
    reference = types.ModuleType(f"grader_bundle_{name}_no_reference")
    reference.__file__ = str(directory / "no-reference")  # nothing there: the sandbox hides the folder
    reference.__doc__ = "A student bundle carries no reference: only the replay table answers calls."
    return BundledAssignment(
        name=name, title=_text(about["title"]), directory=directory, functions=tuple(functions),
        provided=provided, ignored_modules=frozenset(_text(m) for m in _list(content["ignored_imports"])),
        reveal_hidden=False, limits=limits, reference=reference, mistakes=catalogue,
        fingerprint=checksum[:16], signatures=signatures,
        payloads={f.name: codec.encode_trusted([list(f.inputs_messages), f.replay, _kept_outputs(f)])
                  for f in functions},
        source=path, left_out=left_out, left_out_points=left_out_points, points=points,
        unchecked=tuple(name for name in points if name not in {f.name for f in functions}), traces=traces)


def _function(entry: dict) -> tuple[GradedFunction, list]:
    name = _text(entry["name"])
    returns = entry["returns"]
    returns = None if returns is None else tuple(_text(r) for r in _list(returns))
    compare = tuple(_text(c) for c in _list(entry["compare"]))
    cases, inputs_messages = [], []
    for raw in _list(entry["cases"]):
        raw = _dict(raw)
        inputs, expected, arguments = _value(raw["inputs"]), _value(raw["expected"]), _value(raw["arguments"])
        if not isinstance(inputs, dict) or not isinstance(arguments, dict):
            raise ValueError(f"a case of {name} without its inputs")
        if returns is None and not isinstance(expected, dict) or \
                returns is not None and (not isinstance(expected, tuple) or len(expected) != len(returns)):
            raise ValueError(f"a case of {name} whose expected value does not match what it returns")
        cases.append(Case(name=_text(raw["name"]), visibility="public", about=_text(raw["about"]),
                          weight=float(raw["weight"]), builder=_text(raw["builder"]), arguments=arguments,
                          inputs=inputs, expected=expected))
        inputs_messages.append(codec.encode_trusted(inputs))  # made here, of plain data: safe to send
    replay = {_text(key): codec.encode_trusted(_value(value)) for key, value in _dict(entry["replay"]).items()}
    mistakes = []
    for raw in _list(entry["mistakes"]):
        raw = _dict(raw)
        values = {}
        for index, blob in _dict(raw["values"]).items():
            case = cases[int(index)]
            values[_inputs_key(case.inputs)] = _value(blob)
        mistakes.append((_fields(raw["fields"]), values))
    function = GradedFunction(
        name=name, points=float(entry["points"]), returns=returns, compare=compare,
        tolerance=Tolerance(float(entry["rtol"]), float(entry["atol"])), cases=tuple(cases),
        inputs_messages=tuple(inputs_messages), replay=replay,
        single=bool(entry.get("single", False)) and returns is not None and len(returns) == 1,
        stand_ins=tuple(_text(other) for other in _list(entry.get("stand_ins", []))))
    return function, mistakes


class _Recorded:
    """A known mistake's ``compute`` in a bundle: what it returned on each public case,
    looked up by the case's inputs (there is no reference to run it with)."""

    def __init__(self, values: dict):
        self._values = values

    def __call__(self, reference, **inputs):
        return copy.deepcopy(self._values[_inputs_key(inputs)])


def _inputs_key(inputs: dict) -> str:
    return replay_key.call_key("", [], [], inputs)


def _value(blob):
    return codec.decode(base64.b64decode(_text(blob), validate=True))


def _fields(value) -> dict:
    """A hint entry's fields: text (a pattern, words, a name) or None, never anything to call."""
    fields = {_text(key): item for key, item in _dict(value).items()}
    if "compute" in fields or any(not isinstance(item, (str, type(None))) for item in fields.values()):
        raise ValueError("a hint entry with a field that is not text")
    return fields


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _dict(value) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, found {type(value).__name__}")
    return value


def _list(value) -> list:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, found {type(value).__name__}")
    return value


def _number(value: float) -> str:
    return f"{round(value, 2):g}"
