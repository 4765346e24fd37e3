"""Working out a hint: which known mistakes and generic detectors reproduce each wrong output of a
case (``diagnosis``), the words that name them once, and the check that an explanation holds on
every case of a function.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, replace

import numpy as np

from grader.feedback.hint_catalogue import Generic, Mistake, generic_detectors, join, mistakes_for
from grader.feedback.hint_values import (NUMERIC, REPRODUCED, Context, context_of, has_outputs, leaves_of, output_of,
                                same_output, same_return, same_values, shapes_of)


@dataclass(frozen=True)
class Diagnosis:
    """What the hint says, and how much of the failure it accounts for."""
    text: str
    kinds: tuple[str, ...]
    explained: tuple[str, ...]  # outputs whose values the named mistakes reproduce
    unexplained: tuple[str, ...] = ()  # outputs that are wrong in some other way too
    claims: tuple[tuple[tuple, str], ...] = ()  # (explanation key, output) pairs

    @property
    def complete(self) -> bool:
        return not self.unexplained


# --------------------------------------------------------------------------- diagnosis


@dataclass(frozen=True)
class _Claim:
    """One explanation of one output (or of one leaf of a dict output)."""
    key: tuple  # ("mistake", words) or ("generic", kind, ...): the same on every case
    kind: str
    output: str
    path: str  # the output, or a leaf of it: parameters["W1"]
    text: str = ""  # a known mistake's words
    said: "_Said | None" = None  # a generic explanation, said once for all the paths it fits
    partial: bool = False  # some wrong leaf of this output has no explanation


def diagnose_case(assignment, function, case, got, excluded) -> Diagnosis | None:
    expected = case.expected
    if same_return(function, expected, got):
        return None
    outputs = list(function.compare)
    computed = _simplest_first(_changing(assignment, function, case), function, got)
    for mistake, mistaken, changed in computed:  # the whole return, as one mistake makes it
        key = _mistake_key(mistake)
        if same_return(function, mistaken, got, REPRODUCED) and not any((key, o) in excluded for o in changed):
            return Diagnosis(mistake.explanation, (mistake.kind,), tuple(outputs), (),
                             tuple((key, o) for o in changed))
    if not has_outputs(function, got):
        return None
    generics = generic_detectors(assignment)
    context = context_of(function, expected, case.inputs)
    claims, explained, unexplained = [], [], []
    for output in outputs:
        want, have = output_of(function, expected, output), output_of(function, got, output)
        if same_values(output, want, have, function.tolerance):
            continue
        found = (_specific(computed, function, output, want, have, generics, context, excluded)
                 or _generic(output, want, have, function.tolerance, generics, context, excluded))
        if not found:
            unexplained.append(output)
            continue
        claims.extend(found)
        (unexplained if any(c.partial for c in found) else explained).append(output)
    if not claims:
        return None
    kinds = tuple(dict.fromkeys(c.kind for c in claims))
    pairs = tuple(dict.fromkeys((c.key, c.output) for c in claims))
    return Diagnosis(_words(claims), kinds, tuple(explained),
                     tuple(unexplained), pairs)


_CANNOT_RUN = object()


def _changing(assignment, function, case) -> list:
    """(mistake, what it returns, the outputs it changes) for the known mistakes that change
    something on this case; once per assignment, like ``_mistaken``."""
    key = ("changing", id(case))
    entry = assignment.memo.get(key)
    if entry is None or entry[0] is not case:
        computed = []
        for mistake in mistakes_for(assignment, function.name):
            mistaken = _mistaken(assignment, function, mistake, case)
            if mistaken is _CANNOT_RUN or not has_outputs(function, mistaken):
                continue
            changed = [o for o in function.compare if not same_output(function, o, case.expected, mistaken)]
            if changed:
                computed.append((mistake, mistaken, changed))
        entry = assignment.memo[key] = (case, computed)
    return entry[1]


def _mistaken(assignment, function, mistake, case):
    """What ``mistake`` returns on ``case`` (its compared outputs only, read-only), or
    _CANNOT_RUN. The cases are fixed, so this is worked out once per assignment, not once per
    wrong submission: a class repeats the same mistakes."""
    key = ("mistaken", id(mistake), id(case))
    entry = assignment.memo.get(key)
    if entry is None or entry[0] is not mistake or entry[1] is not case:
        try:
            value = _read_only(_compared(function, mistake.compute(assignment.reference,
                                                                   **copy.deepcopy(case.inputs))))
        except Exception:  # noqa: BLE001  (a detector that cannot run on these inputs says nothing)
            value = _CANNOT_RUN
        entry = assignment.memo[key] = (mistake, case, value)
    return entry[2]


def _compared(function, value):
    """The outputs that are compared; the others (a forward pass's caches) become None. A
    function that returns one value has it held as a tuple of one, like its expected value."""
    if getattr(function, "single", False):
        return (value,)
    if not has_outputs(function, value) or function.returns is None:
        return value
    return type(value)(item if name in function.compare else None
                       for name, item in zip(function.returns, value))


def _read_only(value):
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for item in value.values():
            _read_only(item)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _read_only(item)
    return value


def _simplest_first(computed, function, got):
    """The mistakes that reproduce more of the student's outputs first (catalogue order among
    equals): when two mistakes give the same value for one output (a zero gradient, say), the
    output is put down to the one that explains the rest too."""
    def reproduced(entry):
        _, mistaken, changed = entry
        return sum(same_values(o, output_of(function, mistaken, o), output_of(function, got, o), REPRODUCED)
                   for o in changed)
    if not has_outputs(function, got):
        return computed
    return sorted(computed, key=reproduced, reverse=True)


def _mistake_key(mistake: Mistake) -> tuple:
    return ("mistake", mistake.explanation)


def _specific(computed, function, output, want, have, generics, context, excluded):
    """The first known mistake whose value for this output is the student's (or is, but for
    an axis of length 1: a second, shape-only mistake on top)."""
    tolerance = function.tolerance
    changing = [(mistake, output_of(function, mistaken, output)) for mistake, mistaken, changed in computed
                if output in changed and (_mistake_key(mistake), output) not in excluded]
    for mistake, theirs in changing:
        if same_values(output, theirs, have, REPRODUCED):
            return [_Claim(_mistake_key(mistake), mistake.kind, output, output, mistake.explanation)]
    shape_only = [g for g in generics if g.shape_only]
    for mistake, theirs in changing:
        if shapes_of(theirs) == shapes_of(have):
            continue  # a shape-only mistake on top would change some shape
        shape = _generic(output, theirs, have, tolerance, shape_only, context, excluded)
        if shape and not any(c.partial for c in shape):
            shape = [replace(c, said=_Said(c.said.detector, c.said.fields + (("after", True),))) for c in shape]
            return [_Claim(_mistake_key(mistake), mistake.kind, output, output, mistake.explanation)] + shape
    return None


def _generic(output, want, have, tolerance, generics, context, excluded):
    """Generic explanations leaf by leaf (a dict output such as Adam's ``parameters`` has one
    leaf per key), said for the whole output when one explanation fits all its leaves; partial
    when some wrong leaf has none. A whole dict returned in the place of another output or of an
    input is said once, for the whole."""
    generics = [g for g in generics if (("generic", g.kind), output) not in excluded]
    if isinstance(want, (dict, list, tuple)):
        whole = _whole(output, want, have, tolerance, generics, context)
        if whole:
            return [whole]
    leaves = list(leaves_of(output, want, have))
    found, missing = [], False
    for path, leaf_want, leaf_have in leaves:
        if same_values(path, leaf_want, leaf_have, tolerance):
            continue
        said = _first_generic(path, leaf_want, leaf_have, tolerance, generics, context)
        if said is None:
            missing = True
        else:
            found.append((path, said))
    if not found:
        return None
    if len(leaves) > 1 and len(found) == len(leaves) and len({said.group for _, said in found}) == 1:
        found = [(output, found[0][1])]  # one explanation for every leaf: say it of the output
    return [_Claim(("generic", said.detector.kind), said.detector.kind, output, path, said=said, partial=missing)
            for path, said in found]


def _whole(output, want, have, tolerance, generics, context):
    chosen = {detector.kind: detector for detector in generics}
    candidates = [("other-output", name, value) for name, value in context.whole_outputs.items() if name != output]
    inputs = sorted(context.whole_inputs.items(), key=lambda item: item[0] != output)  # same name first
    candidates += [("input", name, value) for name, value in inputs]
    for kind, name, value in candidates:
        if kind in chosen and not same_values(output, want, value, tolerance) and same_values(output, value, have, REPRODUCED):
            fields = (("unchanged", True),) if kind == "input" and name == output else ((kind, name),)
            said = _Said(chosen[kind], fields)
            return _Claim(("generic", kind), kind, output, output, said=said)
    return None


def _first_generic(path, want, have, tolerance, generics, context):
    if not isinstance(want, NUMERIC) or not isinstance(have, NUMERIC):
        return None
    want, have = np.asarray(want), np.asarray(have)
    if want.dtype.kind not in "biuf" or have.dtype.kind not in "biuf" or not np.isfinite(have).all():
        return None
    local = Context(path, {p: v for p, v in context.others.items() if p != path}, context.inputs, have)
    for detector in generics:
        try:
            for mistaken, fields in detector.candidates(want, local):
                mistaken = np.asarray(mistaken)
                if mistaken.shape != have.shape or not same_values(path, mistaken, have, REPRODUCED):
                    continue
                if mistaken.shape == want.shape and same_values(path, want, mistaken, tolerance):
                    continue  # no different from the right answer: explains nothing
                return _Said(detector, tuple(fields))
        except Exception:  # noqa: BLE001
            continue
    return None


@dataclass(frozen=True)
class _Said:
    """A generic explanation waiting for the list of outputs it applies to."""
    detector: Generic
    fields: tuple

    @property
    def group(self):
        return (self.detector.kind, self.fields)

    def say(self, names: list[str]) -> str:
        return self.detector.words(names, dict(self.fields))


def _words(claims: list[_Claim]) -> str:
    """One sentence per explanation, naming the outputs it explains once."""
    groups: dict = {}
    for claim in claims:
        group = claim.said.group if claim.said else ("mistake", claim.text)
        groups.setdefault(group, (claim, []))[1].append(claim.path)
    sentences = []
    for claim, paths in groups.values():
        paths = list(dict.fromkeys(paths))
        if claim.said:
            sentences.append(claim.said.say(paths))
        else:  # name the outputs: the mistake may explain only some of those it would change
            sentences.append(f"{join(paths)}: {claim.text}")
    return ". Also, ".join(sentences)


def conflicting_claims(assignment, function, cases, values, diagnoses) -> set:
    """The (key, output) claims made on some case that another case contradicts: there the
    output is wrong and the explanation does not reproduce it, or (a known mistake) the output
    is right and the mistake would have changed it."""
    conflicts = set()
    claims = {claim for d in diagnoses if d for claim in d.claims}
    for key, output in claims:
        for case, value in zip(cases, values):
            if value is None or not has_outputs(function, value):
                continue
            if not _reproduces(assignment, function, key, output, case, value):
                conflicts.add((key, output))
                break
    return conflicts


def _reproduces(assignment, function, key, output, case, value) -> bool:
    want, have = output_of(function, case.expected, output), output_of(function, value, output)
    right = same_values(output, want, have, function.tolerance)
    with np.errstate(all="ignore"):
        if key[0] == "mistake":  # entries with the same words are variants of one mistake: any will do
            variants = [m for m in mistakes_for(assignment, function.name) if _mistake_key(m) == key]
            return any(_variant_reproduces(assignment, function, m, output, case, want, have, right)
                       for m in variants)
        if right:
            return True
        detectors = [g for g in generic_detectors(assignment) if g.kind == key[1]]
        found = _generic(output, want, have, function.tolerance, detectors,
                         context_of(function, case.expected, case.inputs), set())
        return bool(found) and not any(c.partial for c in found)


def _variant_reproduces(assignment, function, mistake, output, case, want, have, right) -> bool:
    mistaken = _mistaken(assignment, function, mistake, case)
    if mistaken is _CANNOT_RUN:  # cannot run here: says nothing against it
        return right
    try:
        theirs = output_of(function, mistaken, output)
    except Exception:  # noqa: BLE001  (another structure: says nothing against it)
        return right
    if right:
        return same_values(output, want, theirs, function.tolerance)
    if same_values(output, theirs, have, REPRODUCED):
        return True
    shape_only = [g for g in generic_detectors(assignment) if g.shape_only]
    context = context_of(function, case.expected, case.inputs)
    shape = _generic(output, theirs, have, function.tolerance, shape_only, context, set())
    return bool(shape) and not any(c.partial for c in shape)
