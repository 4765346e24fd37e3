"""Hints: when a result is wrong, try the known mistakes on the actual values and name the one that fits.

Three kinds of entry, all data:

* ``Mistake`` (per assignment, in its ``mistakes.py`` list ``MISTAKES``): a function, the words to
  say, and a computation of what that mistake returns on the case's own inputs (the reference with
  the mistake applied).
* ``Generic`` detectors (``GENERIC`` here, for every function of every assignment): mistakes that
  can be recomputed from the expected output alone: a dropped or an extra axis of length 1,
  transposed, the sign flipped, all zeros, another output or an input returned instead, off by a
  constant factor.
* ``ErrorHint`` (``ERROR_HINTS`` here and in ``mistakes.py``): words for an error message (``^``
  used for a power, ``np.float``), for functions that raise instead of returning.

A hint is given only when a mistaken computation reproduces the student's values within the
function's tolerance, never on a guess. It is worked out output by output, so two mistakes in
different outputs are both named, and an output whose values follow a known mistake but whose
shape also lost an axis gets both said. ``explain`` looks at one case; ``explain_cases`` looks at
all of a function's cases together and keeps only explanations that hold on every case, which
rules out coincidences of one case (at Adam's first step, several mistakes give the same numbers).
"""
from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

import numpy as np

from grader.assignment import Assignment, Case, GradedFunction

_NUMERIC = (bool, int, float, np.generic, np.ndarray)


@dataclass(frozen=True)
class Mistake:
    """A known mistake in one graded function, recomputed on the case's inputs."""
    function: str
    explanation: str
    compute: Callable  # (reference module, **inputs) -> what the mistaken code returns
    kind: str = ""  # a short name shared by entries that describe the same mistake


@dataclass(frozen=True)
class Generic:
    """A mistake recognisable from the expected output alone, in any function.

    ``candidates(expected, context)`` yields ``(mistaken value, fields)``: what the mistake
    would return for this output and what the words need; ``words(names, fields)`` says it.
    """
    kind: str
    candidates: Callable[[np.ndarray, "_Context"], Iterator[tuple[object, tuple]]]
    words: Callable[[list[str], dict], str]
    shape_only: bool = False  # changes the shape, not the values: may compound a known mistake


@dataclass(frozen=True)
class ErrorHint:
    """Words for an error whose message matches ``pattern`` (a regular expression); the
    pattern's groups fill ``{0}``, ``{1}``, ... in the words."""
    pattern: str
    words: str
    function: str | None = None  # None: any function
    kind: str = ""


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


# --------------------------------------------------------------------------- the entry points


def explain(assignment: Assignment, function: GradedFunction, case: Case, got, mismatches=()) -> str:
    """The hint for a wrong result on this one case, or "" when no known mistake reproduces it."""
    diagnosis = diagnose(assignment, function, case, got)
    return diagnosis.text if diagnosis else ""


def explain_cases(assignment: Assignment, function: GradedFunction, values: list) -> list[str]:
    """Hints for all of a function's cases at once: ``values[i]`` is what the student returned
    on ``function.cases[i]`` (None where the case did not return). An explanation is kept only
    if it holds on every case: where it names an output that is wrong on another case, it must
    name it there too, and a known mistake must not change an output that the student got right."""
    diagnoses = diagnose_cases(assignment, function, values)
    return [d.text if d else "" for d in diagnoses]


def diagnose_cases(assignment: Assignment, function: GradedFunction, values: list) -> list[Diagnosis | None]:
    cases = function.cases
    excluded: set = set()
    for _ in range(8):
        diagnoses = [diagnose(assignment, function, case, value, excluded) if value is not None else None
                     for case, value in zip(cases, values)]
        conflicts = _conflicts(assignment, function, cases, values, diagnoses)
        if not conflicts - excluded:
            return diagnoses
        excluded |= conflicts
    return [None] * len(cases)


