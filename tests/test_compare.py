"""Comparison: structure, then shape, then NaN/inf, then values; messages name what differs."""
import numpy as np
import pytest

from grader.core.assignment import Tolerance
from grader.runtime.codec import Unsupported
from grader.core.compare import compare_return, compare_value

TOLERANCE = Tolerance(rtol=1e-6, atol=1e-8)


def test_a_flat_vector_never_passes_for_a_column_even_though_allclose_would():
    expected, got = np.arange(5.0).reshape(5, 1), np.arange(5.0)
    assert np.allclose(got, expected.T)  # broadcasting would accept it
    [mismatch] = compare_value("dba", expected, got, TOLERANCE)
    assert mismatch.kind == "shape"
    assert mismatch.message.startswith("dba has shape (5,), but should have shape (5, 1)")
    assert "keepdims=True" in mismatch.message


def test_a_transposed_result_is_named():
    [mismatch] = compare_value("dWax", np.ones((5, 3)), np.ones((3, 5)), TOLERANCE)
    assert "transposed" in mismatch.message


def test_nan_is_reported_before_values():
    got = np.ones((2, 3))
    got[1, 2] = np.nan
    [mismatch] = compare_value("a", np.ones((2, 3)), got, TOLERANCE)
    assert mismatch.kind == "nonfinite" and "[1, 2]" in mismatch.message


def test_the_worst_element_is_named_with_expected_and_got():
    expected = np.zeros((3, 4))
    got = expected.copy()
    got[0, 1], got[2, 3] = 1e-3, 0.5
    [mismatch] = compare_value("da_prev", expected, got, TOLERANCE)
    assert mismatch.index == "[2, 3]" and mismatch.got == "0.5" and mismatch.expected == "0"
    assert "2 of 12 elements" in mismatch.message


def test_values_within_tolerance_pass():
    expected = np.linspace(-1, 1, 12).reshape(3, 4)
    assert compare_value("a", expected, expected * (1 + 1e-9), TOLERANCE) == []


def test_hidden_cases_reveal_no_expected_value():
    [mismatch] = compare_value("a", np.full((2, 2), 0.123456), np.zeros((2, 2)), TOLERANCE, reveal=False)
    assert "0.123456" not in mismatch.message and mismatch.expected == ""


@pytest.mark.parametrize("got, words", [
    (Unsupported("Liar"), "a Liar object"),
    ("passed", "a string"),
    (None, "None"),
    ([[1.0]], "is a list, but should be an array of shape (2, 2)"),
])
def test_values_that_are_not_arrays_fail_on_structure(got, words):
    [mismatch] = compare_value("a_next", np.zeros((2, 2)), got, TOLERANCE)
    assert words in mismatch.message


def test_tuple_and_dict_returns_are_checked_for_structure(assignment):
    forward = assignment.function("rnn_cell_forward")
    case = forward.cases[0]
    [mismatch] = compare_return(forward, case.expected, case.expected[:2])
    assert "returned 2 values, but should return 3 values: a_next, yt_pred, cache" in mismatch.message
    backward = assignment.function("rnn_cell_backward")
    expected = backward.cases[0].expected
    without_dba = {key: value for key, value in expected.items() if key != "dba"}
    [mismatch] = compare_return(backward, expected, without_dba)
    assert "no key 'dba'" in mismatch.message
    assert compare_return(backward, expected, dict(expected)) == ()
