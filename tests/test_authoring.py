"""Authoring an assignment from a solution notebook: grader new, grader lint, then the assignment
graded, checked and released like the bundled one, with no change to the grader."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from grader.commands.cli import main
from grader.authoring.solution import read_solution

from conftest import write_notebook

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "authoring"


@pytest.fixture(scope="module")
def authored(tmp_path_factory):
    """The fixture's solution notebook, copied, and the assignment ``grader new`` made from it."""
    root = tmp_path_factory.mktemp("authoring")
    source = root / "course"
    shutil.copytree(FIXTURE, source)
    folder = root / "layer"
    return source, folder


def _cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _submissions(source: Path, into: Path) -> Path:
    """A correct notebook (the solution itself), one with a wrong cost, one without linear_forward."""
    into.mkdir()
    solution = nbformat.read(str(source / "solution.ipynb"), as_version=4)
    nbformat.write(solution, str(into / "correct.ipynb"))
    wrong = copy.deepcopy(solution)
    for cell in _cells(wrong):
        cell.source = cell.source.replace("/ m\n", "/ (2 * m)\n")
    nbformat.write(wrong, str(into / "wrong.ipynb"))
    missing = copy.deepcopy(solution)
    missing.cells = [cell for cell in missing.cells if "def linear_forward" not in cell.source]
    nbformat.write(missing, str(into / "missing.ipynb"))
    return into


def test_a_solution_notebook_becomes_an_assignment_graded_checked_and_released(authored, tmp_path, capsys):
    source, folder = authored
    assert main(["new", str(folder), "--from", str(source / "solution.ipynb"), "--size", "m=1"]) == 0
    printed = capsys.readouterr().out
    table = printed.splitlines()
    assert table[0].split()[:4] == ["function", "points", "public", "hidden"]
    # one row per function: linear_activation_forward's test cell calls it twice (sigmoid, relu)
    assert table[1].split()[:4] == ["linear_forward", "10", "1", "3"]
    assert table[2].split()[:4] == ["linear_activation_forward", "10", "2", "4"]
    assert table[3].split()[:4] == ["compute_cost", "10", "1", "2"]
    assert "cache (not compared)" in table[1]
    assert "lint: layer is ready" in printed
    for name in ("spec.toml", "reference.py", "cases.py", "recorded.data", "solution.ipynb", "provided/layer_utils.py"):
        assert (folder / name).is_file(), name
    spec = (folder / "spec.toml").read_text()
    assert 'returns = "cost"' in spec and 'returns = ["Z", "cache"]' in spec and 'compare = ["Z"]' in spec
    assert 'name = "compute_cost"\nsection = "3 - Cost"\n' in spec  # the heading above its cell
    reference = (folder / "reference.py").read_text()
    assert "def linear_forward" in reference and "from layer_utils import sigmoid" in reference
    assert "print(" not in reference and "np.random.seed" not in reference  # no test cell in it

    assert main(["lint", str(folder)]) == 0
    capsys.readouterr()

    submissions = _submissions(source, tmp_path / "submissions")
    out = tmp_path / "reports"
    assert main(["grade", str(submissions), "--assignment", str(folder), "--out", str(out), "--no-pages",
                 "--quiet"]) == 0
    results = {s["id"]: {f["name"]: f["status"] for f in s["functions"]}
               for s in json.loads((out / "results.json").read_text())["submissions"]}
    assert results["correct"] == dict.fromkeys(["linear_forward", "linear_activation_forward", "compute_cost"], "passed")
    assert results["wrong"] == {"linear_forward": "passed", "linear_activation_forward": "passed",
                                "compute_cost": "failed"}
    wrong = next(s for s in json.loads((out / "results.json").read_text())["submissions"] if s["id"] == "wrong")
    cost = next(f for f in wrong["functions"] if f["name"] == "compute_cost")
    assert (cost["section"], cost["section_cell"]) == ("3 - Cost", 9)  # where the student reads again
    # linear_activation_forward calls the missing linear_forward: the reference answers for it
    assert results["missing"] == {"linear_forward": "missing", "linear_activation_forward": "passed",
                                  "compute_cost": "passed"}

    assert main(["check", str(submissions / "wrong.ipynb"), "--assignment", str(folder), "--no-html"]) == 1
    checked = capsys.readouterr().out
    assert "compute_cost" in checked and "public case 'cell 11'" in checked and "cost is wrong" in checked
    assert main(["check", str(submissions / "correct.ipynb"), "--assignment", str(folder), "--no-html"]) == 0
    capsys.readouterr()

    release = tmp_path / "release"
    assert main(["release", str(folder), "--out", str(release)]) == 0
    student = nbformat.read(str(release / "layer.ipynb"), as_version=4)
    text = "\n".join(cell.source for cell in student.cells)
    assert "np.dot(W, A) + b" not in text and "np.log(AL)" not in text
    assert "# GRADED FUNCTION: compute_cost" in text and "np.random.seed(3)" in text  # test cells kept
    assert (release / "layer_utils.py").is_file()
    # a student's machine: the bundle alone checks the correct notebook on the public cases
    assert main(["check", str(submissions / "correct.ipynb"), "--bundle", str(release / "layer.bundle.json"),
                 "--no-html"]) == 0


