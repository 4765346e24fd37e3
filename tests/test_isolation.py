"""Every status with a real notebook, and student code that hangs, crashes or exits.

Whatever one function does, it costs that function its points and nothing else: the other
functions of the same notebook are still graded.
"""
import pytest

from conftest import HEADER, INITIALIZE_ADAM, RNN_CELL_FORWARD, RNN_FORWARD


def _rnn_forward_doing(body: str) -> str:
    return "def rnn_forward(x, a0, parameters):\n" + "\n".join("    " + line for line in body.splitlines())


def test_each_function_status_from_one_notebook(grade, quick_assignment):
    cells = [HEADER, RNN_CELL_FORWARD, _rnn_forward_doing("while True:\n    pass"), INITIALIZE_ADAM,
             "def lstm_cell_forward(xt, a_prev, c_prev, parameters):\n    return xt, xt, xt, ()",
             "def lstm_forward(x, a0, parameters):\n    raise ValueError('not done yet')"]
    functions, result = grade(cells, using=quick_assignment)
    assert functions["rnn_cell_forward"].status == "passed"
    assert functions["rnn_cell_forward"].score == functions["rnn_cell_forward"].max_score
    assert functions["rnn_forward"].status == "timeout"
    assert "did not finish within 1 s" in functions["rnn_forward"].message
    assert functions["initialize_adam"].status == "passed"
    assert functions["lstm_cell_forward"].status == "failed"
    assert functions["lstm_forward"].status == "error"
    assert "ValueError: not done yet" in functions["lstm_forward"].message
    assert "cell 6, line 2" in functions["lstm_forward"].message
    assert functions["rnn_cell_backward"].status == "missing"
    assert result.score == 14.0  # 10 + 4; nothing for the rest


@pytest.mark.parametrize("body, words", [
    ("import sys\nsys.exit(3)", "called sys.exit(3)"),
    ("import os\nos._exit(4)", "exited with code 4"),
    ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", "Operation not permitted"),
    ("import ctypes\nctypes.string_at(0)", "SIGSEGV"),
    ("import os\nos.abort()", "the process was killed by"),
    ("raise KeyboardInterrupt", "interrupted"),
    ("x = bytearray(8 * 1024 ** 3)", "memory"),
    ("return [[1]] * 10 ** 6", "cannot be graded"),
])
def test_a_crash_costs_only_that_function(grade, body, words):
    functions, _ = grade([HEADER, RNN_CELL_FORWARD, _rnn_forward_doing(body), INITIALIZE_ADAM],
                         only=["rnn_cell_forward", "rnn_forward", "initialize_adam"])
    assert functions["rnn_forward"].status == "error"
    assert words in functions["rnn_forward"].message
    assert functions["rnn_cell_forward"].status == "passed"
    assert functions["initialize_adam"].status == "passed"


def test_a_loop_that_ignores_every_catchable_signal_still_stops(grade, quick_assignment):
    body = ("import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGXCPU, signal.SIGHUP):\n"
            "    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass")
    functions, _ = grade([HEADER, RNN_CELL_FORWARD, _rnn_forward_doing(body)], using=quick_assignment,
                         only=["rnn_cell_forward", "rnn_forward"])
    assert functions["rnn_forward"].status == "timeout"
    assert functions["rnn_cell_forward"].status == "passed"


def test_a_hang_while_loading_the_notebook_costs_only_that_notebook(grade, quick_assignment):
    # a default argument is evaluated when the def runs: the load itself hangs
    cells = [HEADER, "def slow():\n    while True:\n        pass", "def rnn_forward(x, a0, parameters, _=slow()):\n    pass"]
    functions, _ = grade(cells, using=quick_assignment, only=["rnn_forward"])
    assert functions["rnn_forward"].status == "timeout"


