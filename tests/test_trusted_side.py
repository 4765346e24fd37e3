"""The grader's own side holds whatever a student hands in or their code reports: durations that
are not numbers, symbolic links, file names that collide with other students' or with the
batch's own files, markup the HTML parser chokes on, huge constants, notebooks of a hundred
thousand cells, and file names a spreadsheet would run as a formula."""
from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.commands.ci import classroom_result
from grader.commands.cli import find_notebooks
from grader.reports.export import _cell
from grader.core.extract import extract
from grader.grading.gradebook import Gradebook, Key, content_hash
from grader.grading.submission import grade_notebook
from grader.core.names import output_name
from grader.core.notebook import InvalidNotebook, load_notebook
from grader.reports.writing import write_batch_reports, write_submission_page
from grader.core.results import CaseResult, SubmissionResult
from grader.reports.sanitize import sanitize_html

from conftest import HEADER, INITIALIZE_ADAM, RNN_CELL_FORWARD, ROOT, write_notebook

ATTACKS = ROOT / "tests" / "attacks"


# --------------------------------------------------------------------------- numbers a child reports


@pytest.mark.parametrize("reported", [float("nan"), float("inf"), -1.0, 1e300, [1], "1", None, 10 ** 400])
def test_a_duration_that_is_not_a_small_finite_number_becomes_zero(reported):
    case = CaseResult("notebook", "public", "", "passed", seconds=reported)
    assert case.seconds == 0.0
    assert SubmissionResult.from_dict({"id": "a", "path": "a", "status": "graded", "score": 0,
                                       "max_score": 1, "seconds": reported}).seconds == 0.0
    assert CaseResult("n", "public", "", "passed", seconds=1.5).seconds == 1.5


def test_a_patched_clock_reaches_no_report(assignment, zygote, tmp_path, sandbox):
    notebook = ATTACKS / "nan_clock.ipynb"
    result = grade_notebook(zygote, assignment, notebook, "nan_clock")
    seconds = [case.seconds for function in result.functions for case in function.cases]
    assert seconds and all(math.isfinite(value) for value in seconds)
    assert {f.name: f.status for f in result.functions}["initialize_adam"] == "passed"
    with Gradebook(tmp_path / "gradebook.sqlite", assignment.name) as book:
        book.record(result, Key("hash", assignment.fingerprint))
        assert [r.id for r in book.results()] == ["nan_clock"]
    written = write_batch_reports(tmp_path, assignment, [result], ("junit", "gradescope"), pages=True)
    assert {path.name for path in written} >= {"results.json", "grades.csv", "index.html", "junit.xml"}
    json.dumps(classroom_result(assignment, [result], ROOT), allow_nan=False)


# --------------------------------------------------------------------------- symbolic links


def test_a_symbolic_link_is_refused_whatever_it_points_to(tmp_path, assignment):
    real = write_notebook(tmp_path / "real.ipynb", [HEADER, INITIALIZE_ADAM])
    links = {"to-solution.ipynb": assignment.directory / "solution.ipynb", "to-real.ipynb": real,
             "dangling.ipynb": tmp_path / "nowhere.ipynb"}
    os.mkfifo(tmp_path / "pipe")
    links["to-a-pipe.ipynb"] = tmp_path / "pipe"  # reading it would block the grader
    for name, target in links.items():
        (tmp_path / name).symlink_to(target)
    found = dict(find_notebooks([str(tmp_path)]))
    assert set(found) == {"real", "to-solution", "to-real", "dangling", "to-a-pipe"}
    started = time.monotonic()
    for name in links:
        with pytest.raises(InvalidNotebook, match="a symbolic link, not a notebook file"):
            load_notebook(tmp_path / name)
        assert content_hash(tmp_path / name).startswith("unreadable:")
    assert time.monotonic() - started < 10
    assert load_notebook(real).cells