def diagnose(assignment: Assignment, function: GradedFunction, case: Case, got,
             excluded: frozenset | set = frozenset()) -> Diagnosis | None:
    """Name every known mistake that reproduces one of the wrong outputs; None when none does.
    ``excluded`` holds (explanation key, output) pairs not to use."""
    try:
        with np.errstate(all="ignore"):
            return _diagnose(assignment, function, case, got, excluded)
    except Exception:  # noqa: BLE001  (a hint is a bonus: it must never break grading)
        return None


def explain_error(assignment: Assignment | None, function: str, error: str) -> str:
    """Words for an error message: the assignment's ``ERROR_HINTS`` first, then the generic ones."""
    mistakes = getattr(assignment, "mistakes", None)
    for entry in list(getattr(mistakes, "ERROR_HINTS", ())) + ERROR_HINTS:
        if entry.function not in (None, function):
            continue
        match = re.search(entry.pattern, error or "")
        if match:
            try:
                return entry.words.format(*(group or "" for group in match.groups()))
            except (IndexError, KeyError):
                return entry.words
    return ""


def mistakes_for(assignment: Assignment, function: str) -> list[Mistake]:
    catalogue = getattr(assignment.mistakes, "MISTAKES", ()) if assignment.mistakes else ()
    return [mistake for mistake in catalogue if mistake.function == function]


def generic_detectors(assignment: Assignment) -> list[Generic]:
    """The generic detectors this assignment uses: all, unless its mistakes.py names some
    (``GENERIC = ["transposed", ...]``, or ``GENERIC = []`` for none)."""
    chosen = getattr(assignment.mistakes, "GENERIC", None) if assignment.mistakes else None
    if chosen is None:
        return list(GENERIC)
    return [detector for detector in GENERIC if detector.kind in chosen]


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


@dataclass(frozen=True)
class _Context:
    path: str = ""
    others: dict = field(default_factory=dict)  # leaf path -> expected value, of the other outputs
    inputs: dict = field(default_factory=dict)  # name -> input array (and dict items: parameters["Wax"])
    got: np.ndarray | None = None  # the student's value of this leaf (a factor is read from it)
    whole_outputs: dict = field(default_factory=dict)  # output name -> expected value
    whole_inputs: dict = field(default_factory=dict)  # argument name -> value


def _diagnose(assignment, function, case, got, excluded) -> Diagnosis | None:
    expected = case.expected
    if _same_return(function, expected, got):
        return None
    outputs = list(function.compare)
    computed = _simplest_first(_changing(assignment, function, case), function, got)
    for mistake, mistaken, changed in computed:  # the whole return, as one mistake makes it
        key = _mistake_key(mistake)
        if _same_return(function, mistaken, got, REPRODUCED) and not any((key, o) in excluded for o in changed):
            return Diagnosis(mistake.explanation, (mistake.kind,), tuple(outputs), (),
                             tuple((key, o) for o in changed))
    if not _has_outputs(function, got):
        return None
    generics = generic_detectors(assignment)
    context = _context(function, expected, case.inputs)
    claims, explained, unexplained = [], [], []
    for output in outputs:
        want, have = _output(function, expected, output), _output(function, got, output)
        if _same(output, want, have, function.tolerance):
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
            if mistaken is _CANNOT_RUN or not _has_outputs(function, mistaken):
                continue
            changed = [o for o in function.compare if not _same_output(function, o, case.expected, mistaken)]
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
            value = _read_only(_compared(function, function.as_returned(
                mistake.compute(assignment.reference, **copy.deepcopy(case.inputs)))))
        except Exception:  # noqa: BLE001  (a detector that cannot run on these inputs says nothing)
            value = _CANNOT_RUN
        entry = assignment.memo[key] = (mistake, case, value)
    return entry[2]


def _compared(function, value):
    """The outputs that are compared; the others (a forward pass's caches) become None."""
    if not _has_outputs(function, value) or function.returns is None:
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
        return sum(_same(o, _output(function, mistaken, o), _output(function, got, o), REPRODUCED)
                   for o in changed)
    if not _has_outputs(function, got):
        return computed
    return sorted(computed, key=reproduced, reverse=True)


