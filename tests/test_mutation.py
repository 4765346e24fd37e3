"""Mutation testing: the assignment's cases catch bugs made on purpose in the reference.

The run here grades a spread of mutants of five functions with the real engine (about 100
mutants, a few seconds on two cores). Measured on the whole reference: 516 mutants over the ten
functions, every one that is not equivalent killed (510 of 510), 6 equivalent; see the closing
note of issue 7 for the full figures.
"""
from dataclasses import replace

import pytest

from grader.authoring import mutate
from grader.authoring.mutate import format_report, make_mutants, run_mutation

FUNCTIONS = ["rnn_cell_forward", "lstm_forward", "rnn_cell_backward", "rnn_backward",
             "update_parameters_with_adam"]


@pytest.fixture(scope="module")
def all_mutants(assignment):
    return make_mutants(assignment)


@pytest.fixture(scope="module")
def report(assignment, zygote):
    return run_mutation(assignment, zygote, FUNCTIONS, limit=20)


def test_the_cases_kill_every_mutant_that_is_not_equivalent(report):
    assert len(report.results) == 100
    assert {r.mutant.function for r in report.results} == set(FUNCTIONS)
    assert report.of("survived") == [], format_report(report)
    assert report.kill_rate() == 1.0
    for name in FUNCTIONS:
        assert report.kill_rate(name) == 1.0


def test_running_in_process_gives_the_engines_verdicts(assignment, report):
    assert report.disagreements == []
    in_process = run_mutation(assignment, None, FUNCTIONS, limit=20)
    assert [r.verdict for r in in_process.results] == [r.verdict for r in report.results]
    assert [r.failed_cases for r in in_process.results] == [r.failed_cases for r in report.results]


def test_hints_from_the_engine_are_the_ones_worked_out_here(report):
    by_value = report.by_value
    assert by_value
    assert all(r.hint_consistent for r in by_value)
    assert any(r.confirmed_named for r in by_value)


def test_there_are_enough_mutants_of_every_kind(assignment, all_mutants):
    mutants = all_mutants
    assert len(mutants) >= 200
    assert {m.function for m in mutants} == set(assignment.graded_names)
    assert set(mutate.OPERATORS) == {m.operator for m in mutants}
    assert len({m.source for m in mutants}) == len(mutants)  # no two alike


@pytest.mark.parametrize("operator, line_text, description", [
    ("swap operator", "a_next = np.tanh(Waa @ a_prev + Wax @ xt - ba)", "`+` -> `-`"),
    ("transpose", "dtanh @ xt", "remove `.T` from `xt`"),
    ("change axis", "np.sum(dtanh, axis=0, keepdims=True)", "axis=1 -> axis=0"),
    ("keepdims", "np.sum(dtanh, axis=1, keepdims=False)", "keepdims=True -> keepdims=False"),
    ("shift loop range", "for t in range(1, T_x):", "range(T_x) -> range(1, T_x)"),
    ("swap arguments", "rnn_cell_forward(a_next, x[:, :, t], parameters)", "swap the arguments"),
    ("replace output", "return (a_prev, yt_pred, cache)", "return `a_prev` in place of `a_next`"),
    ("drop term", "dWax = grads['dWax']", "drop the term `dWax`"),
    ("initial value", "rnn_cell_forward(x[:, :, t], a0, parameters)", "`a_next` -> its initial value `a0`"),
])
def test_each_operator_makes_the_mutant_it_says(all_mutants, operator, line_text, description):
    mutants = [m for m in all_mutants if m.operator == operator]
    assert any(line_text in m.mutated and m.description.startswith(description) for m in mutants), \
        [(m.description, m.mutated) for m in mutants][:20]


def test_equivalent_mutants_are_told_apart_from_survivors(assignment):
    report = run_mutation(assignment, None, ["lstm_cell_forward", "initialize_adam"])
    equivalent = {(r.mutant.function, r.mutant.mutated): r.reason for r in report.of("equivalent")}
    # np.concatenate joins along axis 0 unless told otherwise
    assert "returns exactly the reference's outputs" in \
        equivalent[("lstm_cell_forward", "concat = np.concatenate((a_prev, xt))")]
    # v and s are both zeros: returning one for the other changes nothing a case can see
    assert ("initialize_adam", "return (s, s)") in equivalent
    assert report.of("survived") == []


def test_every_survivor_is_listed_with_its_line_and_an_input_that_tells_it_apart(assignment):
    """With only its one-step case, rnn_backward lets through every mutant of the time loop."""
    function = assignment.function("rnn_backward")
    weak_function = replace(function, cases=tuple(c for c in function.cases if c.name == "one time step"))
    weak = replace(assignment, functions=tuple(weak_function if f.name == "rnn_backward" else f
                                               for f in assignment.functions))
    report = run_mutation(weak, None, ["rnn_backward"])
    survivors = report.of("survived")
    assert len(survivors) >= 5
    text = format_report(report)
    assert f"Survivors: {len(survivors)}" in text
    for result in survivors:
        assert f"{report.reference}:{result.mutant.line}" in text
        assert f"was: {result.mutant.original}" in text
        assert f"now: {result.mutant.mutated}" in text
        assert result.reason.startswith(("differs on args = {", "raises on args = {"))
        assert result.reason in text
    dropped = [r for r in survivors if r.mutant.mutated == "grads = rnn_cell_backward(da[:, :, t], cache_list[t])"]
    assert dropped and "(builder rnn_backward_case)" in dropped[0].reason
    assert report.kill_rate() < 1.0


def test_the_report_gives_the_figures_per_function(report):
    text = format_report(report)
    for name in FUNCTIONS:
        assert name in text
    assert "total" in text and "100.0%" in text
    assert "Hints: of" in text and "confirmed on every case" in text


def test_the_command_prints_the_report_writes_json_and_says_whether_all_were_killed(assignment, tmp_path):
    import io
    import json

    from grader.core.assignment import AssignmentError

    out = io.StringIO()
    status = mutate.command(assignment, functions=["initialize_adam"], in_process=True,
                            json_path=tmp_path / "mutants.json", out=out)
    assert status == 0
    assert "initialize_adam" in out.getvalue() and "Equivalent mutants: 3" in out.getvalue()
    document = json.loads((tmp_path / "mutants.json").read_text())
    assert document["functions"]["initialize_adam"] == {"mutants": 13, "killed": 10, "survived": 0,
                                                        "equivalent": 3, "kill_rate": 1.0}
    assert {m["verdict"] for m in document["mutants"]} == {"killed", "equivalent"}
    with pytest.raises(AssignmentError, match="not a graded function"):
        mutate.command(assignment, functions=["softmax"], in_process=True, out=out)
