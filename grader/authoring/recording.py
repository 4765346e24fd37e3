"""Recording: the arguments a solution notebook's test cells hand to its graded functions.

The notebook's code cells run in order, as a kernel would run them, in a separate process
inside the sandbox (``python -m grader.authoring.recording``; test cells are code, and may import
anything beside the notebook). Each graded function is wrapped: a call made by a test cell
(not one graded function calling another) is recorded with its arguments, bound to the
parameter names. A *variation* of a test cell runs the cell again, on the namespace as it was
before the cell, with its seeds or its sizes changed; its calls are recorded apart.

What comes back is plain data (``grader.runtime.codec``): arrays, numbers, strings, lists, tuples,
dicts, and nothing is unpickled. Prints of the cells go nowhere.
"""
from __future__ import annotations

import ast
import copy
import inspect
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader.runtime import codec

CELL_SECONDS = 60  # a test cell that takes longer is stopped (a training loop, say)
CALLS_KEPT = 5  # calls of one function kept from one cell: a loop's thousand calls are not a thousand cases
_SEED_CALLS = {"seed", "manual_seed", "set_seed", "default_rng", "RandomState"}


class RecordingError(Exception):
    """The notebook could not be run at all; the message says why."""


@dataclass(frozen=True)
class Variation:
    """A test cell run again with other seeds or sizes; ``key`` names its calls."""
    key: str
    cell: int
    seed: int | None = None
    sizes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    calls: dict  # "cell N" or a variation's key -> [(function, {parameter: value}), ...]
    # one line each: a cell that raised, a call that is not plain data (a variation that raised
    # after its calls were made, at an assert of the notebook's own values, is no problem)
    problems: tuple[str, ...]


def vary(source: str, seed: int | None, sizes: dict) -> str | None:
    """The cell with its seeds set to ``seed`` and its top-level size assignments set to
    ``sizes``; None when the change leaves the cell as it was (nothing to vary)."""
    tree = ast.parse(source)
    changed = False
    if seed is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called_name(node.func) in _SEED_CALLS and node.args \
                    and isinstance(node.args[0], ast.Constant) and type(node.args[0].value) is int:
                if node.args[0].value != seed:
                    node.args[0] = ast.Constant(seed)
                    changed = True
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target, value = node.targets[0], node.value
        pairs = [(target, "value")] if isinstance(target, ast.Name) else []
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
            pairs = [(t, i) for i, t in enumerate(target.elts) if isinstance(t, ast.Name)]
        for name_node, where in pairs:
            if name_node.id not in sizes:
                continue
            replacement = ast.Constant(sizes[name_node.id])
            if where == "value":
                node.value = replacement
            else:
                value.elts[where] = replacement
            changed = True
    return ast.unparse(tree) if changed else None


def _called_name(func) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def record(cells: list[tuple[int, str]], graded: list[str], variations: list[Variation], folder: Path,
           sandbox=None, timeout: float = 600.0) -> Recorded:
    """Run the notebook's cells in a separate process (inside ``sandbox`` when given) and
    return what each test cell, and each variation, handed to the graded functions."""
    request = {"cells": [[number, source] for number, source in cells], "graded": graded,
               "variations": [[v.key, v.cell, v.seed, v.sizes] for v in variations],
               "folder": str(folder)}
    read_end, write_end = os.pipe()
    command = [sys.executable, "-m", "grader.authoring.recording", str(write_end)]
    package_parent = str(Path(__file__).resolve().parent.parent.parent)
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": package_parent,
                   "LANG": "C.UTF-8", "HOME": "/tmp", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        process = subprocess.Popen(sandbox.wrap(command) if sandbox else command, stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=[write_end],
                                   env=environment, cwd=str(folder))
    finally:
        os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as results:
            process.stdin.write(codec.encode(request))
            process.stdin.close()
            data = results.read(codec.MAX_MESSAGE_BYTES)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise RecordingError(f"the notebook did not finish running in {timeout:g} s") from None
    stderr = process.stderr.read().decode(errors="replace").strip().splitlines()
    process.stderr.close()
    if process.returncode != 0 or not data:
        raise RecordingError(f"running the notebook's cells failed ({stderr[-1] if stderr else process.returncode})")
    try:
        answer = codec.decode(data)
        calls = {str(key): [(str(name), dict(inputs)) for name, inputs in value]
                 for key, value in answer["calls"].items()}
        problems = tuple(str(text) for key, text in answer["problems"]
                         if not (", " in str(key) and calls.get(str(key)) and " raised at " in str(text)))
        return Recorded(calls, problems)
    except (codec.CodecError, KeyError, TypeError, ValueError) as error:
        raise RecordingError(f"the recording came back malformed ({error})") from None


