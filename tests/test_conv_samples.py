"""The convolution assignment end to end: its sample submissions get the verdicts and hints their
mistakes deserve, values of every kind travel (a scalar, masks, ints, a tuple, a mode left to its
default), and a batch or a check picks the assignment a notebook is for."""
import os
import shutil
import subprocess
import sys
import threading

import nbformat
import numpy as np
import pytest

from grader.runtime import codec
from grader.grading import routing
from grader.core.assignment import load_assignment
from grader.core.compare import compare_return
from grader.execution.environment import zygote_for
from grader.grading.submission import grade_notebook
from grader.authoring.mutate import run_mutation

from conftest import ROOT, SUBMISSIONS, write_notebook

NOTEBOOK = "Convolution_model_Step_by_Step.ipynb"
ALL = ["zero_pad", "conv_single_step", "conv_forward", "pool_forward", "conv_backward",
       "create_mask_from_window", "distribute_value", "pool_backward"]


def _correct_cell(function: str) -> str:
    notebook = nbformat.read(str(SUBMISSIONS / "conv_correct" / NOTEBOOK), as_version=4)
    return next(cell.source for cell in notebook.cells if f"def {function}(" in cell.source)


@pytest.fixture(scope="module")
def conv():
    return load_assignment("conv_step_by_step")


@pytest.fixture(scope="module")
def course_zygote(conv, sandbox):
    """The fork server from the assignment's declared student environment (the course's numpy)."""
    with zygote_for(conv, sandbox) as server:
        yield server


@pytest.fixture(scope="module")
def graded(conv, course_zygote):
    cache = {}

    def grade(sample):
        if sample not in cache:
            result = grade_notebook(course_zygote, conv, SUBMISSIONS / f"conv_{sample}" / NOTEBOOK, sample)
            cache[sample] = {f.name: f for f in result.functions}, result
        return cache[sample]
    return grade


def test_the_correct_sample_gets_full_marks(graded):
    functions, result = graded("correct")
    assert [name for name in ALL if functions[name].status != "passed"] == []
    assert result.score == result.max_score == 100
    assert result.warnings == ()  # the course's h5py, matplotlib and %matplotlib lines are left out


def test_the_courses_float_cast_runs_as_it_ran_in_the_course(graded):
    functions, result = graded("float_cast")  # float(b) of a (1, 1, 1) array: numpy 2 refuses it
    assert functions["conv_single_step"].status == "passed", functions["conv_single_step"].message
    assert result.score == result.max_score


@pytest.mark.parametrize("sample, failing, words", [
    ("stride_ignored", {"conv_forward": "failed", "pool_forward": "failed"}, "the stride is ignored"),
    ("window_not_strided", {"conv_backward": "failed", "pool_backward": "failed"}, "not by the stride"),
    ("bias_per_element", {"conv_single_step": "failed"}, "add b once"),
    ("array_for_scalar", {"conv_single_step": "failed"}, "not a number"),
    ("average_sum", {"distribute_value": "failed"}, "n_H + n_W"),
    ("hardcoded_sizes", {"zero_pad": "failed", "distribute_value": "failed", "pool_backward": "error"},
     "whatever"),
])
def test_each_typical_mistake_fails_exactly_its_functions_with_its_hint(graded, sample, failing, words):
    functions, _ = graded(sample)
    assert {name: f.status for name, f in functions.items() if f.status != "passed"} == failing
    for name in failing:
        assert any(case.hint for case in functions[name].cases), (name, functions[name].message)
    assert any(words in functions[name].message for name in failing), [functions[n].message for n in failing]


def test_a_mistake_the_public_cases_miss_is_caught_by_the_hidden_ones(graded):
    functions, _ = graded("average_sum")  # n_H + n_W == n_H * n_W for the notebook's 2x2 window
    distribute = functions["distribute_value"]
    assert [case.status for case in distribute.cases] == ["passed", "failed", "failed", "failed"]


def test_an_array_of_shape_1_1_1_is_not_the_scalar_but_a_python_or_numpy_float_is(grade, conv):
    body = "    s = a_slice_prev * W\n    return {}\n"
    for returned, status in [("float(np.sum(s) + b[0, 0, 0])", "passed"), ("np.sum(s) + b.item()", "passed"),
                             ("np.sum(s) + b", "failed"), ("np.array(np.sum(s) + b.item())", "passed")]:
        functions, _ = grade(["import numpy as np", "def conv_single_step(a_slice_prev, W, b):\n"
                              + body.format(returned)], only=["conv_single_step"], using=conv)
        assert functions["conv_single_step"].status == status, (returned, functions["conv_single_step"].message)
        if status == "failed":
            assert ("Z has shape (1, 1, 1), but should have shape () (an array where a single number is "
                    "expected)") in functions["conv_single_step"].message