def _mistake_key(mistake: Mistake) -> tuple:
    return ("mistake", mistake.explanation)


def _specific(computed, function, output, want, have, generics, context, excluded):
    """The first known mistake whose value for this output is the student's (or is, but for
    an axis of length 1: a second, shape-only mistake on top)."""
    tolerance = function.tolerance
    changing = [(mistake, _output(function, mistaken, output)) for mistake, mistaken, changed in computed
                if output in changed and (_mistake_key(mistake), output) not in excluded]
    for mistake, theirs in changing:
        if _same(output, theirs, have, REPRODUCED):
            return [_Claim(_mistake_key(mistake), mistake.kind, output, output, mistake.explanation)]
    shape_only = [g for g in generics if g.shape_only]
    for mistake, theirs in changing:
        if _shapes(theirs) == _shapes(have):
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
    leaves = list(_leaves(output, want, have))
    found, missing = [], False
    for path, leaf_want, leaf_have in leaves:
        if _same(path, leaf_want, leaf_have, tolerance):
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
        if kind in chosen and not _same(output, want, value, tolerance) and _same(output, value, have, REPRODUCED):
            fields = (("unchanged", True),) if kind == "input" and name == output else ((kind, name),)
            said = _Said(chosen[kind], fields)
            return _Claim(("generic", kind), kind, output, output, said=said)
    return None


def _first_generic(path, want, have, tolerance, generics, context):
    if not isinstance(want, _NUMERIC) or not isinstance(have, _NUMERIC):
        return None
    want, have = np.asarray(want), np.asarray(have)
    if want.dtype.kind not in "biuf" or have.dtype.kind not in "biuf" or not np.isfinite(have).all():
        return None
    local = _Context(path, {p: v for p, v in context.others.items() if p != path}, context.inputs, have)
    for detector in generics:
        try:
            for mistaken, fields in detector.candidates(want, local):
                mistaken = np.asarray(mistaken)
                if mistaken.shape != have.shape or not _same(path, mistaken, have, REPRODUCED):
                    continue
                if mistaken.shape == want.shape and _same(path, want, mistaken, tolerance):
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


def _conflicts(assignment, function, cases, values, diagnoses) -> set:
    """The (key, output) claims made on some case that another case contradicts: there the
    output is wrong and the explanation does not reproduce it, or (a known mistake) the output
    is right and the mistake would have changed it."""
    conflicts = set()
    claims = {claim for d in diagnoses if d for claim in d.claims}
    for key, output in claims:
        for case, value in zip(cases, values):
            if value is None or not _has_outputs(function, value):
                continue
            if not _reproduces(assignment, function, key, output, case, value):
                conflicts.add((key, output))
                break
    return conflicts


def _reproduces(assignment, function, key, output, case, value) -> bool:
    want, have = _output(function, case.expected, output), _output(function, value, output)
    right = _same(output, want, have, function.tolerance)
    with np.errstate(all="ignore"):
        if key[0] == "mistake":  # entries with the same words are variants of one mistake: any will do
            variants = [m for m in mistakes_for(assignment, function.name) if _mistake_key(m) == key]
            return any(_variant_reproduces(assignment, function, m, output, case, want, have, right)
                       for m in variants)
        if right:
            return True
        detectors = [g for g in generic_detectors(assignment) if g.kind == key[1]]
        found = _generic(output, want, have, function.tolerance, detectors,
                         _context(function, case.expected, case.inputs), set())
        return bool(found) and not any(c.partial for c in found)


