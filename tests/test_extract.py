"""Extraction rules: what is taken from a notebook, what never runs, and what is reported."""
from grader.core.extract import extract, strip_magics
from grader.core.notebook import load_notebook

from conftest import HEADER, INITIALIZE_ADAM, RNN_CELL_FORWARD, RNN_FORWARD, write_notebook


def _extract(tmp_path, cells, version=4):
    return extract(load_notebook(write_notebook(tmp_path / "nb.ipynb", cells, version)),
                   frozenset({"public_tests"}))


def test_test_cells_never_run_only_definitions_do(grade):
    # a test cell that would hang, exit or raise if run; none of it is kept
    functions, result = grade([HEADER, RNN_CELL_FORWARD,
                               "while True:\n    pass",
                               "import sys\nsys.exit(1)",
                               "raise RuntimeError('test cell')",
                               "rnn_cell_forward(None, None, None)"], only=["rnn_cell_forward"])
    assert functions["rnn_cell_forward"].status == "passed"
    assert result.warnings == ()


def test_markers_are_optional_and_functions_are_found_by_name(grade):
    unmarked = RNN_CELL_FORWARD.replace("# GRADED FUNCTION: rnn_cell_forward", "")
    functions, _ = grade([HEADER, unmarked], only=["rnn_cell_forward"])
    assert functions["rnn_cell_forward"].status == "passed"
    assert functions["rnn_cell_forward"].marked is False


def test_the_last_definition_wins_as_in_a_kernel_run(grade):
    broken = RNN_CELL_FORWARD.replace("np.tanh(", "np.sin(")
    functions, _ = grade([HEADER, RNN_CELL_FORWARD, broken], only=["rnn_cell_forward"])
    assert functions["rnn_cell_forward"].status == "failed"
    functions, _ = grade([HEADER, broken, RNN_CELL_FORWARD], only=["rnn_cell_forward"])
    assert functions["rnn_cell_forward"].status == "passed"
    assert functions["rnn_cell_forward"].cell == 3


def test_a_cell_that_does_not_parse_is_skipped_with_a_warning_naming_it(grade):
    functions, result = grade([HEADER, RNN_CELL_FORWARD, "def rnn_forward(x, a0, parameters)\n    return 1"],
                              only=["rnn_cell_forward", "rnn_forward"])
    assert functions["rnn_cell_forward"].status == "passed"
    assert functions["rnn_forward"].status == "missing"
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("cell 3 was skipped: it does not parse")


def test_magics_and_shell_escapes_are_dropped(grade):
    cell = "%matplotlib inline\n!pip install numpy\nfiles = !ls\n" + RNN_CELL_FORWARD.replace(
        "    a_next =", "    %time x = 1\n    a_next =")
    functions, result = grade([HEADER, cell, "%%bash\necho hi"], only=["rnn_cell_forward"])
    assert functions["rnn_cell_forward"].status == "passed", functions["rnn_cell_forward"].message
    assert result.warnings == ()


def test_strip_magics_keeps_python_cell_magic_bodies_and_drops_others():
    assert "def f" in strip_magics("%%time\ndef f():\n    return 1\n")
    assert strip_magics("%%writefile x.py\ndef f():\n    return 1\n") == ""
    assert strip_magics("np.zeros?\n") == "pass\n"
    assert strip_magics('s = "why?"\n') == 's = "why?"\n'


def test_only_imports_defs_classes_and_literal_constants_are_kept(tmp_path):
    submission = _extract(tmp_path, [
        "import numpy as np\nfrom math import pi\nN_A = 5\nNAMES = ('a', 'b')\n"
        "x = np.zeros(3)\nprint('hi')\nclass Helper:\n    pass\ndef f():\n    return N_A",
        "import os; os.system('echo should not run')",
    ])
    cell = submission.program[0]
    assert cell.statements == (0, 1, 2, 3, 6, 7)  # not x = np.zeros(3), not print
    second = submission.program[1]
    assert second.statements == (0,)  # the import only: the call after ';' is its own statement
    assert set(submission.functions) == {"f"}


def test_a_statement_sharing_a_line_with_an_import_does_not_run(grade):
    cells = [HEADER, "import os; os._exit(3)", RNN_CELL_FORWARD]
    functions, _ = grade(cells, only=["rnn_cell_forward"])
    assert functions["rnn_cell_forward"].status == "passed"


def test_version_3_notebooks_are_read(grade):
    functions, result = grade([HEADER, RNN_CELL_FORWARD, RNN_FORWARD], version=3,
                              only=["rnn_cell_forward", "rnn_forward"])
    assert result.notebook_format == 3
    assert functions["rnn_cell_forward"].status == "passed"
    assert functions["rnn_forward"].status == "passed"


def test_course_modules_load_and_imported_graded_functions_are_missing(grade):
    # a graded function that only arrives by import is not the student's work
    functions, _ = grade([HEADER, RNN_CELL_FORWARD], only=["rnn_cell_forward", "initialize_adam"])
    assert functions["rnn_cell_forward"].status == "passed"  # softmax came from rnn_utils
    assert functions["initialize_adam"].status == "missing"
    functions, _ = grade([HEADER, INITIALIZE_ADAM, "rnn_cell_forward_tests(rnn_cell_forward)"],
                         only=["initialize_adam"])
    assert functions["initialize_adam"].status == "passed"


def test_a_name_redefined_by_a_later_constant_no_longer_counts_as_a_def(tmp_path):
    submission = _extract(tmp_path, ["def rnn_forward():\n    pass", "rnn_forward = None"])
    assert not submission.defines("rnn_forward")


def test_globals_of_test_cells_are_not_seen_by_graded_functions(grade):
    uses_global = RNN_CELL_FORWARD.replace('Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]',
                                           'Wax, Waa, Wya = parameters_tmp["Wax"], parameters["Waa"], parameters["Wya"]')
    test_cell = "np.random.seed(1)\nparameters_tmp = {'Wax': np.random.randn(5, 3)}"
    functions, _ = grade([HEADER, test_cell, uses_global], only=["rnn_cell_forward"])
    assert functions["rnn_cell_forward"].status == "error"
    assert "parameters_tmp" in functions["rnn_cell_forward"].message
