"""Tracing a case builder: the builder of the assignment's ``cases.py`` runs again with a recording
``numpy.random`` (a private ``RandomState``; the process's global generator is never touched) and
a recording reference, and every input is traced back to what made it. ``trace`` returns the
notebook statements that rebuild the case, kept only when executing them here against the
reference rebuilds the grader's inputs exactly.
"""
from __future__ import annotations

import importlib.util
import re
import threading
import tomllib
from functools import lru_cache
from pathlib import Path

import numpy as np

from grader.core.assignment import Assignment, Case, GradedFunction
from grader.feedback.python_literals import as_literal


_DRAWS = frozenset({"randn", "rand", "random", "random_sample", "standard_normal", "normal",
                    "uniform", "randint", "choice", "permutation", "binomial", "poisson",
                    "exponential", "beta", "gamma"})
_LOCK = threading.Lock()


# --------------------------------------------------------------------------- tracing the builder


class _Random:
    """``np.random`` for a builder: the legacy functions on a private RandomState, recorded."""

    def __init__(self, log: list):
        self._state = np.random.RandomState()
        self._log = log

    def seed(self, *args, **kwargs):
        self._state.seed(*args, **kwargs)
        self._log.append(("seed", args, kwargs, None))

    def __getattr__(self, name):
        method = getattr(self._state, name, None)
        if name not in _DRAWS or method is None:
            if name.startswith("_") or not hasattr(np.random, name):
                raise AttributeError(name)
            raise _Untraceable(f"np.random.{name}")

        def draw(*args, **kwargs):
            value = method(*args, **kwargs)
            self._log.append(("draw", name, args, kwargs, value))
            return value
        return draw


class _Numpy:
    """``np`` for a builder: numpy itself, except for ``np.random``."""

    def __init__(self, random: _Random):
        self.random = random

    def __getattr__(self, name):
        return getattr(np, name)


class _Reference:
    """The reference module for a builder, recording calls to graded functions."""

    def __init__(self, reference, graded: tuple[str, ...], log: list):
        self._reference, self._graded, self._log = reference, graded, log

    def __getattr__(self, name):
        attribute = getattr(self._reference, name)
        if name not in self._graded or not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            value = attribute(*args, **kwargs)
            self._log.append(("call", name, args, kwargs, value))
            return value
        return call


class _Untraceable(Exception):
    pass


@lru_cache(maxsize=8)
def _builders(directory: Path, fingerprint: str):
    """A private copy of the assignment's cases module, its numpy swapped per trace."""
    spec = tomllib.loads((directory / "spec.toml").read_text())
    path = directory / spec["cases"]
    loader_spec = importlib.util.spec_from_file_location(f"_grader_reproduce_{fingerprint}", path)
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    return module


def trace(assignment: Assignment, function: GradedFunction, case: Case):
    """(setup lines, {parameter: expression}, graded functions used) or None."""
    module = _builders(assignment.directory, assignment.fingerprint)
    builder = getattr(module, case.builder)
    numpy_names = [name for name, value in vars(module).items() if value is np]
    if not numpy_names:
        return None
    log: list = []
    with _LOCK:
        saved = {name: getattr(module, name) for name in numpy_names}
        try:
            for name in numpy_names:
                setattr(module, name, _Numpy(_Random(log)))
            inputs = builder(_Reference(assignment.reference, assignment.graded_names, log),
                             **case.arguments)
        finally:
            for name, value in saved.items():
                setattr(module, name, value)
    if not isinstance(inputs, dict) or not same_inputs(inputs, case.inputs):
        return None
    setup, arguments, uses = _Writer(assignment, log, inputs).write()
    if not _verify(assignment, setup, arguments, case.inputs):
        return None
    return setup, arguments, uses


