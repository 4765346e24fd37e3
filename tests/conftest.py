"""Shared fixtures: real notebooks written to disk, one loaded assignment, one fork server."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import nbformat
import pytest

from grader.core.assignment import load_assignment
from grader.grading.submission import grade_notebook
from grader.execution.sandbox import find_sandbox, secrets_of
from grader.execution.zygote import Zygote

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "submissions"

HEADER = "import numpy as np\nfrom rnn_utils import *\nfrom public_tests import *\n"

RNN_CELL_FORWARD = '''
# GRADED FUNCTION: rnn_cell_forward
def rnn_cell_forward(xt, a_prev, parameters):
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)
'''

RNN_FORWARD = '''
# GRADED FUNCTION: rnn_forward
def rnn_forward(x, a0, parameters):
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)
'''

INITIALIZE_ADAM = '''
def initialize_adam(parameters):
    v, s = {}, {}
    for l in range(1, len(parameters) // 2 + 1):
        for p in ("W", "b"):
            v["d" + p + str(l)] = np.zeros(parameters[p + str(l)].shape)
            s["d" + p + str(l)] = np.zeros(parameters[p + str(l)].shape)
    return v, s
'''


def write_notebook(path: Path, cells: list[str], version: int = 4) -> Path:
    """A real notebook file whose code cells hold these sources (markdown: start with '## ')."""
    sources = [textwrap.dedent(source).strip("\n") for source in cells]
    if version == 4:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_markdown_cell(s) if s.startswith("## ")
                          else nbformat.v4.new_code_cell(s) for s in sources]
        nbformat.write(notebook, str(path))
    else:
        cells_v3 = [{"cell_type": "markdown", "metadata": {}, "source": s} if s.startswith("## ")
                    else {"cell_type": "code", "collapsed": False, "input": s, "language": "python",
                          "metadata": {}, "outputs": [], "prompt_number": None} for s in sources]
        path.write_text(json.dumps({"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0,
                                    "worksheets": [{"cells": cells_v3, "metadata": {}}]}))
    return path


@pytest.fixture(scope="session")
def assignment():
    return load_assignment("rnn_step_by_step")


@pytest.fixture(scope="session")
def quick_assignment():
    """The same assignment with a one-second limit per call, for notebooks that hang."""
    return load_assignment("rnn_step_by_step", timeout=1.0)


@pytest.fixture(scope="session")
def sandbox(assignment):
    """The OS sandbox where bubblewrap runs (CI installs it), else None: tests run either way."""
    hidden, shown = secrets_of(assignment, [], [])
    return find_sandbox(hidden, shown)[0]


@pytest.fixture(scope="session")
def zygote(sandbox):
    with Zygote(sandbox) as server:
        yield server


@pytest.fixture
def grade(tmp_path, assignment, zygote):
    """Grade a notebook made of these cells; returns {function name: FunctionResult} and the result."""
    def run(cells, *, only=(), version=4, using=None, name="student"):
        path = write_notebook(tmp_path / f"{name}.ipynb", cells, version)
        result = grade_notebook(zygote, using or assignment, path, name, tuple(only))
        return {f.name: f for f in result.functions}, result
    return run