def test_a_tuple_returned_where_one_value_is_expected_is_named(grade, conv):
    functions, _ = grade(["import numpy as np", "def zero_pad(X, pad):\n"
                          "    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0))), pad\n"],
                         only=["zero_pad"], using=conv)
    assert functions["zero_pad"].status == "failed"
    assert "X_pad is a tuple" in functions["zero_pad"].message


def test_a_default_mode_unlike_the_courses_fails_the_cases_that_leave_it_out(grade, conv):
    pool = _correct_cell("pool_forward")
    functions, _ = grade(["import numpy as np", pool.replace('mode = "max"', 'mode = "average"')],
                         only=["pool_forward"], using=conv)
    failed = [case.name for case in functions["pool_forward"].cases if case.status != "passed"]
    assert failed == ["2018 notebook", "default mode"]


def test_integer_inputs_boolean_masks_and_dz_of_three_kinds(grade, conv):
    functions, _ = grade(["import numpy as np",
                          "def create_mask_from_window(x):\n    return x == x.max()\n",
                          "def distribute_value(dz, shape):\n    n_H, n_W = shape\n"
                          "    return np.full(shape, dz / (n_H * n_W))\n",
                          "def zero_pad(X, pad):\n    out = np.zeros((X.shape[0], X.shape[1] + 2 * pad, "
                          "X.shape[2] + 2 * pad, X.shape[3]), dtype=X.dtype)\n"
                          "    out[:, pad:pad + X.shape[1], pad:pad + X.shape[2], :] = X\n    return out\n"],
                         only=["create_mask_from_window", "distribute_value", "zero_pad"], using=conv)
    assert {name: f.status for name, f in functions.items()} == dict.fromkeys(functions, "passed")


def test_student_code_that_draws_random_numbers_gets_the_same_seed_before_every_call(grade, conv):
    np.random.seed(1)
    first = np.random.rand()
    drawing = ("import numpy as np\n"
               "def distribute_value(dz, shape):\n"
               "    n_H, n_W = shape\n"
               f"    noise = np.random.rand() - {first!r}   # zero only right after np.random.seed(1)\n"
               "    return np.ones(shape) * dz / (n_H * n_W) + noise\n")
    functions, _ = grade([drawing], only=["distribute_value"], using=conv)
    assert functions["distribute_value"].status == "passed", functions["distribute_value"].message


def test_pool_backward_is_graded_with_the_reference_mask_and_distribution(grade, conv):
    pool_backward = _correct_cell("pool_backward")
    functions, _ = grade(["import numpy as np", pool_backward,
                          "def create_mask_from_window(x):\n    return x == x.min()\n",
                          "def distribute_value(dz, shape):\n    return np.zeros(shape)\n"],
                         only=["pool_backward"], using=conv)
    backward = functions["pool_backward"]
    assert backward.status == "passed", backward.message
    assert "create_mask_from_window" in backward.message and "fix those first" in backward.message


def test_each_notebook_goes_to_the_assignment_whose_functions_it_defines(tmp_path):
    assert routing.assignment_for(SUBMISSIONS / "conv_correct" / NOTEBOOK) == "conv_step_by_step"
    assert routing.assignment_for(SUBMISSIONS / "seed" / "RNN.ipynb") == "rnn_step_by_step"
    tie = write_notebook(tmp_path / "tie.ipynb", ["def zero_pad(X, pad):\n    pass",
                                                  "def rnn_forward(x, a0, parameters):\n    pass"])
    empty = write_notebook(tmp_path / "empty.ipynb", ["print(1)"])
    (tmp_path / "broken.ipynb").write_bytes(b"\x00not json")
    assert routing.assignment_for(tie) is None and routing.assignment_for(empty) is None
    notebooks = [("rnn", str(SUBMISSIONS / "correct" / "RNN.ipynb")), ("broken", str(tmp_path / "broken.ipynb")),
                 ("conv", str(SUBMISSIONS / "conv_correct" / NOTEBOOK)),
                 ("conv2", str(SUBMISSIONS / "conv_float_cast" / NOTEBOOK))]
    groups = routing.group_notebooks(notebooks)
    assert {name: [i for i, _ in group] for name, group in groups.items()} == {
        "conv_step_by_step": ["broken", "conv", "conv2"], "rnn_step_by_step": ["rnn"]}