class _Writer:
    """Turns a builder's recorded events and its result into notebook-style statements."""

    def __init__(self, assignment: Assignment, log: list, inputs: dict):
        self.assignment, self.log, self.inputs = assignment, log, inputs
        self.names: dict[int, str] = {}  # id(object) -> variable bound to it
        self.taken: set[str] = set()
        self.keep = [inputs, log]  # objects stay alive, so ids stay unique
        self.lines: list[str] = []
        self.uses: list[str] = []
        self.draws = {id(event[4]): event for event in log if event[0] == "draw"}
        self.produced = set()  # ids of what reference calls returned: named, never rebuilt
        for event in log:
            if event[0] == "call":
                self.produced.add(id(event[4]))
                if isinstance(event[4], tuple):
                    self.produced.update(id(element) for element in event[4])
        self.containers: dict[int, dict] = {}  # dicts to build: inputs and call arguments
        self.homes: dict[int, list] = {}  # id(draw) -> [(container id, key, scale)]
        self.opened: set[int] = set()
        self.closed: set[int] = set()
        self.done: set[tuple[int, object]] = set()  # (dict, key) already assigned

    # names ------------------------------------------------------------------
    def name(self, value, wanted: str) -> str:
        if id(value) in self.names:
            return self.names[id(value)]
        base = re.sub(r"\W", "_", wanted) + "_tmp"
        candidate, number = base, 2
        while candidate in self.taken:
            candidate, number = f"{base}{number}", number + 1
        self.taken.add(candidate)
        self.names[id(value)] = candidate
        return candidate

    # plan -------------------------------------------------------------------
    def _plan_container(self, value: dict, wanted: str) -> None:
        if id(value) in self.containers or id(value) in self.draws or id(value) in self.produced:
            return
        self.containers[id(value)] = value
        self.name(value, wanted)
        for key, member in value.items():
            draw = self._draw_behind(member)
            if draw is not None:
                self.homes.setdefault(id(draw[0]), []).append((id(value), key, draw[1]))

    def _draw_behind(self, value):
        """(draw, scale) when ``value`` is a recorded draw, or one times a constant."""
        if not isinstance(value, np.ndarray):
            return None
        if id(value) in self.draws:
            return self.draws[id(value)][4], None
        if value.size == 0 or value.dtype.kind != "f":
            return None
        for event in self.draws.values():
            drawn = event[4]
            if not isinstance(drawn, np.ndarray) or drawn.shape != value.shape or drawn.flat[0] == 0:
                continue
            scale = float(value.flat[0] / drawn.flat[0])
            if scale != 0 and np.isfinite(scale) and np.array_equal(drawn * scale, value):
                return drawn, scale
        return None

    def write(self):
        signatures = self.assignment.signatures
        for key, value in self.inputs.items():  # the inputs get the plain names
            if isinstance(value, dict) and id(value) not in self.produced:
                self._plan_container(value, key)
            elif isinstance(value, (np.ndarray, tuple, list, dict)):
                self.name(value, key)
        for event in self.log:
            if event[0] == "call":
                parameters = _bind(signatures.get(event[1], []), event[2], event[3])
                for parameter, value in parameters.items():
                    if isinstance(value, dict):
                        self._plan_container(value, parameter)
                    elif isinstance(value, (np.ndarray, tuple, list)) and id(value) in self.draws:
                        self.name(value, parameter)
        for event in self.log:
            kind = event[0]
            if kind == "seed":
                self.lines.append(f"np.random.seed({_arguments(event[1], event[2])})")
            elif kind == "draw":
                self._write_draw(event)
            else:
                self._write_call(event)
        arguments = {}
        for key, value in self.inputs.items():
            if isinstance(value, dict) and id(value) in self.containers:
                self._close(value)
            arguments[key] = self.expression(value)
        return self.lines, arguments, tuple(dict.fromkeys(self.uses))

    def _write_draw(self, event) -> None:
        _, method, args, kwargs, value = event
        call = f"np.random.{method}({_arguments(args, kwargs)})"
        homes = self.homes.get(id(value), [])
        direct = id(value) in self.names
        if not direct and len(homes) == 1:  # drawn straight into its dict, as the notebook does
            container_id, key, scale = homes[0]
            container = self.containers[container_id]
            self._open(container)
            target = f"{self.names[container_id]}[{key!r}]"
            self.lines.append(f"{target} = {call}{_scaled(scale)}")
            self.homes[id(value)] = []
            self.done.add((container_id, key))
            return
        if not direct:
            wanted = homes[0][1] if homes else "draw"
            if not homes and not self._used_by_call(value):
                self.lines.append(f"{call}  # not used, but it moves the random sequence on")
                return
            self.name(value, str(wanted))
        self.lines.append(f"{self.names[id(value)]} = {call}")

    def _used_by_call(self, value) -> bool:
        return any(event[0] == "call" and any(a is value for a in (*event[2], *event[3].values()))
                   for event in self.log)

    def _open(self, container: dict) -> None:
        if id(container) not in self.opened:
            self.opened.add(id(container))
            self.lines.append(f"{self.names[id(container)]} = {{}}")

    def _close(self, container: dict) -> None:
        """Every member not yet in the dict goes in now, before the dict is used."""
        if id(container) in self.closed:
            return
        self.closed.add(id(container))
        pending = [(key, member) for key, member in container.items()
                   if (id(container), key) not in self.done]
        if id(container) not in self.opened:
            members = ", ".join(f"{key!r}: {self.expression(member)}" for key, member in pending)
            self.opened.add(id(container))
            self.lines.append(f"{self.names[id(container)]} = {{{members}}}")
            return
        for key, member in pending:
            self.lines.append(f"{self.names[id(container)]}[{key!r}] = {self.expression(member)}")

    def _write_call(self, event) -> None:
        _, name, args, kwargs, value = event
        for argument in (*args, *kwargs.values()):
            if isinstance(argument, dict) and id(argument) in self.containers:
                self._close(argument)
        call = f"{name}({', '.join([*(self.expression(a) for a in args), *(f'{k}={self.expression(v)}' for k, v in kwargs.items())])})"
        self.uses.append(name)
        graded = self.assignment.function(name)
        returns = graded.returns
        if isinstance(value, tuple) and returns is not None and len(value) == len(returns):
            targets = []
            for element, wanted in zip(value, returns):
                targets.append(self.name(element, wanted) if self._needed(element) else "_")
            self.lines.append(f"{', '.join(targets)} = {call}")
        else:
            self.lines.append(f"{self.name(value, name + '_result')} = {call}")

    def _needed(self, value) -> bool:
        if id(value) in self.names:
            return True
        if any(value is v for v in self.inputs.values()):
            return True
        for container in self.containers.values():
            if any(value is member for member in container.values()):
                return True
        return self._used_by_call(value)

    def expression(self, value) -> str:
        if id(value) in self.names and (id(value) not in self.containers or id(value) in self.opened):
            return self.names[id(value)]
        draw = self._draw_behind(value)
        if draw is not None and id(draw[0]) in self.names:
            return f"{self.names[id(draw[0])]}{_scaled(draw[1])}"
        literal = as_literal(value)
        if literal is None:
            raise _Untraceable(f"no expression for a {type(value).__name__}")
        return literal


