"""A student environment per assignment: student code runs with the numpy the spec pins, the
grader compares with its own. The slow tests reach PyPI; the environment is built once and
kept in the cache, like the cases."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from grader.commands.cli import main
from grader.execution.environment import declared_packages, student_environment

from conftest import write_notebook

PINNED = "numpy==1.26.4"

SOLUTION = [
    "## Convolution, one step",
    "import numpy as np",
    '''
    # GRADED FUNCTION: conv_single_step
    def conv_single_step(a_slice_prev, W, b):
        """The convolution of one slice with the filter W, plus the bias b (shape (1, 1, 1)): a float."""
        ### START CODE HERE ###
        s = np.multiply(a_slice_prev, W)
        Z = np.sum(s) + b.item()
        ### END CODE HERE ###
        return Z
    ''',
    '''
    np.random.seed(1)
    a_slice_prev = np.random.randn(4, 4, 3)
    W = np.random.randn(4, 4, 3)
    b = np.random.randn(1, 1, 1)
    Z = conv_single_step(a_slice_prev, W, b)
    print("Z =", Z)
    ''',
]

# what the course's notebook tells students to write: float() of a (1, 1, 1) array, which numpy 1.x
# allows and numpy 2 refuses; and a try at leaving a file in the environment's numpy
STUDENT = '''
# GRADED FUNCTION: conv_single_step
def conv_single_step(a_slice_prev, W, b):
    import os
    try:
        open(os.path.join(os.path.dirname(np.__file__), "planted.py"), "w").write("print('planted')")
    except OSError:
        pass
    s = a_slice_prev * W
    Z = np.sum(s)
    Z = Z + float(b)
    return Z
'''


def _authored(tmp_path: Path, capsys) -> Path:
    solution = write_notebook(tmp_path / "solution.ipynb", SOLUTION)
    folder = tmp_path / "convolution"
    assert main(["new", str(folder), "--from", str(solution), "--no-lint"]) == 0
    capsys.readouterr()
    return folder


def _pinned(folder: Path, packages: list[str], name: str) -> Path:
    pinned = folder.with_name(name)
    shutil.copytree(folder, pinned)
    spec = (pinned / "spec.toml").read_text()
    spec = spec.replace('# packages = ["numpy==1.26.4"]', "").replace("# [environment]", "[environment]", 1)
    spec = spec.replace("[environment]", f"[environment]\npackages = {json.dumps(packages)}", 1)
    (pinned / "spec.toml").write_text(spec)
    return pinned


def _statuses(folder: Path, submissions: Path, out: Path) -> dict:
    assert main(["grade", str(submissions), "--assignment", str(folder), "--out", str(out), "--no-pages",
                 "--quiet"]) == 0
    return {s["id"]: s["functions"][0] for s in json.loads((out / "results.json").read_text())["submissions"]}


def test_no_declaration_means_the_graders_own_environment(tmp_path, capsys):
    folder = _authored(tmp_path, capsys)
    assert declared_packages(folder) == ()
    assert student_environment(folder) is None


def test_a_declared_package_that_cannot_be_parsed_is_a_one_line_error(tmp_path, capsys):
    folder = _authored(tmp_path, capsys)
    spec = folder / "spec.toml"
    spec.write_text(spec.read_text().replace("# [environment]", "[environment]\npackages = \"numpy\"\n#", 1))
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    write_notebook(submissions / "student.ipynb", ["import numpy as np", STUDENT])
    assert main(["grade", str(submissions), "--assignment", str(folder), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "[environment] packages must be a list" in error
    assert not (tmp_path / "out" / "results.json").exists()


@pytest.mark.slow
def test_student_code_runs_with_the_pinned_numpy(tmp_path, capsys):
    assert np.__version__ != "1.26.4"  # the grader's own numpy is another
    folder = _authored(tmp_path, capsys)
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    write_notebook(submissions / "student.ipynb", ["import numpy as np", STUDENT])

    # with the grader's numpy 2, float() of a (1, 1, 1) array raises
    unpinned = _statuses(folder, submissions, tmp_path / "unpinned")["student"]
    assert unpinned["status"] == "error"
    assert "only 0-dimensional arrays can be converted" in json.dumps(unpinned)

    pinned = _pinned(folder, [PINNED], "convolution_pinned")
    graded = _statuses(pinned, submissions, tmp_path / "pinned")["student"]
    assert graded["status"] == "passed", graded
    assert graded["score"] == graded["max_score"]
    environment = student_environment(pinned)  # built once above, found in the cache now
    assert (environment.folder / "complete").read_text().split() == ["numpy==1.26.4"]
    assert main(["check", str(submissions / "student.ipynb"), "--assignment", str(pinned), "--no-html"]) == 0
    planted = list(environment.folder.glob("lib/python*/site-packages/numpy/planted.py"))
    from grader.execution.sandbox import find_sandbox
    if find_sandbox([], [])[0] is not None:  # the environment is shown read-only to student code
        assert planted == []


@pytest.mark.slow
def test_a_pin_pip_cannot_meet_is_a_one_line_error_before_grading(tmp_path, capsys):
    folder = _pinned(_authored(tmp_path, capsys), ["numpy==0.0.1"], "convolution_unmet")
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    write_notebook(submissions / "student.ipynb", ["import numpy as np", STUDENT])
    assert main(["grade", str(submissions), "--assignment", str(folder), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "the student environment (numpy==0.0.1) cannot be built" in error and "numpy==0.0.1" in error
    assert not (tmp_path / "out" / "results.json").exists()
