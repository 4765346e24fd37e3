"""The command line as users meet it: real subprocesses, real files, the DESIGN.md contracts."""
import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import HEADER, INITIALIZE_ADAM, RNN_CELL_FORWARD, ROOT, SUBMISSIONS, write_notebook


def grader(*arguments, cwd):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "grader", *map(str, arguments)], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=environment)


@pytest.fixture
def batch(tmp_path):
    """A class folder: two students, one good notebook each, and every kind of unreadable file."""
    folder = tmp_path / "class"
    (folder / "alice").mkdir(parents=True)
    (folder / "bob").mkdir()
    write_notebook(folder / "alice" / "RNN.ipynb", [HEADER, RNN_CELL_FORWARD, INITIALIZE_ADAM])
    write_notebook(folder / "bob" / "RNN.ipynb", [HEADER, INITIALIZE_ADAM])
    broken = {"empty": b"", "binary": bytes(range(256)) * 4, "bad_json": b'{"cells": [',
              "not_a_notebook": b'{"hello": "world"}', "nested": b"[" * 200_000 + b"]" * 200_000,
              "list": b"[1, 2, 3]", "version_9": b'{"nbformat": 9, "cells": []}'}
    for name, data in broken.items():
        (folder / f"{name}.ipynb").write_bytes(data)
    checkpoint = folder / "alice" / ".ipynb_checkpoints"
    checkpoint.mkdir()
    write_notebook(checkpoint / "RNN-checkpoint.ipynb", [HEADER])
    return folder, set(broken)


