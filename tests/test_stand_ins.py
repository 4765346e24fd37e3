"""Stand-ins: a graded function's calls of other graded functions are answered by the reference
only for the functions its reference calls. Derived from the reference for every assignment,
shown by `grader list`, enforced by the grader whatever the child sends; and the limits that
keep what a child sends cheap to refuse.
"""
import os
import socket
import struct
import subprocess
import sys
import textwrap
import time

import pytest

from grader.runtime import codec
from grader.reports.appendix import render_appendix
from grader.core.assignment import load_assignment
from grader.grading.submission import grade_notebook

from conftest import ROOT, write_notebook

SPEC = '''
name = "doubling"
title = "Doubling"
reference = "reference.py"
cases = "cases.py"

[defaults]
timeout = 5.0

[[functions]]
name = "double"
points = 1
returns = ["y"]
compare = ["y"]
builder = "vector"
cases = [{ name = "small", visibility = "public" }, { name = "large", args = { n = 50 } }]

[[functions]]
name = "quadruple"
points = 1
returns = ["y"]
compare = ["y"]
builder = "vector"
cases = [{ name = "small", visibility = "public" }]

[[functions]]
name = "triple"
points = 1
returns = ["y"]
compare = ["y"]
builder = "vector"
cases = [{ name = "small", visibility = "public" }]
'''

REFERENCE = '''
def double(x):
    return (2 * x,)

def quadruple(x):
    return (double(double(x)[0])[0],)

def triple(x):
    return (3 * x,)
'''

CASES = '''
import numpy as np

def vector(reference, n=5):
    return {"x": np.arange(n, dtype=float)}
'''


@pytest.fixture(scope="module")
def doubling(tmp_path_factory):
    folder = tmp_path_factory.mktemp("doubling")
    for name, text in (("spec.toml", SPEC), ("reference.py", REFERENCE), ("cases.py", CASES)):
        (folder / name).write_text(textwrap.dedent(text))
    return load_assignment(str(folder))


def test_the_stand_ins_are_the_graded_functions_the_reference_calls(assignment, doubling):
    stand_ins = {f.name: f.stand_ins for f in assignment.functions}
    assert stand_ins == {
        "rnn_cell_forward": (), "rnn_forward": ("rnn_cell_forward",),
        "lstm_cell_forward": (), "lstm_forward": ("lstm_cell_forward",),
        "rnn_cell_backward": (), "rnn_backward": ("rnn_cell_backward",),
        "lstm_cell_backward": (), "lstm_backward": ("lstm_cell_backward",),
        "initialize_adam": (), "update_parameters_with_adam": ()}
    assert {f.name: f.stand_ins for f in doubling.functions} == {
        "double": (), "quadruple": ("double",), "triple": ()}


