"""Students: `check()` in a real notebook executed by a real kernel (nbclient), and the pieces of
the student's view: which notebook is open, public cases only, the terminal report."""
from __future__ import annotations

import os
import shutil
import time

import nbformat
import pytest

from conftest import HEADER, RNN_CELL_FORWARD, RNN_FORWARD, ROOT, SUBMISSIONS, write_notebook
from grader.grading.submission import grade_notebook
from grader.commands.live import CheckReport, find_open_notebook
from grader.core.results import CaseResult, FunctionResult, SubmissionResult
from grader.core.student import student_view
from grader.reports.terminal import format_result

WRONG_CELL_FORWARD = RNN_CELL_FORWARD.replace("np.dot(Waa, a_prev) + ", "")
PROVIDED = ROOT / "assignments" / "rnn_step_by_step" / "provided"


def outputs(cell) -> dict:
    """The cell's displayed result: {'text/plain': ..., 'text/html': ...}, and its printed text."""
    shown = {}
    for output in cell.get("outputs", []):
        if output["output_type"] in ("execute_result", "display_data"):
            shown.update(output["data"])
        elif output["output_type"] == "stream":
            shown["stream"] = shown.get("stream", "") + output["text"]
        elif output["output_type"] == "error":
            raise AssertionError(f"the cell raised {output['ename']}: {output['evalue']}")
    return shown


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """A student's notebook run top to bottom in a python3 kernel: a wrong rnn_cell_forward in
    the saved file, check() on it, then a corrected definition run in the kernel only (never
    saved) and check("rnn_cell_forward") on that."""
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    if "python3" not in KernelSpecManager().find_kernel_specs():
        pytest.skip("no python3 kernel")
    folder = tmp_path_factory.mktemp("student")
    shutil.copy(PROVIDED / "rnn_utils.py", folder / "rnn_utils.py")
    cells = [
        "import numpy as np\nfrom rnn_utils import *",                       # 1
        WRONG_CELL_FORWARD,                                                    # 2
        RNN_FORWARD,                                                           # 3
        "from grader import check\ncheck()",                                   # 4: the saved notebook
        'check("rnn_cell_forward")',                                           # 5: the kernel's (wrong) one
        f"get_ipython().run_cell({RNN_CELL_FORWARD!r}, store_history=False);",  # 6: fixed, not saved
        'report = check("rnn_cell_forward")\nreport',                          # 7: the kernel's fixed one
        "assert report.passed and bool(report)\nprint(check('rnn_backward'))",  # 8: not written
        "import os\nos.environ.pop('JPY_SESSION_NAME', None)\ndel __session__\ncheck()",  # 9: guessing
    ]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source.strip()) for source in cells]
    path = folder / "RNN.ipynb"
    nbformat.write(notebook, str(path))
    decoy = write_notebook(folder / "older.ipynb", [HEADER, RNN_CELL_FORWARD])
    os.utime(decoy, (time.time() - 3600, time.time() - 3600))
    saved = {key: os.environ.get(key) for key in ("PYTHONPATH", "JPY_SESSION_NAME")}
    os.environ["PYTHONPATH"] = str(ROOT)
    os.environ["JPY_SESSION_NAME"] = str(path)  # as Jupyter Server starts the kernel
    try:
        started = time.perf_counter()
        NotebookClient(notebook, kernel_name="python3", timeout=180,
                       resources={"metadata": {"path": str(folder)}}).execute()
        seconds = time.perf_counter() - started
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return [outputs(cell) for cell in notebook.cells], seconds