def test_printing_megabytes_is_cut_and_costs_the_grader_nothing(grade):
    """Printing is not a fault: a correct function that prints 11 MB per call passes; what it
    printed past the limit is dropped, and the report says how much that was."""
    printing = RNN_CELL_FORWARD.replace("    return a_next", "    print('x' * 10**6)\n    print('y' * 10**7)\n    return a_next")
    functions, _ = grade([HEADER, printing], only=["rnn_cell_forward"])
    function = functions["rnn_cell_forward"]
    assert function.status == "passed", function.message
    assert len(function.output) < 20_000
    assert "more bytes not shown" in function.output
    assert "output cut at the limit of 1024 KiB" in function.output
    assert "it printed 42 MiB in all" in function.output  # 4 cases of 11 MB, as MiB


def test_raw_writes_past_the_output_limit_are_dropped_too(grade):
    writing = RNN_CELL_FORWARD.replace("    return a_next", "    import os, sys\n    for _ in range(3):\n"
                                       "        os.write(1, b'z' * 10**6)\n        sys.__stderr__.write('w' * 10**6)\n"
                                       "        sys.stdout.buffer.write(b'v' * 10**6)\n"
                                       "    return a_next")
    functions, _ = grade([HEADER, writing], only=["rnn_cell_forward"])
    function = functions["rnn_cell_forward"]
    assert function.status == "passed", function.message
    assert "output cut at the limit" in function.output or "output stopped at the limit" in function.output


def test_what_a_function_prints_is_kept_for_the_report(grade):
    printing = RNN_CELL_FORWARD.replace("    return a_next", "    print('shape is', a_next.shape)\n    return a_next")
    functions, _ = grade([HEADER, printing], only=["rnn_cell_forward"])
    assert functions["rnn_cell_forward"].status == "passed"
    assert "shape is (5, 10)" in functions["rnn_cell_forward"].output


def test_graded_functions_called_inside_another_are_the_reference(grade):
    broken_cell = RNN_CELL_FORWARD.replace("np.tanh(", "np.sin(")
    functions, _ = grade([HEADER, broken_cell, RNN_FORWARD], only=["rnn_cell_forward", "rnn_forward"])
    assert functions["rnn_cell_forward"].status == "failed"
    assert functions["rnn_forward"].status == "passed"  # one bug is not punished twice


def test_the_stand_in_does_not_carry_the_reference_code(grade):
    peeking = _rnn_forward_doing("import inspect\nreturn inspect.getsource(rnn_cell_forward), None, None")
    functions, _ = grade([HEADER, RNN_CELL_FORWARD, peeking], only=["rnn_forward"])
    message = functions["rnn_forward"].message
    assert functions["rnn_forward"].status == "failed"
    assert "np.tanh" not in message and "Waa" not in message


def test_helpers_the_student_wrote_are_their_own(grade):
    bad_softmax = "def softmax(x):\n    return x"
    functions, _ = grade([HEADER, bad_softmax, RNN_CELL_FORWARD], only=["rnn_cell_forward"])
    assert functions["rnn_cell_forward"].status == "failed"
    assert "yt_pred is wrong" in functions["rnn_cell_forward"].message


def test_a_case_that_mutates_its_inputs_does_not_change_the_next_case(grade):
    mutating = RNN_CELL_FORWARD.replace("    return a_next", "    parameters['Wax'] *= 0\n    xt[:] = 7\n    return a_next")
    functions, _ = grade([HEADER, mutating], only=["rnn_cell_forward"])
    # wrong only through its own mutation after computing: results are right on every case
    assert functions["rnn_cell_forward"].status == "passed"


@pytest.mark.parametrize("returned, words", [
    ("class Liar:\n        def __eq__(self, other):\n            return True\n    return Liar(), Liar(), None",
     "is a Liar object"),
    ("class Fake(np.ndarray):\n        def __eq__(self, other):\n            return np.ones(self.shape, bool)\n"
     "    zeros = np.zeros((5, 10)).view(Fake)\n    return zeros, np.zeros((2, 10)).view(Fake), None",
     "a_next is wrong"),
    ("return 'a_next passed', 'yt_pred passed', None", "is a string"),
])
def test_results_that_are_not_plain_arrays_are_never_trusted(grade, returned, words):
    cell = f"def rnn_cell_forward(xt, a_prev, parameters):\n    {returned}"
    functions, _ = grade([HEADER, cell], only=["rnn_cell_forward"])
    assert functions["rnn_cell_forward"].status == "failed"
    assert words in functions["rnn_cell_forward"].message