def test_grade_writes_every_output_and_lists_invalid_files_with_a_reason(batch, tmp_path):
    folder, broken = batch
    out = tmp_path / "out"
    run = grader("grade", folder, "--out", out, "--quiet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    for name in ["results.json", "grades.csv", "index.html", "alice/RNN.html", "bob/RNN.html", "empty.html"]:
        assert (out / name).is_file(), name
    document = json.loads((out / "results.json").read_text())
    assert document["assignment"] == "rnn_step_by_step"
    submissions = {s["id"]: s for s in document["submissions"]}
    assert set(submissions) == {"alice/RNN", "bob/RNN"} | broken  # no checkpoint copies
    alice = submissions["alice/RNN"]
    assert alice["status"] == "graded" and alice["error"] is None and alice["max_score"] == 100.0
    assert alice["path"].endswith("alice/RNN.ipynb")
    functions = {f["name"]: f for f in alice["functions"]}
    assert functions["rnn_cell_forward"]["status"] == "passed"
    assert functions["rnn_cell_forward"]["score"] == functions["rnn_cell_forward"]["max_score"] == 10.0
    first_case = functions["rnn_cell_forward"]["cases"][0]
    assert (first_case["name"], first_case["status"], first_case["message"]) == ("notebook", "passed", "")
    assert functions["rnn_forward"]["status"] == "missing"
    assert alice["score"] == 14.0
    reasons = {name: submissions[name]["error"] for name in broken}
    assert all(submissions[name]["status"] == "invalid" for name in broken)
    assert all(reason and "\n" not in reason for reason in reasons.values())
    assert "empty" in reasons["empty"]
    assert "not UTF-8" in reasons["binary"]
    assert "not valid JSON" in reasons["bad_json"]
    assert "not a notebook" in reasons["not_a_notebook"] and "not a notebook" in reasons["list"]
    assert "nested too deeply" in reasons["nested"]
    assert "format 9" in reasons["version_9"]
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert {row["id"] for row in rows} == set(submissions)
    alice_row = next(row for row in rows if row["id"] == "alice/RNN")
    assert float(alice_row["score"]) == 14.0 and float(alice_row["rnn_cell_forward"]) == 10.0


def test_grade_exits_non_zero_only_when_it_cannot_run(tmp_path):
    missing = grader("grade", tmp_path / "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    write_notebook(tmp_path / "a.ipynb", [HEADER])
    unknown = grader("grade", tmp_path / "a.ipynb", "--assignment", "no_such_assignment", cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown assignment" in unknown.stderr
    assert grader("grade", tmp_path / "a.ipynb", "--jobs", "0", cwd=tmp_path).returncode == 2


def test_check_prints_a_line_per_function_and_exits_1_unless_all_pass(tmp_path):
    run = grader("check", SUBMISSIONS / "seed" / "RNN.ipynb", "--html", tmp_path / "seed.html", cwd=tmp_path)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("RNN: 58 / 100 points")  # public cases only: Adam's slip shows on a hidden one
    assert any("passed" in line and "rnn_cell_forward" in line for line in lines)
    assert any("missing" in line and "lstm_backward" in line for line in lines)
    assert "\033[" not in run.stdout  # no colour when not a terminal
    assert (tmp_path / "seed.html").is_file()
    correct = grader("check", SUBMISSIONS / "correct" / "RNN.ipynb", "--no-html", cwd=tmp_path)
    assert correct.returncode == 0, correct.stdout


def test_check_one_function(tmp_path):
    run = grader("check", SUBMISSIONS / "seed" / "RNN.ipynb", "--function", "rnn_cell_forward",
                 "--no-html", cwd=tmp_path)
    assert run.returncode == 0
    assert "rnn_forward" not in run.stdout
    wrong = grader("check", SUBMISSIONS / "seed" / "RNN.ipynb", "--function", "nope", cwd=tmp_path)
    assert wrong.returncode == 2 and "not a graded function" in wrong.stderr


def test_the_bundled_samples_grade_from_any_folder(tmp_path):
    run = grader("grade", SUBMISSIONS, "--out", tmp_path / "reports", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    # two assignments are bundled: each notebook is graded by the one whose functions it defines,
    # each assignment's reports in a folder of its own, and an index page links them
    graded = {}
    for name, notebook in (("rnn_step_by_step", "RNN.ipynb"), ("conv_step_by_step", "Convolution_model_Step_by_Step.ipynb")):
        document = json.loads((tmp_path / "reports" / name / "results.json").read_text())
        assert document["assignment"] == name
        assert sorted(s["path"] for s in document["submissions"]) == sorted(str(p) for p in SUBMISSIONS.rglob(notebook))
        assert all(s["status"] == "graded" for s in document["submissions"])
        graded.update({s["path"]: s for s in document["submissions"]})
        assert f"reports in {tmp_path / 'reports' / name}/" in run.stdout
        assert f'href="{name}/index.html"' in (tmp_path / "reports" / "index.html").read_text()
    assert len(graded) == len(list(SUBMISSIONS.rglob("*.ipynb")))
    assert run.stdout.count("graded 8 notebook(s), 0 invalid") == 2


def test_grade_refuses_to_run_without_the_sandbox_unless_told(tmp_path):
    write_notebook(tmp_path / "a.ipynb", [HEADER, RNN_CELL_FORWARD])
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": str(tmp_path / "no-bwrap-here")}
    command = [sys.executable, "-m", "grader", "grade", str(tmp_path / "a.ipynb"), "--out", str(tmp_path / "out")]
    refused = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)
    assert refused.returncode == 2
    assert "no sandbox: bubblewrap (bwrap) is not installed" in refused.stderr
    assert "--no-sandbox" in refused.stderr
    allowed = subprocess.run(command + ["--no-sandbox"], capture_output=True, text=True, env=environment,
                             timeout=300)
    assert allowed.returncode == 0, allowed.stderr
    checked = subprocess.run([sys.executable, "-m", "grader", "check", str(tmp_path / "a.ipynb"), "--no-html",
                              "--function", "rnn_cell_forward"], capture_output=True, text=True,
                             env=environment, timeout=300)
    assert checked.returncode == 0
    assert checked.stderr.count("no sandbox") == 1


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
def test_check_grades_in_the_sandbox_its_probe_chose_whatever_the_cache_says(tmp_path):
    """The fork server starts in the sandbox the last check chose, kept in the cache folder; a
    choice forged there (a missing bubblewrap, another user) is never the one that grades."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def check():
        return subprocess.run([sys.executable, "-m", "grader", "check", str(SUBMISSIONS / "correct" / "RNN.ipynb"),
                               "--no-html"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                              env=environment)

    first = check()
    assert first.returncode == 0, first.stdout + first.stderr
    kept = tmp_path / "cache" / "notebook-grader" / "check-sandbox.json"
    [(key, chosen)] = json.loads(kept.read_text()).items()
    for forged in (["/nonexistent/bwrap", None], [chosen[0], 4242], "not a choice"):
        kept.write_text(json.dumps({key: forged}))
        run = check()
        assert run.returncode == 0 and "All 10 graded functions pass" in run.stdout, run.stdout + run.stderr
        assert "note: no sandbox" not in run.stderr
        assert json.loads(kept.read_text()) == {key: chosen}