def test_check_grades_the_open_notebook_and_shows_html_and_text(executed):
    shown, _ = executed
    whole = shown[3]
    text, page = whole["text/plain"], whole["text/html"]
    assert text.startswith("RNN.ipynb: 10 / 100 points")
    assert "✗ failed   rnn_cell_forward" in text and "✔ passed   rnn_forward" in text
    assert "a_next and yt_pred are wrong" in text
    assert "∅ missing  lstm_forward" in text
    assert "Next: fix rnn_cell_forward (cell 2, line 2), then check it again:" in text
    assert 'check("rnn_cell_forward")' in text
    assert "Checked on the public cases only" in text
    assert "Cannot tell which notebook" not in text  # JPY_SESSION_NAME said which
    # the rich view: a table and the failure, styled inline only (nothing leaks into the page)
    assert page.startswith('<div class="grader-check"') and "<style" not in page and "<script" not in page
    assert "RNN.ipynb: 10 / 100 points" in page
    assert "<code>rnn_cell_forward</code>" in page and "a_next and yt_pred are wrong" in page
    assert "✗ failed" in page and "✔ passed" in page


def test_check_one_function_uses_the_kernels_definition_without_saving(executed):
    shown, _ = executed
    wrong = shown[4]["text/plain"]
    assert wrong.startswith("rnn_cell_forward (this kernel): 0 / 10 points for rnn_cell_forward")
    assert "In [2], line 2" in wrong  # the kernel's own cell, as the student sees it
    assert "rnn_forward" not in wrong.replace("rnn_cell_forward", "")
    fixed = shown[6]
    assert fixed["text/plain"].startswith("rnn_cell_forward (this kernel): 10 / 10 points")
    assert "✔ passed   rnn_cell_forward" in fixed["text/plain"]
    assert "rnn_cell_forward passes" in fixed["text/plain"] and "check()" in fixed["text/plain"]
    assert "✔" in fixed["text/html"] and "10 / 10 points" in fixed["text/html"]
    missing = shown[7]["stream"]
    assert "∅ missing  rnn_backward" in missing and "not in this kernel yet" in missing


def test_without_a_session_the_newest_notebook_is_checked_and_said_so(executed):
    shown, seconds = executed
    guessed = shown[8]["text/plain"]
    assert guessed.startswith("RNN.ipynb: 10 / 100 points")  # the newest, not older.ipynb
    assert "Cannot tell which notebook is open here" in guessed and 'check(notebook="name.ipynb")' in guessed
    assert "Cannot tell which notebook is open here" in shown[8]["text/html"]
    assert seconds < 120


# --------------------------------------------------------------------------- which notebook is open


def test_the_open_notebook_from_vscode_jupyter_server_or_the_newest_file(tmp_path, monkeypatch):
    first = write_notebook(tmp_path / "first.ipynb", [HEADER])
    write_notebook(tmp_path / "second.ipynb", [HEADER])
    os.utime(first, (time.time() - 600, time.time() - 600))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert find_open_notebook({"__vsc_ipynb_file__": str(first)}) == (first, "")
    assert find_open_notebook({"__session__": str(first)}) == (first, "")
    # relative to the server's root, a folder above the kernel's
    sub = tmp_path / "course" / "week1"
    sub.mkdir(parents=True)
    inner = write_notebook(sub / "RNN.ipynb", [HEADER])
    monkeypatch.chdir(sub)
    monkeypatch.setenv("JPY_SESSION_NAME", "course/week1/RNN.ipynb")
    found, note = find_open_notebook({})
    assert found.samefile(inner) and note == ""
    monkeypatch.delenv("JPY_SESSION_NAME")
    monkeypatch.chdir(tmp_path)
    path, note = find_open_notebook({"__session__": "console-1234"})
    assert path.name == "second.ipynb" and "Cannot tell which notebook is open" in note
    monkeypatch.chdir(sub / "..")
    with pytest.raises(FileNotFoundError, match="check\\(notebook="):
        find_open_notebook({})


# --------------------------------------------------------------------------- what a student's check runs