def test_a_correct_function_is_told_when_the_students_own_callee_breaks_the_chain(grade):
    broken_cell = RNN_CELL_FORWARD.replace("np.tanh(", "np.sin(")
    functions, _ = grade([HEADER, broken_cell, RNN_FORWARD], only=["rnn_cell_forward", "rnn_forward"])
    forward = functions["rnn_forward"]
    assert forward.status == "passed" and forward.score == forward.max_score
    assert "Correct on its own" in forward.message
    assert "when it calls your rnn_cell_forward: fix that first" in forward.message
    # with a correct cell, nothing to say
    functions, _ = grade([HEADER, RNN_CELL_FORWARD, RNN_FORWARD], only=["rnn_cell_forward", "rnn_forward"])
    assert functions["rnn_forward"].message == ""


def test_call_keys_meet_for_equal_arguments_and_part_for_different_ones():
    """A stand-in's call is answered from the replay table when its key is the reference's own:
    equal arguments must meet however they are laid out or passed, different ones never."""
    import numpy as np

    from grader.runtime.replay_key import call_key

    names = ["xt", "a_prev", "parameters"]
    rng = np.random.default_rng(0)
    xt, a_prev = rng.standard_normal((3, 10)), rng.standard_normal((5, 10))
    parameters = {"Wax": rng.standard_normal((5, 3)), "ba": rng.standard_normal((5, 1))}
    key = call_key("rnn_cell_forward", names, [xt, a_prev, parameters], {})
    same = [
        call_key("rnn_cell_forward", names, [xt, a_prev], {"parameters": parameters}),
        call_key("rnn_cell_forward", names, [], {"parameters": parameters, "a_prev": a_prev, "xt": xt}),
        call_key("rnn_cell_forward", names, [np.asfortranarray(xt), a_prev.astype(">f8"),
                                             {k: v.copy() for k, v in parameters.items()}], {}),
    ]
    assert all(other == key for other in same)
    different = [
        call_key("rnn_forward", names, [xt, a_prev, parameters], {}),
        call_key("rnn_cell_forward", names, [xt.reshape(10, 3), a_prev, parameters], {}),
        call_key("rnn_cell_forward", names, [xt.astype(np.float32), a_prev, parameters], {}),
        call_key("rnn_cell_forward", names, [xt + 1e-12, a_prev, parameters], {}),
        call_key("rnn_cell_forward", names, [xt, a_prev, {**parameters, "ba": parameters["ba"].ravel()}], {}),
        call_key("rnn_cell_forward", names, [xt, a_prev, dict(parameters, extra=1)], {}),
    ]
    assert len({key, *different}) == len(different) + 1
    assert call_key("f", ["a"], [1], {}) != call_key("f", ["a"], [1.0], {}) != call_key("f", ["a"], [np.float64(1)], {})
    assert call_key("f", ["a"], [("ab", "c")], {}) != call_key("f", ["a"], [("a", "bc")], {})


def test_an_assignment_and_a_copy_with_other_cases_grade_side_by_side(assignment, zygote):
    """A copy of the assignment with other cases (a student's view keeps the public ones; here
    every function's cases in reverse order): what is worked out once per assignment, such as
    the message of case inputs a process receives, must be the copy's own."""
    import dataclasses

    from conftest import SUBMISSIONS
    from grader.grading.submission import grade_notebook
    from grader.core.student import payload

    functions = tuple(dataclasses.replace(f, cases=f.cases[::-1], inputs_messages=f.inputs_messages[::-1])
                      for f in assignment.functions)
    reordered = dataclasses.replace(assignment, functions=functions,
                                    payloads={f.name: payload(f) for f in functions})
    correct = SUBMISSIONS / "correct" / "RNN.ipynb"
    for using in (assignment, reordered, assignment, reordered):
        result = grade_notebook(zygote, using, correct, "correct")
        assert result.all_passed, [f.message for f in result.functions if f.status != "passed"]
        assert [[c.name for c in f.cases] for f in result.functions] == \
            [[c.name for c in f.cases] for f in using.functions]