def test_lint_names_each_problem(authored, tmp_path, capsys):
    source, _ = authored
    solution = nbformat.read(str(source / "solution.ipynb"), as_version=4)
    cells = _cells(solution)
    # linear_forward's test cell with zero weights: an expected Z of zeros, which a stub matches
    cells[2].source = cells[2].source.replace("W = np.random.randn(n_h, n_x)", "W = np.zeros((n_h, n_x))") \
        .replace("b = np.random.randn(n_h, 1)", "b = np.zeros((n_h, 1))")
    # the cost's test cell with labels and predictions all 1, and no seed: a cost of NaN (0 * log 0)
    cells[-1].source = "m = 4\nY = np.ones((1, m))\nAL = np.ones((1, m))\nprint(compute_cost(AL, Y))"
    # a markdown cell that gives the solution away
    solution.cells.append(nbformat.v4.new_markdown_cell("A hint:\n\n```python\nZ = np.dot(W, A) + b\n```"))
    (tmp_path / "layer_utils.py").write_text((source / "layer_utils.py").read_text())
    nbformat.write(solution, str(tmp_path / "leaky.ipynb"))
    folder = tmp_path / "leaky"
    assert main(["new", str(folder), "--from", str(tmp_path / "leaky.ipynb"), "--seed", "7", "--no-lint"]) == 0
    printed = capsys.readouterr().out
    assert "could not work out: cell 11 sets no seed (np.random.seed): no hidden case with another seed" in printed
    assert main(["lint", str(folder)]) == 1
    problems = [line for line in capsys.readouterr().out.splitlines() if line.startswith("lint: ")]
    assert "lint: linear_forward: a stub returning zeros of the right shapes passes case 'cell 5'" in "\n".join(problems)
    assert any(line.startswith("lint: release: release refused:") and "np.dot(W, A) + b" in line for line in problems)
    assert "lint: compute_cost: case 'cell 11': the expected cost holds NaN or inf" in "\n".join(problems)
    assert not any("linear_activation_forward" in line for line in problems)

    # a hidden case that is a public one again
    spec = (folder / "spec.toml").read_text()
    (folder / "spec.toml").write_text(spec.replace('call = "linear_activation_forward/cell 8, seed 7, call 1"',
                                                   'call = "linear_activation_forward/cell 8, call 1"'))
    assert main(["lint", str(folder)]) == 1
    assert ("lint: linear_activation_forward: hidden case 'cell 8, seed 7, call 1' has the inputs of public "
            "case 'cell 8, call 1'") in capsys.readouterr().out


def test_new_says_what_it_could_not_work_out(tmp_path, capsys):
    notebook = write_notebook(tmp_path / "solution.ipynb", [
        "import numpy as np",
        '''
        # GRADED FUNCTION: scale
        def scale(x, factor):
            return x * factor
        ''',
        '''
        # GRADED FUNCTION: never_tested
        def never_tested(x):
            y = x + 1
            return y
        ''',
        '''
        import a_module_nobody_installed
        class Box:
            pass
        np.random.seed(1)
        x = np.random.randn(2, 3)
        print(scale(x, 2.0))
        scale(Box(), 2.0)
        ''',
        "for factor in range(100):\n    y = scale(x, float(factor))",
    ])
    assert main(["new", str(tmp_path / "scaling"), "--from", str(notebook), "--no-lint"]) == 0
    printed = capsys.readouterr().out
    assert "could not work out: scale: returns an expression, not a variable: its value is called output" in printed
    assert "could not work out: never_tested: no test cell calls it" in printed
    assert "a call of scale with an argument that is not plain data" in printed
    # the cell's failing import is noted, and the rest of the cell still ran
    assert "could not work out: cell 4 raised at line 1: ModuleNotFoundError: No module named " \
           "'a_module_nobody_installed'" in printed
    assert "could not work out: cell 5 calls scale 100 times: the first 5 are kept as cases" in printed
    # public: cell 4's call and the loop's first five (factor 2.0 is cell 4's again); hidden: cell 4's seeds
    assert printed.splitlines()[1].split()[:4] == ["scale", "10", "5", "2"]
    assert "never_tested" not in printed.splitlines()[2]


def test_new_never_writes_into_a_folder_that_is_not_an_assignment(tmp_path, capsys):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "reference.py").write_text("# the author's own file\n")
    assert main(["new", str(tmp_path / "work"), "--from", str(FIXTURE / "solution.ipynb")]) == 2
    assert "is not an assignment folder (no spec.toml)" in capsys.readouterr().err
    assert (tmp_path / "work" / "reference.py").read_text() == "# the author's own file\n"


