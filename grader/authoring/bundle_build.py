"""Making a student bundle (instructor side): the public cases with their expected values, the
reference's answers to the calls between graded functions (the replay table), the values of the
known mistakes, how each case is rebuilt in a notebook, and the provided modules, as plain data
with a checksum. ``grader.authoring.bundle`` says what a bundle holds and loads it.
"""
from __future__ import annotations

import base64
import copy
import dataclasses
import json
from pathlib import Path

import numpy as np

from grader import __version__
from grader.runtime import codec, replay_key
from grader.core.assignment import Assignment, AssignmentError, Case, GradedFunction
from grader.core.replay import run_recording
from grader.authoring.bundle import FORMAT, VERSION, checksum


# --------------------------------------------------------------------------- making (instructor)


def build_bundle(assignment: Assignment) -> dict:
    """The bundle's content for ``assignment`` (loaded with its reference)."""
    functions = [_function_content(assignment, function) for function in assignment.functions]
    mistakes = assignment.mistakes
    limits = assignment.limits
    return {
        "assignment": {"name": assignment.name, "title": assignment.title, "grader": __version__},
        "limits": {"timeout": limits.timeout, "memory_bytes": limits.memory_bytes,
                   "output_bytes": limits.output_bytes, "open_files": limits.open_files,
                   "processes": limits.processes},
        "ignored_imports": sorted(assignment.ignored_modules),
        "signatures": {name: list(parameters) for name, parameters in assignment.signatures.items()},
        "provided": {path.name: path.read_text(encoding="utf-8")
                     for path in sorted(assignment.provided.glob("*.py"))},
        "generic": (None if getattr(mistakes, "GENERIC", None) is None
                    else [str(kind) for kind in mistakes.GENERIC]),
        "error_hints": [_plain_fields(entry) for entry in getattr(mistakes, "ERROR_HINTS", ())],
        "functions": functions,
    }


def _function_content(assignment: Assignment, function: GradedFunction) -> dict:
    from grader.feedback import hints

    public = [case for case in function.cases if not case.hidden]
    hidden = [case for case in function.cases if case.hidden]
    total_weight = sum(case.weight for case in function.cases) or 1.0
    replay: dict[str, bytes] = {}
    reference = assignment.reference
    for case in public:  # the reference's own calls on the public cases, and no other
        recorded: dict[str, bytes] = {}
        run_recording(reference, function.name, list(assignment.graded_names), case.inputs, recorded)
        replay.update({key: codec.encode(codec.decode_trusted(value)) for key, value in recorded.items()})
    mistakes = []
    for mistake in hints.mistakes_for(assignment, function.name):
        values = {}
        for index, case in enumerate(public):
            proxy = _Recording(reference, assignment, function.name, replay)
            try:
                with np.errstate(all="ignore"):
                    value = mistake.compute(proxy, **copy.deepcopy(case.inputs))
                values[str(index)] = _blob(value)
            except Exception:  # noqa: BLE001  (as in hints: a mistake that cannot run says nothing)
                continue
        if values:
            mistakes.append({"fields": _plain_fields(mistake), "values": values})
    return {
        "name": function.name, "points": function.points,
        "returns": list(function.returns) if function.returns is not None else None,
        "single": function.single,
        "compare": list(function.compare),
        "rtol": function.tolerance.rtol, "atol": function.tolerance.atol,
        "hidden": {"cases": len(hidden),
                   "points": round(function.points * sum(c.weight for c in hidden) / total_weight, 6)},
        "cases": [{"name": case.name, "about": case.about, "weight": case.weight, "builder": case.builder,
                   "arguments": _blob(case.arguments), "inputs": _blob(case.inputs),
                   "expected": _blob(case.expected), "trace": _trace(assignment, function, case)}
                  for case in public],
        "replay": {key: base64.b64encode(value).decode("ascii") for key, value in sorted(replay.items())},
        "stand_ins": list(function.stand_ins),
        "mistakes": mistakes,
    }


def _trace(assignment: Assignment, function: GradedFunction, case: Case) -> dict | None:
    """How the report's snippet rebuilds this public case in a notebook (np.random draws and
    calls of the student's graded functions, checked here against the reference), or None."""
    from grader.feedback import case_trace
    try:
        traced = case_trace.trace(assignment, function, case)
    except Exception:  # noqa: BLE001  (the report then says where the case comes from instead)
        return None
    if traced is None:
        return None
    setup, arguments, uses = traced
    return {"setup": [str(line) for line in setup], "arguments": {str(k): str(v) for k, v in arguments.items()},
            "uses": [str(name) for name in uses]}


class _Recording:
    """The reference, for a known mistake's computation: its calls of other graded functions
    are added to the replay table, so a student making that mistake is answered offline."""

    def __init__(self, reference, assignment: Assignment, function: str, replay: dict):
        self._reference, self._assignment, self._function, self._replay = reference, assignment, function, replay

    def __getattr__(self, name):
        attribute = getattr(self._reference, name)
        if name == self._function or name not in self._assignment.graded_names or not callable(attribute):
            return attribute
        parameters = self._assignment.signatures[name]

        def call(*args, **kwargs):
            result = attribute(*args, **kwargs)
            try:
                key = replay_key.call_key(name, parameters, list(args), kwargs)
                self._replay.setdefault(key, codec.encode(result))
            except codec.CodecError:
                pass
            return result
        return call


def _plain_fields(entry) -> dict:
    """A hint entry's text fields (a Mistake's ``compute`` is not carried: its values are)."""
    names = [f.name for f in dataclasses.fields(entry)]
    fields = {name: getattr(entry, name) for name in names
              if isinstance(getattr(entry, name), (str, type(None)))}
    try:  # what the student's side will rebuild it from
        type(entry)(**fields, **({"compute": None} if "compute" in names else {}))
    except TypeError as error:
        raise AssignmentError(f"a hint entry the bundle cannot carry ({error})") from None
    return fields


def _blob(value) -> str:
    return base64.b64encode(codec.encode(value)).decode("ascii")


def write_bundle(content: dict, path: Path) -> Path:
    """Write the bundle file: the content and its checksum."""
    document = {"format": FORMAT, "version": VERSION, "sha256": checksum(content), "content": content}
    path.write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=True) + "\n", encoding="ascii")
    return path