def _bind(names: list[str], args, kwargs) -> dict:
    bound = dict(zip(names, args))
    bound.update(kwargs)
    return bound


def _arguments(args, kwargs) -> str:
    parts = [as_literal(a) or repr(a) for a in args]
    parts += [f"{key}={as_literal(value) or repr(value)}" for key, value in kwargs.items()]
    return ", ".join(parts)


def _scaled(scale) -> str:
    return "" if scale is None or scale == 1.0 else f" * {scale!r}"


def _verify(assignment: Assignment, setup: list[str], arguments: dict, inputs: dict) -> bool:
    """Run the setup here (reference functions standing in for the student's) and compare."""
    namespace = {"np": _Numpy(_Random([])), "__builtins__": __builtins__}
    for name in assignment.graded_names:
        namespace[name] = getattr(assignment.reference, name)
    try:
        exec(compile("\n".join(setup), "<reproduction>", "exec"), namespace)
        rebuilt = {key: eval(expression, namespace) for key, expression in arguments.items()}
    except Exception:
        return False
    return same_inputs(rebuilt, inputs)


def same_inputs(a, b) -> bool:
    """Equal as plain data: arrays element for element (shape included), containers item for item."""
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(same_inputs(a[key], b[key]) for key in a))
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(same_inputs(x, y) for x, y in zip(a, b)))
    if isinstance(a, (np.ndarray, np.generic)) or isinstance(b, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    return a == b