def test_nbgrader_and_otter_solution_regions(tmp_path, capsys):
    notebook = write_notebook(tmp_path / "solution.ipynb", [
        "import numpy as np",
        '''
        def relu(z):
            """ReLU, element by element."""
            ### BEGIN SOLUTION
            a = np.maximum(0, z)
            ### END SOLUTION
            return a
        ''',
        '''
        def layer(x, params):
            # BEGIN SOLUTION
            out = relu(params["W"] @ x + params["b"])
            # END SOLUTION
            return out
        ''',
        '''
        # GRADED FUNCTION: zero_pad
        def zero_pad(X, pad):
            # YOUR CODE STARTS HERE
            X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
            # YOUR CODE ENDS HERE
            return X_pad
        ''',
        "np.random.seed(4)\nz = np.random.randn(3, 2)\na = relu(z)\nx_pad = zero_pad(np.random.randn(2, 3, 3, 2), 1)",
        "np.random.seed(5)\nx = np.random.randn(2, 3)\nparams = {'W': np.random.randn(4, 2), 'b': np.zeros((4, 1))}\nout = layer(x, params)",
    ])
    solution = read_solution(notebook)
    assert [(g.name, g.returns, g.single, g.uses) for g in solution.graded] == [
        ("relu", ("a",), True, ()), ("layer", ("out",), True, ("relu",)), ("zero_pad", ("X_pad",), True, ())]
    assert main(["new", str(tmp_path / "layers"), "--from", str(notebook)]) == 0
    assert "lint: layers is ready" in capsys.readouterr().out
    assert main(["release", str(tmp_path / "layers"), "--out", str(tmp_path / "release")]) == 0
    student = nbformat.read(str(tmp_path / "release" / "layers.ipynb"), as_version=4)
    relu_cell = student.cells[1].source
    assert "np.maximum" not in relu_cell and "BEGIN SOLUTION" not in relu_cell
    assert "# YOUR CODE HERE\n    raise NotImplementedError()\n    return a" in relu_cell
    pad_cell = student.cells[3].source  # the course's later markers: kept, the code between them gone
    assert "np.pad" not in pad_cell and "# YOUR CODE STARTS HERE\n    # YOUR CODE ENDS HERE" in pad_cell


def test_running_new_again_keeps_the_authors_choices(tmp_path, capsys):
    shutil.copytree(FIXTURE, tmp_path / "course")
    folder = tmp_path / "layer"
    assert main(["new", str(folder), "--from", str(tmp_path / "course" / "solution.ipynb"), "--no-lint"]) == 0
    capsys.readouterr()
    spec = (folder / "spec.toml").read_text()
    # the author gives compute_cost 20 points and a tolerance, and declares a size
    spec = spec.replace('name = "compute_cost"\nsection = "3 - Cost"\npoints = 10',
                        'name = "compute_cost"\nsection = "3 - Cost"\nrtol = 1e-05\npoints = 20')
    spec = spec.replace("sizes = []", "sizes = [{ m = 2 }]")
    (folder / "spec.toml").write_text(spec)
    assert main(["new", str(folder), "--from", str(folder / "solution.ipynb"), "--no-lint"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert [row.split()[:4] for row in table[1:4]] == [
        ["linear_forward", "10", "1", "3"], ["linear_activation_forward", "10", "2", "4"],
        ["compute_cost", "20", "1", "2"]]
    rewritten = (folder / "spec.toml").read_text()
    assert 'name = "compute_cost"\nsection = "3 - Cost"\nrtol = 1e-05\npoints = 20' in rewritten
    assert '{ name = "cell 11, m=2", visibility = "hidden"' in rewritten
    assert main(["lint", str(folder)]) == 0


def test_a_mistake_catalogue_added_to_an_authored_assignment_gives_its_hint(tmp_path, capsys):
    shutil.copytree(FIXTURE, tmp_path / "course")
    folder = tmp_path / "layer"
    assert main(["new", str(folder), "--from", str(tmp_path / "course" / "solution.ipynb"), "--no-lint"]) == 0
    (folder / "mistakes.py").write_text('''
import numpy as np

from grader.feedback.hints import Mistake


def _cost_without_mean(reference, AL, Y):
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))


MISTAKES = [
    Mistake("compute_cost", "the cost is summed, not averaged: divide by m, the number of examples",
            _cost_without_mean, kind="no-mean"),
]
''')
    solution = nbformat.read(str(tmp_path / "course" / "solution.ipynb"), as_version=4)
    for cell in _cells(solution):
        cell.source = cell.source.replace("/ m\n", "\n")
    nbformat.write(solution, str(tmp_path / "summed.ipynb"))
    capsys.readouterr()
    assert main(["check", str(tmp_path / "summed.ipynb"), "--assignment", str(folder), "--no-html"]) == 1
    checked = capsys.readouterr().out
    assert "hint: the cost is summed, not averaged: divide by m" in " ".join(checked.split())
    # the same hint from the student bundle, with no reference at hand
    assert main(["release", str(folder), "--out", str(tmp_path / "release")]) == 0
    capsys.readouterr()
    assert main(["check", str(tmp_path / "summed.ipynb"), "--bundle", str(tmp_path / "release" / "layer.bundle.json"),
                 "--no-html"]) == 1
    assert "hint: the cost is summed, not averaged: divide by m" in " ".join(capsys.readouterr().out.split())
