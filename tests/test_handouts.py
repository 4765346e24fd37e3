"""Nothing a student receives before grading gives a solution away: the release notebook, the
student bundle, every hint text a bundle carries, and the provided modules hold no line of the
reference's solution (the statements of the reference's graded functions and of the solution
notebook's code regions, compared without spaces, subscripts or the ``np.`` prefix, and the
right-hand side of each such assignment that computes more than one thing)."""
from __future__ import annotations

import dataclasses
import json
import shutil

import nbformat
import pytest

from grader.feedback import hints
from grader.authoring.bundle import SUFFIX
from grader.grading.submission import grade_notebook
from grader.authoring.release import (ReleaseError, find_leaks, given_lines, provided_solutions, release,
                            solution_fragments, solution_lines, statements, text_leaks)

from conftest import HEADER, RNN_CELL_FORWARD, write_notebook


class _AnyField(dict):
    """The fields a generic hint's words are filled with: every one present."""

    def __missing__(self, key):
        return "x"


def _solution(assignment):
    source = nbformat.read(str(assignment.directory / "solution.ipynb"), as_version=4)
    return source, solution_lines(assignment, source)


def every_hint_text(assignment) -> list[str]:
    """The words of every known mistake, error hint and generic explanation."""
    mistakes = assignment.mistakes
    texts = [mistake.explanation for mistake in mistakes.MISTAKES]
    texts += [entry.words for entry in list(getattr(mistakes, "ERROR_HINTS", [])) + hints.ERROR_HINTS]
    for generic in hints.GENERIC:
        for fields in (_AnyField(axes=""), _AnyField(axes="other"), _AnyField(unchanged=True),
                       _AnyField(after=True)):
            texts.append(generic.words(["dba"], fields))
    return list(dict.fromkeys(texts))


def test_the_check_finds_a_quoted_solution_line_however_it_is_written(assignment):
    _, lines = _solution(assignment)
    fragments = solution_fragments(lines)
    assert len(fragments) > 100
    for quoted in ("a_next is missing the tanh: a_next = np.tanh(Waa @ a_prev + Wax @ xt + ba)",
                   "use softmax( Wya@a_next + by )",
                   'v_corrected["dW1"] = v["dW1"] / (1 - beta1 ** t)',
                   "dtanh = da_next * (1 - a_next ** 2)"):
        assert text_leaks(quoted, fragments), quoted
    # words and formulas pass
    assert not text_leaks("a_next is missing the tanh: the new hidden state is tanh of the linear step", fragments)
    assert not text_leaks("the derivative of tanh(c_next) is 1 - tanh(c_next) ** 2", fragments)


def test_no_hint_text_quotes_a_line_of_the_solution(assignment):
    _, lines = _solution(assignment)
    fragments = solution_fragments(lines)
    texts = every_hint_text(assignment)
    assert len(texts) > 50
    leaking = {text: [fragment for fragment, _ in text_leaks(text, fragments)] for text in texts}
    assert {text: found for text, found in leaking.items() if found} == {}


def test_the_release_holds_no_line_of_the_solution(assignment, tmp_path):
    source, lines = _solution(assignment)
    fragments = solution_fragments(lines)
    release(assignment, tmp_path)
    notebook = nbformat.read(str(tmp_path / f"{assignment.name}.ipynb"), as_version=4)
    assert find_leaks(notebook, lines, *given_lines(assignment, source)) == []
    document = json.loads((tmp_path / f"{assignment.name}{SUFFIX}").read_text())
    strings = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            strings.append(value)
    walk(document)
    carried = [text for text in strings if " " in text]
    assert any(text in carried for text in every_hint_text(assignment)), "the bundle carries the hints"
    for text in carried:
        assert text_leaks(text, fragments) == [], text
        for _, statement, commented in statements(text) if "\n" in text else []:
            assert commented or statement not in lines, (statement, lines.get(statement))
    for module in sorted(tmp_path.glob("*.py")):
        code = module.read_text(encoding="utf-8")
        assert [s for _, s, c in statements(code) if not c and s in lines] == [], module.name


def test_no_provided_module_solves_a_graded_function(assignment):
    assert provided_solutions(assignment) == []


def test_a_provided_module_that_solves_a_graded_function_is_refused(assignment, tmp_path):
    provided = tmp_path / "provided"
    shutil.copytree(assignment.provided, provided)
    (provided / "rnn_utils.py").write_text(
        (provided / "rnn_utils.py").read_text() + "\n\ndef initialize_adam(parameters):\n    return {}, {}\n")
    changed = dataclasses.replace(assignment, provided=provided)
    assert provided_solutions(changed) == [("rnn_utils.py", "initialize_adam")]
    out = tmp_path / "out"
    with pytest.raises(ReleaseError, match="rnn_utils.py defines the graded function initialize_adam"):
        release(changed, out)
    assert not out.exists()


def test_wrapping_an_imported_helper_earns_nothing(assignment, zygote, tmp_path):
    """A def that only hands over to a module's function: the course's rnn_utils has none to
    hand over to, so the student's own code must do the work."""
    path = write_notebook(tmp_path / "wraps.ipynb", [
        HEADER, RNN_CELL_FORWARD,
        "import rnn_utils\n\ndef initialize_adam(parameters):\n    return rnn_utils.initialize_adam(parameters)\n"])
    result = grade_notebook(zygote, assignment, path, "wraps", ("initialize_adam", "rnn_cell_forward"))
    functions = {function.name: function for function in result.functions}
    assert functions["initialize_adam"].score == 0 and functions["initialize_adam"].status == "error"
    assert functions["rnn_cell_forward"].status == "passed"
