"""The bundled sample submissions get the verdicts their mistakes deserve (submissions/README.md)."""
import pytest

from grader.grading.submission import grade_notebook

from conftest import SUBMISSIONS

ALL = ["rnn_cell_forward", "rnn_forward", "lstm_cell_forward", "lstm_forward", "rnn_cell_backward",
       "rnn_backward", "lstm_cell_backward", "lstm_backward", "initialize_adam",
       "update_parameters_with_adam"]


@pytest.fixture(scope="module")
def graded(assignment, zygote):
    cache = {}

    def grade(name):
        if name not in cache:
            result = grade_notebook(zygote, assignment, SUBMISSIONS / name / "RNN.ipynb", name)
            cache[name] = {f.name: f for f in result.functions}, result
        return cache[name]
    return grade


def test_the_seed_notebook(graded):
    functions, result = graded("seed")
    for name in ["rnn_cell_forward", "rnn_forward", "lstm_cell_forward", "lstm_forward", "initialize_adam"]:
        assert functions[name].status == "passed", (name, functions[name].message)
    backward = functions["rnn_cell_backward"]
    assert backward.status == "failed"
    assert "dxt" in backward.message and "da_prev" in backward.message and "dba" in backward.message
    assert "(5,)" in backward.message and "(5, 1)" in backward.message
    assert "dWax" not in backward.message and "dWaa" not in backward.message  # those two are right
    assert backward.marked is False  # found without a GRADED FUNCTION marker
    for name in ["rnn_backward", "lstm_cell_backward", "lstm_backward"]:
        assert functions[name].status == "missing"
    adam = functions["update_parameters_with_adam"]
    assert adam.status == "failed"
    failing = [case.name for case in adam.cases if case.status != "passed"]
    assert failing == ["gradients near 1e-5"]
    assert "epsilon is inside the square root" in adam.message
    assert result.warnings == ()  # the pasted-output cell parses; it simply never runs


def test_the_correct_notebook_gets_full_marks(graded):
    functions, result = graded("correct")
    assert [name for name in ALL if functions[name].status != "passed"] == []
    assert result.score == result.max_score == 100


@pytest.mark.parametrize("sample, failing, words", [
    ("keepdims", {"rnn_cell_backward", "lstm_cell_backward"}, "keepdims=True"),
    ("a0_every_step", {"rnn_forward", "lstm_forward"}, "a is wrong"),
    ("no_feedback", {"rnn_backward", "lstm_backward"}, "dWax"),
    ("hardcoded_sizes", {"rnn_forward", "lstm_forward", "rnn_cell_backward"}, "ValueError"),
    ("adam_mistakes", {"update_parameters_with_adam", "lstm_cell_backward"}, "no bias correction"),
    ("test_globals", {"rnn_cell_forward", "lstm_forward"}, "that cell"),
])
def test_each_typical_mistake_fails_exactly_its_functions(graded, sample, failing, words):
    functions, _ = graded(sample)
    assert {name for name in ALL if functions[name].status != "passed"} == failing
    assert any(words in functions[name].message for name in failing)


def test_hard_coded_sizes_pass_the_public_case_and_fail_hidden_ones(graded):
    functions, _ = graded("hardcoded_sizes")
    statuses = {case.name: case.status for case in functions["rnn_cell_backward"].cases}
    assert statuses["notebook"] == "passed"
    assert statuses["other sizes"] == "error"
    assert 0 < functions["rnn_cell_backward"].score < functions["rnn_cell_backward"].max_score


def test_a_hint_points_back_to_the_assignments_text(graded):
    functions, _ = graded("keepdims")
    backward = functions["rnn_cell_backward"]
    assert backward.section == "3.1 - Basic RNN Backward Pass"
    assert backward.section_cell == 17  # the cell of that heading in this notebook
    functions, _ = graded("seed")  # a notebook stripped of the course's text: named, no cell
    assert functions["rnn_cell_backward"].section_cell is None