def test_grader_list_says_which_calls_the_reference_answers():
    run = subprocess.run([sys.executable, "-m", "grader", "list"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = {line.split()[0]: line for line in run.stdout.splitlines() if line.startswith("  ")}
    assert "its calls of rnn_cell_forward are answered by the reference" in lines["rnn_forward"]
    assert "answered" not in lines["rnn_cell_backward"]


def test_any_other_graded_function_is_the_students_own(doubling, zygote, tmp_path):
    """A new assignment, no change to the grader: quadruple's calls of double are answered by
    the reference (its reference calls double); triple's are not (its reference does not), so
    a triple built on a wrong double fails, and a double borrowed from quadruple earns nothing."""
    path = write_notebook(tmp_path / "student.ipynb", [
        "def double(x):\n    return (3 * x,)",
        "def quadruple(x):\n    return (double(double(x)[0])[0],)",
        "def triple(x):\n    return (double(x)[0],)",
    ])
    functions = {f.name: f for f in grade_notebook(zygote, doubling, path, "student").functions}
    assert functions["double"].status == "failed"
    assert functions["quadruple"].status == "passed"
    assert "when it calls your double" in functions["quadruple"].message
    assert functions["triple"].status == "passed"  # 3x through its own double: its own work
    borrowing = write_notebook(tmp_path / "borrowing.ipynb", [
        "def quadruple(x):\n    return (5 * x,)",
        "def double(x):\n    return (quadruple(x)[0] / 2,)",
    ])
    functions = {f.name: f for f in grade_notebook(zygote, doubling, borrowing, "borrowing").functions}
    assert functions["double"].status == "failed"  # its own quadruple's 5x / 2, not the reference's 4x / 2
    assert functions["quadruple"].status == "failed"


def test_the_fingerprint_follows_the_stand_ins(tmp_path):
    """Results graded under other stand-ins are regraded: the fingerprint changes with them."""
    fingerprints = []
    for reference in (REFERENCE, REFERENCE.replace("return (double(double(x)[0])[0],)", "return (4 * x,)")):
        folder = tmp_path / f"version{len(fingerprints)}"
        folder.mkdir()
        for name, text in (("spec.toml", SPEC), ("reference.py", reference), ("cases.py", CASES)):
            (folder / name).write_text(textwrap.dedent(text))
        loaded = load_assignment(str(folder))
        fingerprints.append((loaded.fingerprint, loaded.function("quadruple").stand_ins))
    assert fingerprints[0][1] == ("double",) and fingerprints[1][1] == ()
    assert fingerprints[0][0] != fingerprints[1][0]


def test_a_huge_header_is_refused_before_it_is_read():
    header = b'{"__list__": [' + b"1," * 3_000_000 + b"1]}"
    frame = struct.pack("!QI", len(header), len(header)) + header
    started = time.perf_counter()
    with pytest.raises(codec.CodecError, match="header of .* over the limit"):
        codec.decode(frame)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.sendall(frame[:12])  # only the prefix: the rest never needs to be read
        with pytest.raises(codec.CodecError, match="header of .* over the limit"):
            codec.receive_raw(theirs)
    crowded = b'{"__list__": [' + b"1," * (codec.MAX_ITEMS + 10) + b"1]}"
    with pytest.raises(codec.CodecError, match="more than 100000 values"):
        codec.decode(struct.pack("!QI", len(crowded), len(crowded)) + crowded)
    assert time.perf_counter() - started < 5  # refused from lengths and counts, never parsed whole


def test_a_cell_marked_remove_source_still_shows_in_the_appendix(tmp_path):
    import nbformat
    notebook = nbformat.v4.new_notebook()
    hidden = nbformat.v4.new_code_cell("def rnn_cell_forward(xt, a_prev, parameters):\n    return 'hidden cheat'")
    hidden.metadata["transient"] = {"remove_source": True}
    notebook.cells = [nbformat.v4.new_code_cell("import numpy as np"), hidden]
    path = tmp_path / "hiding.ipynb"
    nbformat.write(notebook, str(path))
    appendix = render_appendix(path)
    assert not appendix.error
    assert "hidden cheat" in str(appendix.cells[1].html)


def test_the_reference_answers_in_a_worker_under_limits(tmp_path):
    """A stand-in call runs the reference in a worker process: one that runs too long is killed
    at the deadline and the next call gets a fresh worker; one that allocates past the memory
    limit raises there, never in the grader; an answer over its size limit is refused."""
    from grader.execution.reference_worker import ReferenceTimeout, ReferenceWorkers

    reference = tmp_path / "reference.py"
    reference.write_text(textwrap.dedent('''
        import numpy as np

        def spin(x):
            while True:
                pass

        def outer(x):
            return x @ x.T

        def double(x):
            return 2 * x
    '''))
    workers = ReferenceWorkers(str(reference), memory_bytes=256 << 20, answer_bytes=1 << 20)
    try:
        import numpy as np

        def ask(name, value, timeout=5.0):
            reply, _ = workers.answer(codec.encode({"call": name, "args": [value], "kwargs": {}}), timeout)
            return codec.decode_trusted(reply)

        started = time.monotonic()
        with pytest.raises(ReferenceTimeout):
            ask("spin", 1, timeout=0.5)
        assert time.monotonic() - started < 5
        assert ask("double", 21) == {"return": 42}  # a fresh worker
        kind, message = ask("outer", np.ones((20000, 1)))["raise"]  # 3.2 GB
        assert "ran out of memory" in message
        kind, message = ask("double", np.ones(200_000))["raise"]  # 1.6 MB back
        assert "over the limit" in message
    finally:
        workers.close()