def test_students_run_the_public_cases_unless_the_spec_allows_hidden_ones(assignment, zygote, tmp_path):
    view = student_view(assignment)
    assert not view.hidden_run and view.hidden_left_out > 0
    for full, public in zip(assignment.functions, view.assignment.functions):
        assert [case.name for case in public.cases] == [case.name for case in full.cases if not case.hidden]
    # the seed's Adam epsilon mistake shows only on a hidden case: its check passes, grading does not
    path = SUBMISSIONS / "seed" / "RNN.ipynb"
    checked = {f.name: f for f in grade_notebook(zygote, view.assignment, path, "seed").functions}
    graded = {f.name: f for f in grade_notebook(zygote, assignment, path, "seed").functions}
    assert checked["update_parameters_with_adam"].status == "passed"
    assert graded["update_parameters_with_adam"].status == "failed"
    assert all(case.visibility == "public" for f in checked.values() for case in f.cases)
    # nothing left out: the very assignment, whose payloads the view rebuilds the same way
    everything = student_view(assignment, hidden=True)
    assert everything.assignment is assignment and everything.scope == ""
    from grader.core.student import payload
    assert all(payload(f) == assignment.payloads[f.name] for f in assignment.functions)


def test_a_spec_can_let_students_run_hidden_cases(tmp_path):
    from grader.core.assignment import load_assignment
    from grader.core.student import RUN_HIDDEN_KEY

    copy = tmp_path / "course"
    shutil.copytree(ROOT / "assignments", copy / "assignments")
    shutil.copytree(ROOT / "reference", copy / "reference")
    spec = copy / "assignments" / "rnn_step_by_step" / "spec.toml"
    spec.write_text(f"{RUN_HIDDEN_KEY} = true\n" + spec.read_text())
    allowed = load_assignment(str(spec.parent))
    view = student_view(allowed)
    assert view.hidden_run and view.assignment is allowed and view.scope == ""


# --------------------------------------------------------------------------- the report's words


def test_the_terminal_report_explains_each_failure_and_what_to_do(assignment, zygote):
    view = student_view(assignment)
    result = grade_notebook(zygote, view.assignment, SUBMISSIONS / "test_globals" / "RNN.ipynb", "RNN")
    text = format_result(result, scope=view.scope, rerun="grader check RNN.ipynb --function {function}")
    assert "\033[" not in text
    lines = text.splitlines()
    assert lines[0] == "RNN: 80 / 100 points (80%)"
    error_line = next(i for i, line in enumerate(lines) if "error    rnn_cell_forward" in line)
    assert lines[error_line].endswith("cell 6, line 4")
    below = "\n".join(lines[error_line + 1:error_line + 8])
    assert "public case 'notebook'" in below and "NameError: name 'parameters_tmp' is not defined" in below
    assert "hint: it uses the variable `parameters_tmp`" in below
    assert "Next: fix rnn_cell_forward (cell 6, line 4), then check it again:" in text
    assert "\n    grader check RNN.ipynb --function rnn_cell_forward\n" in text
    assert "Then lstm_forward: it does not pass yet either." in text
    coloured = format_result(result, colour=True)
    assert "\033[35m⚠ error  \033[0m" in coloured and "\033[32m✔ passed \033[0m" in coloured
    correct = grade_notebook(zygote, view.assignment, SUBMISSIONS / "correct" / "RNN.ipynb", "RNN")
    assert format_result(correct).rstrip().endswith("All 10 graded functions pass: you are ready to hand in.")


def test_an_unreadable_notebook_says_what_to_do():
    result = SubmissionResult("RNN", "RNN.ipynb", "invalid", "not valid JSON: Expecting value at line 1", 0.0, 100.0)
    text = format_result(result)
    assert "not a notebook the grader can read: not valid JSON" in text
    assert "save it again" in text and "grader check RNN.ipynb" in text


def test_student_text_in_the_html_report_is_escaped():
    case = CaseResult("notebook", "public", "<b>about</b>", "error", "ValueError: <script>alert(1)</script>",
                      hint="use `keepdims=True`", traceback="cell 2, line 3, in f\n    raise ValueError('<x>')")
    function = FunctionResult("rnn_forward", "error", 0.0, 10.0, "x", (case,), 2, 1)
    result = SubmissionResult("<i>RNN</i>", "RNN.ipynb", "graded", None, 0.0, 10.0, (function,))
    page = CheckReport(result)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<i>RNN</i>" not in page and "<b>about</b>" not in page
    assert "<code>keepdims=True</code>" in page
    assert str(CheckReport(result)).startswith("<i>RNN</i>: 0 / 10 points")