# ---------------------------------------------------------------- the recording process


class _State:
    def __init__(self):
        self.key: str | None = None
        self.depth = 0
        self.calls: dict[str, list] = {}
        self.problems: list = []
        self.skipped: dict[tuple[str, str], int] = {}  # (cell, function) -> calls beyond CALLS_KEPT


def _wrap(name: str, function, state: _State):
    signature = inspect.signature(function)

    def recorded(*args, **kwargs):
        kept = sum(called == name for called, _ in state.calls.get(state.key, []))
        if state.depth == 0 and state.key is not None and kept >= CALLS_KEPT:
            state.skipped[state.key, name] = state.skipped.get((state.key, name), 0) + 1
        elif state.depth == 0 and state.key is not None:
            try:
                inputs = copy.deepcopy(dict(signature.bind(*args, **kwargs).arguments))
                codec.encode(inputs)
                if _plain(inputs):
                    state.calls.setdefault(state.key, []).append([name, inputs])
                else:
                    state.problems.append([state.key, f"{state.key}: a call of {name} with an argument that is "
                                          f"not plain data (arrays, numbers, strings, lists, tuples, dicts): not recorded"])
            except Exception as error:  # noqa: BLE001
                state.problems.append([state.key, f"{state.key}: a call of {name} could not be recorded "
                                                  f"({type(error).__name__}: {error})"])
        state.depth += 1
        try:
            return function(*args, **kwargs)
        finally:
            state.depth -= 1

    recorded.__wrapped__ = function
    recorded.__name__ = recorded.__qualname__ = name
    recorded.__signature__ = signature
    return recorded


def _plain(value) -> bool:
    decoded = codec.decode(codec.encode(value))
    stack = [decoded]
    while stack:
        item = stack.pop()
        if isinstance(item, codec.Unsupported):
            return False
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return True


def _run(source: str, namespace: dict, label: str, state: _State) -> None:
    """Run a cell statement by statement: a statement that raises is noted (the first of the
    cell) and the rest still run, so one missing import does not lose the cell's calls."""
    def stop(*_):
        raise TimeoutError(f"did not finish in {CELL_SECONDS} s")

    failed = []
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(CELL_SECONDS)
    try:
        for statement in ast.parse(source).body:
            try:
                exec(compile(ast.Module([statement], []), f"<{label}>", "exec"), namespace)
            except TimeoutError as error:
                failed.append(f"line {statement.lineno}: {error}")
                break
            except BaseException as error:  # noqa: BLE001  (a statement that raises or exits: noted)
                text = str(error).splitlines()[0][:200] if str(error) else ""
                failed.append(f"line {statement.lineno}: {type(error).__name__}: {text}".rstrip(": "))
    except BaseException as error:  # noqa: BLE001  (the alarm between two statements)
        failed.append(f"{type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
    if failed:
        more = f" (and {len(failed) - 1} more statement(s))" if len(failed) > 1 else ""
        state.problems.append([label, f"{label} raised at {failed[0]}{more}"])


def _wrap_all(namespace: dict, graded: list[str], state: _State) -> None:
    for name in graded:
        value = namespace.get(name)
        if callable(value) and not hasattr(value, "__wrapped__"):
            namespace[name] = _wrap(name, value, state)


def main(result_fd: int) -> None:
    request = codec.decode(sys.stdin.buffer.read())
    # what the cells print goes nowhere; the answer goes to its own descriptor
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    folder = request["folder"]
    # the modules beside the notebook; or, for the copy in an assignment folder, those it provides
    sys.path[:0] = [folder, os.path.join(folder, "provided")]
    os.chdir(folder)
    state = _State()
    namespace: dict = {"__name__": "__main__"}
    variations: dict[int, list] = {}
    for key, cell, seed, sizes in request["variations"]:
        variations.setdefault(cell, []).append((key, seed, sizes))
    for number, source in request["cells"]:
        _wrap_all(namespace, request["graded"], state)
        before = dict(namespace)
        for key, seed, sizes in variations.get(number, []):
            varied = vary(source, seed, sizes)
            if varied is None:
                continue
            state.key = key
            _run(varied, dict(before), key, state)
        state.key = f"cell {number}"
        _run(source, namespace, f"cell {number}", state)
        state.key = None
    for (key, name), count in state.skipped.items():
        state.problems.append([f"{key} ", f"{key} calls {name} {CALLS_KEPT + count} times: the first "
                                           f"{CALLS_KEPT} are kept as cases"])
    with os.fdopen(result_fd, "wb") as out:
        out.write(codec.encode({"calls": state.calls, "problems": state.problems}))
    os._exit(0)  # threads or atexit hooks a cell left behind must not hold the run


if __name__ == "__main__":
    main(int(sys.argv[1]))