def _variant_reproduces(assignment, function, mistake, output, case, want, have, right) -> bool:
    mistaken = _mistaken(assignment, function, mistake, case)
    if mistaken is _CANNOT_RUN:  # cannot run here: says nothing against it
        return right
    try:
        theirs = _output(function, mistaken, output)
    except Exception:  # noqa: BLE001  (another structure: says nothing against it)
        return right
    if right:
        return _same(output, want, theirs, function.tolerance)
    if _same(output, theirs, have, REPRODUCED):
        return True
    shape_only = [g for g in generic_detectors(assignment) if g.shape_only]
    context = _context(function, case.expected, case.inputs)
    shape = _generic(output, theirs, have, function.tolerance, shape_only, context, set())
    return bool(shape) and not any(c.partial for c in shape)


# --------------------------------------------------------------------------- values by output


class _Reproduced:
    """Marks a comparison of a mistake's values with the student's: they must agree as the same
    computation does (up to rounding), not merely within the grading tolerance, which can be
    as large as values near 1e-6 themselves."""


REPRODUCED = _Reproduced()


def _reproduced_tolerance(want: np.ndarray):
    finite = np.abs(want[np.isfinite(want)]) if want.size else np.zeros(0)
    scale = float(finite.max()) if finite.size else 1.0
    return _Tolerance(rtol=1e-7, atol=1e-9 * scale if scale > 0 else 1e-300)


@dataclass(frozen=True)
class _Tolerance:
    rtol: float
    atol: float


