"""The gradebook: results committed as they finish, reruns that skip what is graded, and a batch
killed with SIGKILL halfway that ends, when run again, with every notebook graded exactly once."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from conftest import HEADER, INITIALIZE_ADAM, RNN_CELL_FORWARD, ROOT, write_notebook

SLOW_FORWARD = "import time\ndef rnn_forward(x, a0, parameters):\n    time.sleep(0.05)\n    return None"


def _start(folder, out, *extra):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out),
                             "--jobs", "1", "--quiet", *extra], env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _rows(out):
    with sqlite3.connect(out / "gradebook.sqlite") as connection:
        return {row[0]: row[1:] for row in connection.execute("SELECT id, graded_at, result, content_hash FROM results")}


def _class(tmp_path, count):
    folder = tmp_path / "class"
    folder.mkdir()
    for number in range(count):
        write_notebook(folder / f"student{number:03}.ipynb",
                       [HEADER, f"STUDENT = {number}  # each its own code: none reuses another's runs",
                        RNN_CELL_FORWARD, SLOW_FORWARD, INITIALIZE_ADAM])
    return folder


def test_a_batch_killed_halfway_resumes_and_grades_each_notebook_once(tmp_path):
    folder, out = _class(tmp_path, 30), tmp_path / "out"
    first = _start(folder, out)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (out / "gradebook.sqlite").exists():
            try:
                if len(_rows(out)) >= 8:
                    break
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = _rows(out)
    assert 8 <= len(before) < 30, "the kill came too late to test a resume"
    assert not (out / "results.json").exists()

    second = _start(folder, out, "--jobs", "2")
    assert second.wait(timeout=300) == 0, second.stderr.read()
    after = _rows(out)
    assert set(after) == {f"student{n:03}" for n in range(30)}
    for submission_id, row in before.items():
        assert after[submission_id] == row  # graded before the kill: kept, not graded again
    document = json.loads((out / "results.json").read_text())
    assert sorted(s["id"] for s in document["submissions"]) == sorted(after)
    assert all(s["score"] == 14.0 for s in document["submissions"])
    assert len((out / "grades.csv").read_text().splitlines()) == 31


def test_a_rerun_regrades_only_changed_notebooks_and_force_regrades_all(tmp_path):
    folder, out = _class(tmp_path, 3), tmp_path / "out"
    assert _start(folder, out).wait(timeout=300) == 0
    first = _rows(out)
    write_notebook(folder / "student001.ipynb", [HEADER, RNN_CELL_FORWARD])  # handed in again
    run = _start(folder, out)
    assert run.wait(timeout=300) == 0
    second = _rows(out)
    assert second["student000"] == first["student000"] and second["student002"] == first["student002"]
    assert second["student001"] != first["student001"]
    assert json.loads(second["student001"][1])["score"] == 10.0
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    again = subprocess.run([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out)],
                           env=environment, capture_output=True, text=True, timeout=300)
    assert "3 unchanged since the last run" in again.stdout
    forced = subprocess.run([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out), "--force"],
                            env=environment, capture_output=True, text=True, timeout=300)
    assert "graded 3 notebook(s), 0 invalid; reports" in forced.stdout