def test_a_link_to_a_pipe_belongs_to_no_assignment_and_blocks_nothing(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    (tmp_path / "RNN.ipynb").symlink_to(pipe)
    found = []
    reader = threading.Thread(target=lambda: found.append(routing.assignment_for(tmp_path / "RNN.ipynb")),
                              daemon=True)
    reader.start()
    reader.join(10)
    assert found == [None]


def _grader(*arguments, cwd):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "grader", *map(str, arguments)], cwd=cwd,
                          capture_output=True, text=True, timeout=600, env=environment)


def test_released_notebook_and_bundle_check_a_student_without_the_reference(tmp_path):
    released = _grader("release", "conv_step_by_step", "--out", tmp_path / "release", cwd=tmp_path)
    assert released.returncode == 0, released.stderr
    student = tmp_path / "release" / "conv_step_by_step.ipynb"
    text = student.read_text()
    assert "# GRADED FUNCTION: conv_forward" in text and "h * stride" not in text  # regions emptied
    for sample, status, words in [("correct", 0, "All 8 graded functions pass"),
                                  ("array_for_scalar", 1, "not a number")]:
        shutil.copy(SUBMISSIONS / f"conv_{sample}" / NOTEBOOK, tmp_path / "release" / f"{sample}.ipynb")
        run = _grader("check", f"{sample}.ipynb", "--no-html", cwd=tmp_path / "release")  # the bundle beside it
        assert run.returncode == status, run.stdout + run.stderr
        assert "Checked with the student bundle" in run.stdout and words in run.stdout


def test_check_picks_the_assignment_the_notebook_is_for_and_asks_when_it_cannot_tell(tmp_path):
    conv = _grader("check", SUBMISSIONS / "conv_bias_per_element" / NOTEBOOK, "--no-html", cwd=tmp_path)
    assert conv.returncode == 1 and "conv_single_step" in conv.stdout and "add b once" in conv.stdout
    unknown = write_notebook(tmp_path / "unknown.ipynb", ["print('hello')"])
    run = _grader("check", unknown, "--no-html", cwd=tmp_path)
    assert run.returncode == 2 and "name it with --assignment" in run.stderr


def test_the_cases_kill_every_mutant_that_is_not_equivalent(conv, zygote):
    report = run_mutation(conv, zygote, ["conv_single_step", "conv_forward", "distribute_value", "pool_backward"],
                          limit=12)
    assert report.of("survived") == []
    assert len(report.of("killed")) >= 30


def test_ci_grades_the_changed_notebooks_with_the_assignment_they_are_for(tmp_path):
    repository = tmp_path / "repository"
    repository.mkdir()
    shutil.copy(SUBMISSIONS / "conv_stride_ignored" / NOTEBOOK, repository / "student.ipynb")
    for command in (["init", "-q"], ["add", "."], ["-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qm", "a"]):
        subprocess.run(["git", *command], cwd=repository, check=True)
    for named in ([], ["--assignment", "conv_step_by_step"]):
        run = _grader("ci", "--all", "--junit", tmp_path / "junit.xml", *named, cwd=repository)
        assert run.returncode == 1, run.stdout + run.stderr
        assert "the stride is ignored" in run.stdout
        assert 'name="conv_forward' in (tmp_path / "junit.xml").read_text()
    shutil.copy(SUBMISSIONS / "correct" / "RNN.ipynb", repository / "rnn.ipynb")
    mixed = _grader("ci", "--all", cwd=repository)
    assert mixed.returncode == 2 and "several assignments" in mixed.stderr


def test_the_stored_notebooks_are_what_the_script_writes():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "make_conv_notebooks.py"), "--check"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr


def test_every_known_mistake_is_named_when_a_student_makes_it(conv):
    """Each entry of the catalogue, run on the cases as a student's code would return it, gets its
    own words from the engine on some case it changes."""
    from grader.feedback import hints

    for mistake in hints.mistakes_for(conv, "zero_pad") + [m for name in ALL[1:] for m in hints.mistakes_for(conv, name)]:
        function = conv.function(mistake.function)
        named = False
        for case in function.cases:
            try:
                value = function.as_returned(mistake.compute(conv.reference, **case.inputs))
            except Exception:  # noqa: BLE001  (a mistake that raises on this case: the error hints speak)
                continue
            value = codec.decode(codec.encode(value))
            if compare_return(function, case.expected, value):
                named = named or mistake.explanation in hints.explain(conv, function, case, value)
        assert named, (mistake.function, mistake.kind)