def _same(path, want, have, tolerance) -> bool:
    """Equal as ``compare.compare_value`` judges (structure, shape, NaN/inf, values within
    tolerance), without writing its messages: this runs thousands of times per hint. A NaN in
    the value to match where the student has a number counts as different."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and _same(path, v, have[k], tolerance)
                                              for k, v in want.items())
    if isinstance(want, (tuple, list)):
        return (isinstance(have, (tuple, list)) and len(want) == len(have)
                and all(_same(path, w, h, tolerance) for w, h in zip(want, have)))
    if isinstance(want, _NUMERIC) or isinstance(want, complex):
        if not (isinstance(have, _NUMERIC) or isinstance(have, complex)):
            return False
        want, have = np.asarray(want), np.asarray(have)
        if want.shape != have.shape or (have.dtype.kind == "c" and want.dtype.kind != "c"):
            return False
        if want.dtype.kind not in "biufc" or have.dtype.kind not in "biufc":
            return bool(np.array_equal(want, have))
        want = want.astype(np.float64) if want.dtype.kind in "biu" else want
        have = have.astype(np.float64) if have.dtype.kind in "biu" else have
        if tolerance is REPRODUCED:
            tolerance = _reproduced_tolerance(want)
        if want.size:  # most candidates differ at once: look at one element before them all
            w, h = want.flat[0], have.flat[0]
            if abs(h - w) > tolerance.atol + tolerance.rtol * abs(w):  # False for NaN, inf
                if not (w != w and h != h) and not (w == h):
                    return False
        if (~np.isfinite(have) & np.isfinite(want)).any():
            return False
        return bool(np.isclose(have, want, rtol=tolerance.rtol, atol=tolerance.atol, equal_nan=True).all())
    try:
        return bool(want == have)
    except Exception:  # noqa: BLE001
        return False


def _same_return(function, want, have, tolerance=None) -> bool:
    if not _has_outputs(function, have):
        return False
    return all(_same(o, _output(function, want, o), _output(function, have, o), tolerance or function.tolerance)
               for o in function.compare)


def _same_output(function, output, want, have) -> bool:
    try:
        return _same(output, _output(function, want, output), _output(function, have, output), function.tolerance)
    except Exception:  # noqa: BLE001
        return False


def _shapes(value):
    """The shapes of a value's arrays, in order (the structure a shape-only mistake changes)."""
    if isinstance(value, dict):
        return tuple((k, _shapes(v)) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return tuple(_shapes(v) for v in value)
    return np.shape(value) if isinstance(value, _NUMERIC) else type(value).__name__


def _has_outputs(function, got) -> bool:
    if function.returns is None:
        return isinstance(got, dict)
    return isinstance(got, (tuple, list)) and len(got) == len(function.returns)


def _output(function, value, name):
    if function.returns is None:
        return value.get(name) if isinstance(value, dict) else None
    return value[function.returns.index(name)]


def _leaves(path, want, have):
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return
        for key, value in want.items():
            if key in have:
                yield from _leaves(f'{path}["{key}"]', value, have[key])
    elif isinstance(want, (tuple, list)):
        if isinstance(have, (tuple, list)) and len(have) == len(want):
            for index, (w, h) in enumerate(zip(want, have)):
                yield from _leaves(f"{path}[{index}]", w, h)
    else:
        yield path, want, have


def _context(function, expected, inputs) -> _Context:
    others = {}
    for output in function.compare:
        value = _output(function, expected, output)
        for path, leaf, _ in _leaves(output, value, value):
            if isinstance(leaf, np.ndarray):
                others[path] = leaf
    arrays = {}
    for name, value in inputs.items():
        if isinstance(value, np.ndarray):
            arrays[name] = value
        elif isinstance(value, dict):
            arrays.update({f'{name}["{key}"]': item for key, item in value.items()
                           if isinstance(item, np.ndarray)})
    outputs = {output: _output(function, expected, output) for output in function.compare}
    return _Context("", others, arrays, None, outputs, dict(inputs))


# --------------------------------------------------------------------------- generic detectors


def join(names) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _verb(names, one: str, many: str) -> str:
    return one if len(names) == 1 else many


def _dropped_axis(want, context):
    if want.ndim and 1 in want.shape:
        squeezed = tuple(d for d in want.shape if d != 1)
        yield want.reshape(squeezed), (("got", _shape(squeezed)), ("want", _shape(want.shape)))


def _extra_axis(want, context):
    for position in range(want.ndim + 1):
        shape = want.shape[:position] + (1,) + want.shape[position:]
        yield want.reshape(shape), (("got", _shape(shape)), ("want", _shape(want.shape)))


def _transposed(want, context):
    if want.ndim == 2 and want.shape[0] > 1 and want.shape[1] > 1:
        yield want.T, (("axes", ""),)
    elif 3 <= want.ndim <= 4:
        for order in itertools.permutations(range(want.ndim)):
            if order != tuple(range(want.ndim)):
                yield np.transpose(want, order), (("axes", "other"),)


def _sign(want, context):
    if np.abs(want).max(initial=0) > 0:
        yield -want, ()


def _zeros(want, context):
    yield np.zeros_like(want, dtype=float), ()


def _other_output(want, context):
    for path, other in context.others.items():
        if isinstance(other, np.ndarray) and other.shape == want.shape and other.size > 1:
            yield other, (("other-output", path),)


def _input(want, context):
    inputs = sorted(context.inputs.items(), key=lambda item: item[0] != context.path)  # same name first
    for name, value in inputs:
        if isinstance(value, np.ndarray) and value.shape == want.shape and value.size > 1:
            yield value, ((("unchanged", True),) if name == context.path else (("input", name),))


def _factor(want, context):
    """``k * expected`` for the ``k`` that fits the student's values best (least squares); like
    every candidate, it counts only if it reproduces them element by element."""
    have = context.got
    flat = want.astype(float).ravel()
    if have is None or have.shape != want.shape or np.count_nonzero(np.abs(flat) > 1e-12) < 2:
        return
    k = float(np.dot(flat, have.astype(float).ravel()) / np.dot(flat, flat))
    if np.isfinite(k) and abs(k) > 1e-9 and abs(k - 1) > 1e-3 and abs(k + 1) > 1e-3:
        yield k * want, (("factor", _number(k)),)


def _number(k: float) -> str:
    for n in (2, 3, 4, 5, 10):
        if abs(k - n) < 1e-6 * n:
            return f"{n}"
        if abs(k - 1 / n) < 1e-6 / n:
            return f"1/{n}"
    return f"{k:.4g}"


def _has_shape(names, f) -> str:
    """Alone, a shape mistake leaves the values right, and saying so helps; on top of another
    mistake it does not."""
    if f.get("after"):
        return f"{_verb(names, 'has', 'have')} shape"
    return f"{_verb(names, 'has', 'have')} the right values but shape"


def _input_words(names, f):
    if f.get("unchanged"):
        return (f"{join(names)} {_verb(names, 'comes', 'come')} back unchanged from the input: "
                f"{_verb(names, 'it is', 'they are')} never updated (check that the loop reaches "
                f"{_verb(names, 'it', 'them')} and that the new value is what you return)")
    return (f"{join(names)} {_verb(names, 'is', 'are')} exactly the input {f['input']}, unchanged: "
            f"the argument is returned instead of the value computed from it")


GENERIC: list[Generic] = [
    Generic("keepdims", _dropped_axis, lambda names, f: (
        f"{join(names)} {_has_shape(names, f)} {f['got']} where {f['want']} is expected: a sum dropped "
        f"its axis. Keep it with keepdims=True, e.g. np.sum(dz, axis=1, keepdims=True)"), shape_only=True),
    Generic("extra-axis", _extra_axis, lambda names, f: (
        f"{join(names)} {_has_shape(names, f)} {f['got']} where {f['want']} is expected: an extra axis "
        f"of length 1 (a keepdims=True or a reshape too many). Remove it, or reshape to {f['want']}"),
        shape_only=True),
    Generic("transposed", _transposed, lambda names, f: (
        f"{join(names)} {_verb(names, 'is', 'are')} the transpose of the expected result: the values "
        f"are right but rows and columns are swapped. Check the order of the product (W @ a, not "
        f"a @ W) and any .T too many or too few" if not f["axes"] else
        f"{join(names)} {_verb(names, 'holds', 'hold')} the right values with the axes in another "
        f"order: make the array with the shape the docstring gives, e.g. (n_a, m, T_x), and store "
        f"step t in [:, :, t]"), shape_only=True),
    Generic("sign", _sign, lambda names, f: (
        f"{join(names)} {_verb(names, 'has', 'have')} the right size but the opposite sign everywhere: "
        f"a minus sign is missing or one too many (e.g. a - b written b - a)")),
    Generic("zeros", _zeros, lambda names, f: (
        f"{join(names)} {_verb(names, 'is', 'are')} all zeros: the array is created (np.zeros) but "
        f"never filled or added to; check that the loop writes into it, with the right variable")),
    Generic("other-output", _other_output, lambda names, f: (
        f"{join(names)} {_verb(names, 'holds', 'hold')} exactly what {f['other-output']} should be: "
        f"the wrong variable is returned or stored (check the names in the return statement and "
        f"their order)")),
    Generic("input", _input, _input_words),
    Generic("factor", _factor, lambda names, f: (
        f"{join(names)} {_verb(names, 'is', 'are')} off by a constant factor: every value is "
        f"{f['factor']} times the expected one. Look for a term counted twice, or a factor left out "
        f"or added (the learning rate, a 1 - beta)")),
]


# --------------------------------------------------------------------------- error hints

ERROR_HINTS: list[ErrorHint] = [
    ErrorHint(r"unsupported operand type\(s\) for \^|ufunc 'bitwise_xor' not supported",
              "^ is not a power in Python (it is bitwise xor, which floats do not have): use ** for "
              "powers, e.g. beta1 ** t and grads['dW1'] ** 2", kind="xor-power"),
    ErrorHint(r"module 'numpy' has no attribute '(float|int|bool|object|complex|str)'",
              "np.{0} was removed from NumPy (1.24): write the built-in {0} instead, or a NumPy type "
              "such as np.float64", kind="removed-numpy-alias"),
    ErrorHint(r"matmul: Input operand \d+ has a mismatch in its core dimension|shapes \(\d+,\d*\) and "
              r"\(\d+,\d*\) not aligned",
              "a matrix product whose sizes do not fit: in W @ a the columns of W must match the rows "
              "of a. Check the order of the two factors and whether one needs .T", kind="matmul-shapes"),
]