def test_a_symbolic_link_named_on_the_command_line_is_graded_invalid(tmp_path, assignment):
    (tmp_path / "RNN.ipynb").symlink_to(assignment.directory / "solution.ipynb")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(tmp_path / "RNN.ipynb"), "--out", str(out),
                          "--quiet", "--no-sandbox"], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    (submission,) = json.loads((out / "results.json").read_text())["submissions"]
    assert submission["status"] == "invalid" and submission["score"] == 0
    assert "symbolic link" in submission["error"]
    page = (out / "RNN.html").read_text()
    assert "START CODE HERE" not in page and "def rnn_cell_forward" not in page


# --------------------------------------------------------------------------- ids and file names


def test_ids_never_collide(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, names in ((first, ["RNN", "RNN-2", "RNN-3"]), (second, ["RNN", "RNN-2"])):
        folder.mkdir()
        for name in names:
            write_notebook(folder / f"{name}.ipynb", [HEADER])
    found = find_notebooks([str(first), str(second), str(first / "RNN.ipynb")])
    ids = [submission_id for submission_id, _ in found]
    assert len(ids) == len(set(ids)) == 5  # the file named twice is graded once
    by_id = dict(found)
    assert by_id["RNN-2"] == str(first / "RNN-2.ipynb") and by_id["RNN-3"] == str(first / "RNN-3.ipynb")
    assert by_id["RNN-4"] == str(second / "RNN.ipynb") and by_id["RNN-2-2"] == str(second / "RNN-2.ipynb")


TRICKY_IDS = ["index", "Index", "INDEX", "index-submission", "index-submission-submission", "index.html/x",
              "index.html/index", "results.json/a", "grades.csv/a", "gradebook.sqlite/a", "gradescope/a",
              "junit.xml/a", "a.html/b", "a/b", "a", "a-folder/b", "a.json/b", "a.tmp/b", "a/b.html/c",
              "x/index", "x/index-submission", "a.html", "a.html/a", "b-folder", "b/c", "b-folder-folder/c"]


def test_file_names_are_one_to_one_and_never_the_batch_files():
    pages = {submission_id: output_name(submission_id, ".html") for submission_id in TRICKY_IDS}
    assert len(set(pages.values())) == len(pages)
    batch_files = {"index.html", "results.json", "grades.csv", "junit.xml", "gradebook.sqlite", "gradescope"}
    files = set(pages.values())
    folders = {"/".join(page.split("/")[:depth]) for page in files for depth in range(1, page.count("/") + 1)}
    assert not files & folders and not (files | folders) & batch_files
    assert all(page.casefold() != "index.html" for page in files)


def test_colliding_names_get_a_page_each(tmp_path, assignment):
    results = [SubmissionResult(submission_id, f"{submission_id}.ipynb", "invalid", "not a notebook", 0.0,
                                assignment.max_score) for submission_id in TRICKY_IDS]
    write_batch_reports(tmp_path, assignment, results, ("gradescope",), pages=True)
    for submission_id in TRICKY_IDS:
        assert f'id="top">{submission_id}<' in (tmp_path / output_name(submission_id)).read_text()
        assert (tmp_path / "gradescope" / output_name(submission_id, ".json")).is_file()
    assert "<h1" in (tmp_path / "index.html").read_text()


def test_a_folder_in_a_reports_way_costs_that_report_only(tmp_path, assignment, capsys):
    (tmp_path / "index.html").mkdir()
    (tmp_path / "results.json.tmp").mkdir()
    (tmp_path / "grades.csv.tmp").mkdir()
    result = SubmissionResult("alice", "alice.ipynb", "invalid", "not a notebook", 0.0, assignment.max_score)
    written = write_batch_reports(tmp_path, assignment, [result], pages=True)
    assert {path.name for path in written} == {"alice.html", "results.json", "grades.csv"}
    error = capsys.readouterr().err
    assert "index.html: a folder of that name is in the way" in error and len(error.splitlines()) == 1
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".tmp") and path.is_file()]


@pytest.mark.parametrize("text", [" =1+1", "=1+1", "\t=1", "\n+1", "  -2", "\uff1d1+1", "@SUM(A1)"])
def test_a_formula_in_grades_csv_is_neutralised(text):
    assert _cell(text) == "'" + text
    assert _cell("alice") == "alice" and _cell(" alice") == " alice"


# --------------------------------------------------------------------------- what the page holds


@pytest.mark.parametrize("markup", ["<![x", "<p><![x</p>", "<![x]>", "<![x hello\n\nmore", "<![x>y<b>b</b>",
                                    "<![if x]>z"])
def test_markup_the_parser_cannot_read_comes_out_as_text(markup):
    html = sanitize_html(markup)
    assert "<![" not in html
    assert ("&lt;![x" in html) if "<![x" in markup else html == "z"


def test_a_huge_integer_constant_sinks_nothing(tmp_path):
    hex_digits = "0x" + "f" * 5000
    path = write_notebook(tmp_path / "hex.ipynb", [HEADER, f"KEY = {hex_digits}\nOTHER = -{hex_digits}",
                                                    INITIALIZE_ADAM])
    submission = extract(load_notebook(path))
    assert submission.defines("initialize_adam") and "KEY" in submission.variables


def test_check_on_a_huge_constant_prints_no_traceback():
    run = subprocess.run([sys.executable, "-m", "grader", "check", str(ATTACKS / "huge_hex_constant.ipynb"),
                          "--no-html", "--function", "initialize_adam"], capture_output=True, text=True,
                         timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_the_page_of_a_notebook_of_99000_cells_is_bounded_and_says_what_it_leaves_out(tmp_path, assignment):
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{number}", "metadata": {},
              "outputs": [{"name": "stdout", "output_type": "stream", "text": f"{number}\n"}],
              "source": f"x{number} = {number}\nprint(x{number})"} for number in range(99_000)]
    cells.append({"cell_type": "code", "execution_count": None, "id": "graded", "metadata": {}, "outputs": [],
                  "source": RNN_CELL_FORWARD.strip()})
    path = tmp_path / "long.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    graded = dataclasses.replace(
        SubmissionResult("long", str(path), "graded", None, 0.0, assignment.max_score), functions=())
    from grader.core.results import FunctionResult
    function = FunctionResult("rnn_cell_forward", "failed", 0.0, 10.0, cell=99_001, line=1,
                              source=RNN_CELL_FORWARD.strip())
    page = write_submission_page(tmp_path, assignment, dataclasses.replace(graded, functions=(function,)))
    text = page.read_text()
    assert len(text) < 2_000_000
    assert "98,600 of the notebook&#39;s 99,001 cells are not shown (cells 401–99000)" in text
    assert 'id="g-cell-99001"' in text and 'id="g-cell-400"' in text and 'id="g-cell-401"' not in text


def test_text_a_student_printed_or_raised_reaches_a_terminal_without_its_escapes(tmp_path, assignment, zygote):
    path = write_notebook(tmp_path / "escapes.ipynb", [HEADER, (
        "def initialize_adam(parameters):\n"
        "    print('\\x1b[2Jcleared\\rhidden\\x07')\n"
        "    raise ValueError('\\x1b]0;retitled\\x07 done')\n")])
    result = grade_notebook(zygote, assignment, path, "escapes", ("initialize_adam",))
    (function,) = result.functions
    shown = [function.output, function.message] + [text for case in function.cases
                                                   for text in (case.message, case.traceback)]
    assert function.status == "error" and "retitled" in function.message and "cleared" in function.output
    assert not any(character in text for text in shown for character in "\x1b\x07\r")
    assert "\\x1b]0;retitled\\x07 done" in function.message
    run = subprocess.run([sys.executable, "-m", "grader", "check", str(path), "--no-html",
                          "--function", "initialize_adam"], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"})
    assert "retitled" in run.stdout and "\x1b" not in run.stdout + run.stderr and "\x07" not in run.stdout


@pytest.mark.parametrize("in_the_way", ["folder", "not a database"])
def test_something_in_the_gradebooks_place_is_one_line(tmp_path, in_the_way):
    out = tmp_path / "out"
    out.mkdir()
    if in_the_way == "folder":
        (out / "gradebook.sqlite").mkdir()
    else:
        (out / "gradebook.sqlite").write_text("grades, by hand\n" * 100)
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(ATTACKS / "sys_exit.ipynb"), "--out", str(out),
                          "--quiet", "--no-sandbox"], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.startswith("grader: cannot open the gradebook") and len(run.stderr.splitlines()) == 1
