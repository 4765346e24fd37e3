"""A course of two assignments graded through the command line into one gradebook: late work
under a policy, a fixed reference and the regrade's diff, an adjustment that holds across
regrades, Canvas and Moodle exports, and a planted pair of renamed copies found among distinct
submissions."""
import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import HEADER, INITIALIZE_ADAM, RNN_CELL_FORWARD, ROOT, write_notebook

FIXTURE = ROOT / "tests" / "fixtures" / "activations"
NUMPY = "import numpy as np"
RELU = "def relu(z):\n    a = np.maximum(0, z)\n    return a, z"
SOFTMAX = '''
def softmax(z):
    # subtract the max for stability
    shifted = z - np.max(z, axis=0, keepdims=True)
    e = np.exp(shifted)
    total = np.sum(e, axis=0, keepdims=True)
    return e / total, z
'''
# alice's softmax renamed, commented and laid out otherwise: the planted copy
SOFTMAX_RENAMED = '''
def softmax(z):
    stable=z-np.max(z,axis=0,keepdims=True)   # my own idea
    exps = np.exp(stable)

    s = np.sum(exps, axis = 0, keepdims = True)
    return exps / s, z
'''
SOFTMAX_WHOLE = "def softmax(z):\n    e = np.exp(z)\n    return e / np.sum(e), z"  # right only for one column
SOFTMAX_ROWS = "def softmax(z):\n    e = np.exp(z - z.max())\n    return e / e.sum(axis=1, keepdims=True), z"
BUGGY_REFERENCE = '''import numpy as np

def relu(z):
    return np.maximum(0, z), z

def softmax(z):  # normalises the whole array: right for one column only
    e = np.exp(z - np.max(z))
    return e / np.sum(e), z
'''
COURSE = '''
[late]
grace_minutes = 30
percent_per_day = 10
max_percent = 25

[assignments.rnn_step_by_step]
due = 2026-03-01T23:59:00Z
lms_name = "RNN step by step (101)"
extensions = { carol = 2026-03-04T23:59:00Z }

[assignments.activations]
lms_name = "Activations (102)"
'''
TIMES = {"alice/RNN": "2026-03-01T20:00:00Z",   # on time
         "bob/RNN": "2026-03-04T02:00:00Z",     # 2 days 2 hours late: 3 days, 30%, capped at 25%
         "carol/RNN": "2026-03-03T12:00:00Z",   # late, but within her extension
         "dave/RNN": "2026-03-02T00:20:00Z",    # 21 minutes late: within the grace period
         "erin/RNN": "2026-03-02T01:00:00Z"}    # 1 hour late: one day, 10%
ROSTER = [("Alice Ames", "1001", "s1", "alice", "Section A", "alice@uni.example"),
          ("Bob Bell", "1002", "s2", "bob", "Section A", "bob@uni.example"),
          ("Carol Cho", "1003", "s3", "carol", "Section B", "carol@uni.example"),
          ("Dave Dunn", "1004", "s4", "dave", "Section B", "dave@uni.example"),
          ("Erin Eze", "1005", "s5", "erin", "Section B", "erin@uni.example"),
          ("Mallory Moss", "1006", "s6", "mallory", "Section B", "mallory@uni.example"),
          ("Frank Fox", "1007", "s7", "frank", "Section A", "frank@uni.example")]  # handed nothing in


def grader(*arguments):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "grader", *map(str, arguments)], env=environment,
                          capture_output=True, text=True, timeout=900)


def _ok(run):
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def _results(out):
    return {s["id"]: s for s in json.loads((out / "results.json").read_text())["submissions"]}


def _csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    book = root / "course.sqlite"
    (root / "course.toml").write_text(COURSE)
    with open(root / "times.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([("id", "submitted_at"), *TIMES.items()])
    with open(root / "roster.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([("Student", "ID", "SIS User ID", "SIS Login ID", "Section", "email"), *ROSTER])
    for student in TIMES:
        (root / "rnn" / student).parent.mkdir(parents=True, exist_ok=True)
        write_notebook(root / "rnn" / f"{student}.ipynb", [HEADER, RNN_CELL_FORWARD, INITIALIZE_ADAM])
    assignment = root / "activations"
    shutil.copytree(FIXTURE, assignment)
    (assignment / "reference.py").write_text(BUGGY_REFERENCE)
    act = root / "act"
    act.mkdir()
    write_notebook(act / "alice.ipynb", [NUMPY, RELU, SOFTMAX])
    write_notebook(act / "bob.ipynb", [NUMPY, RELU, SOFTMAX_WHOLE])
    write_notebook(act / "carol.ipynb", [NUMPY, "def relu(z):\n    return z, z"])
    write_notebook(act / "dave.ipynb", [NUMPY, "def relu(z):\n    out = np.maximum(0, z)\n    return out, z",
                                        SOFTMAX_RENAMED])
    write_notebook(act / "erin.ipynb", [NUMPY, RELU, SOFTMAX_ROWS])
    # a student who knows where the course gradebook lies tries to read it: the sandbox hides it
    write_notebook(act / "mallory.ipynb", [NUMPY, f'''
def relu(z):
    try:
        open({str(book)!r}, "rb").read(16)
        return np.maximum(0, z), z
    except OSError:
        return z * 0 - 1, z
'''])
    write_notebook(act / "zed.ipynb", [NUMPY, "def relu(z):\n    return z * (z > 0), z"])  # not in the roster
    runs = {
        "rnn": _ok(grader("grade", root / "rnn", "--out", root / "out-rnn", "--gradebook", book,
                          "--course", root / "course.toml", "--submitted", root / "times.csv")),
        "first": _ok(grader("grade", act, "--assignment", assignment, "--out", root / "out-act",
                            "--gradebook", book, "--course", root / "course.toml")),
    }
    runs["first results"] = _results(root / "out-act")
    (assignment / "reference.py").write_text((FIXTURE / "reference.py").read_text())  # the fix
    runs["fixed"] = _ok(grader("grade", act, "--assignment", assignment, "--out", root / "out-act",
                               "--gradebook", book))
    runs["changes"] = _csv(root / "out-act" / "changes.csv")
    runs["adjust"] = _ok(grader("adjust", "carol", "relu", "3", "--reason", "right idea, returned z unchanged",
                                "--by", "ta-jo", "--gradebook", book, "--assignment", assignment,
                                "--out", root / "out-act"))
    runs["after adjust"] = _results(root / "out-act")
    runs["adjusted"] = _ok(grader("grade", act, "--assignment", assignment, "--out", root / "out-act",
                                  "--gradebook", book, "--force", "--format", "gradescope,junit"))
    return {"root": root, "book": book, "assignment": assignment, "act": act, **runs}


def test_late_work_loses_what_the_policy_says_and_the_page_says_why(course):
    out = course["root"] / "out-rnn"
    results = _results(out)
    assert results["alice/RNN"]["score"] == 14.0 and "adjustments" not in results["alice/RNN"]
    assert "adjustments" not in results["carol/RNN"]  # late, but within her extension
    assert "adjustments" not in results["dave/RNN"]  # within the grace period
    bob = results["bob/RNN"]
    assert (bob["graded_score"], bob["score"]) == (14.0, 10.5)
    assert bob["adjustments"][0]["kind"] == "late" and bob["adjustments"][0]["reason"].startswith("25% off")
    assert "3 days late" in bob["adjustments"][0]["reason"]
    assert results["erin/RNN"]["score"] == pytest.approx(12.6)
    rows = {row["id"]: row for row in csv.DictReader(open(out / "grades.csv"))}
    assert float(rows["bob/RNN"]["score"]) == 10.5 and float(rows["erin/RNN"]["score"]) == pytest.approx(12.6)
    page = (out / "bob" / "RNN.html").read_text()
    assert "late penalty" in page and "25% off" in page and "10.5" in page
    assert "late penalty" not in (out / "alice" / "RNN.html").read_text()


def test_fixing_the_reference_lists_exactly_the_students_whose_scores_moved(course):
    header, *rows = course["changes"]
    assert header[:4] == ["changed_at", "id", "function", "old_score"]
    assert sorted(row[1] for row in rows) == ["alice", "bob", "dave"]
    alice = next(row for row in rows if row[1] == "alice")
    assert alice[2:7] == ["softmax", "3.0", "6.0", "7.0", "10.0"]
    assert "'columns' failed -> passed" in alice[7] and "assignment changed" in alice[8]
    printed = course["fixed"].stdout
    assert "scores changed for 3 submission(s)" in printed
    assert not re.search(r"^\s+(carol|erin|mallory|zed):", printed, re.M)
    overview = (course["root"] / "out-act" / "index.html").read_text()
    assert "Changed by the last regrade" in overview
    with sqlite3.connect(course["book"]) as connection:  # the history keeps both gradings
        graded = connection.execute("SELECT COUNT(DISTINCT fingerprint) FROM history WHERE id = 'bob' "
                                    "AND assignment = 'activations'").fetchone()[0]
    assert graded == 2


def test_an_adjustment_holds_across_a_regrade_and_reaches_every_report(course):
    out = course["root"] / "out-act"
    carol = _results(out)["carol"]
    assert course["first results"]["carol"]["score"] == 0.0
    assert course["after adjust"]["carol"]["score"] == 3.0  # the reports are rebuilt at once
    assert "reports rebuilt" in course["adjust"].stdout
    assert (carol["graded_score"], carol["score"]) == (0.0, 3.0)
    relu = next(f for f in carol["functions"] if f["name"] == "relu")
    assert relu["score"] == 3.0 and relu["status"] == "failed"
    assert carol["adjustments"][0]["by"] == "ta-jo"
    assert "scores changed" not in course["adjusted"].stdout  # the forced regrade changed no grading
    row = next(r for r in csv.DictReader(open(out / "grades.csv")) if r["id"] == "carol")
    assert (row["score"], row["relu"]) == ("3.0", "3.0")
    page = (out / "carol.html").read_text()
    assert "right idea, returned z unchanged" in page and "ta-jo" in page
    assert "right idea, returned z unchanged" in (out / "index.html").read_text()
    gradescope = json.loads((out / "gradescope" / "carol.json").read_text())
    assert gradescope["score"] == 3.0 and "right idea, returned z unchanged" in gradescope["output"]
    assert re.search(r'<testsuite name="carol".*?<property name="score" value="3" />.*?'
                     r'<property name="graded_score" value="0" />', (out / "junit.xml").read_text(), re.S)


def test_student_code_cannot_read_the_course_gradebook(course):
    mallory = _results(course["root"] / "out-act")["mallory"]
    assert next(f for f in mallory["functions"] if f["name"] == "relu")["status"] == "failed"


def test_canvas_export_is_canvas_gradebook_import_csv(course):
    target = course["root"] / "canvas.csv"
    run = _ok(grader("export", "canvas", "--gradebook", course["book"], "--roster", course["root"] / "roster.csv",
                     "--course", course["root"] / "course.toml", "--to", target))
    header, possible, *rows = _csv(target)
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                      "Activations (102)", "RNN step by step (101)"]
    assert possible == ["Points Possible", "", "", "", "", "10", "100"]
    by_login = {row[3]: row for row in rows}
    assert by_login["bob"][:5] == ["Bob Bell", "1002", "s2", "bob", "Section A"]
    assert by_login["bob"][5:] == ["7", "10.5"]  # after the fix; late
    assert by_login["carol"][5:] == ["3", "14"]  # adjusted; on time by her extension
    assert by_login["frank"][5:] == ["", ""]
    assert all(float(value) >= 0 for row in rows for value in row[5:] if value)
    assert "not in the roster: activations zed" in run.stdout
    assert "no submission: activations frank" in run.stdout and "no submission: rnn_step_by_step mallory" in run.stdout


def test_moodle_export_is_moodle_grade_import_csv(course):
    target = course["root"] / "moodle.csv"
    _ok(grader("export", "moodle", "--gradebook", course["book"], "--roster", course["root"] / "roster.csv",
               "--match", "SIS Login ID", "--to", target, "--only", "rnn_step_by_step"))
    header, *rows = _csv(target)
    assert header == ["Username", "ID number", "Email address", "rnn_step_by_step", "Feedback: rnn_step_by_step"]
    by_email = {row[2]: row for row in rows}
    assert by_email["bob@uni.example"][3] == "10.5" and "late" in by_email["bob@uni.example"][4]
    assert by_email["frank@uni.example"][3:] == ["", ""]
    assert all(float(row[3]) >= 0 for row in rows if row[3])


def test_similar_code_finds_the_renamed_copy_and_marks_what_everyone_writes(course):
    overview = (course["root"] / "out-act" / "index.html").read_text()
    groups = re.findall(r'data-function="(\w+)" data-ids="([^"]*)" data-common="(\w+)"', overview)
    softmax = [(ids, common) for function, ids, common in groups if function == "softmax"]
    assert softmax == [("alice dave", "no")]
    relu = [(ids, common) for function, ids, common in groups if function == "relu"]
    assert relu == [("alice bob dave erin", "yes")]
    assert "my own idea" in overview  # the side-by-side view shows each student's own code


def test_git_commit_times_make_a_late_submission(tmp_path):
    repository = tmp_path / "classroom"
    repository.mkdir()
    write_notebook(repository / "activations.ipynb", [NUMPY, RELU, SOFTMAX])
    environment = {**os.environ, "GIT_AUTHOR_NAME": "s", "GIT_AUTHOR_EMAIL": "s@x", "GIT_COMMITTER_NAME": "s",
                   "GIT_COMMITTER_EMAIL": "s@x", "GIT_COMMITTER_DATE": "2026-03-03T10:00:00+00:00",
                   "GIT_AUTHOR_DATE": "2026-03-03T10:00:00+00:00"}
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "hand in"]):
        subprocess.run(["git", *command], cwd=repository, env=environment, check=True)
    (tmp_path / "course.toml").write_text('[late]\npercent_per_day = 5\n[assignments.activations]\n'
                                          'due = "2026-03-01T12:00:00+00:00"\n')
    out = tmp_path / "out"
    _ok(grader("grade", repository, "--assignment", FIXTURE, "--out", out, "--no-pages",
               "--course", tmp_path / "course.toml", "--submitted", "git"))
    result = _results(out)["activations"]
    assert result["score"] == 9.0 and result["graded_score"] == 10.0
    assert "its git commit" in result["adjustments"][0]["reason"] and "2 days late" in result["adjustments"][0]["reason"]


def test_bad_course_input_is_one_line_naming_the_file(tmp_path):
    (tmp_path / "course.toml").write_text("[assignments.activations]\ndue = 'next week'\n")
    notebook = write_notebook(tmp_path / "a.ipynb", [NUMPY, RELU])
    run = grader("grade", notebook, "--assignment", FIXTURE, "--out", tmp_path / "out", "--course",
                 tmp_path / "course.toml")
    assert run.returncode == 2 and "course.toml" in run.stderr and "due" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["adjust", "export"])
def test_the_course_commands_explain_themselves(command):
    run = _ok(grader(command, "--help"))
    assert "--gradebook" in run.stdout
    assert "--gradebook" in _ok(grader("grade", "--help")).stdout


def test_bad_adjustments_and_rosters_are_one_line_each(course, tmp_path):
    common = ["--gradebook", course["book"], "--assignment", course["assignment"]]
    for arguments, words in (
            (["nobody", "relu", "1", "--reason", "x"], "not in the gradebook"),
            (["carol", "sigmoid", "1", "--reason", "x"], "not a graded function"),
            (["carol", "relu", "nan", "--reason", "x"], "points must be a number from 0 up"),
            (["carol", "relu", "2"], "give the reason")):
        run = grader("adjust", *arguments, *common)
        assert run.returncode == 2 and words in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    sheet = tmp_path / "adjustments.csv"
    sheet.write_text("id,function,points,reason\ncarol,relu,2,fine\nbob,relu,-1,oops\n")
    run = grader("adjust", "--csv", sheet, *common)
    assert run.returncode == 2 and "adjustments.csv line 3" in run.stderr
    listed = _ok(grader("adjust", "--list", *common)).stdout
    assert listed.count("\n") == 1 and "carol\trelu\t3\tta-jo" in listed  # nothing of the bad sheet kept
    roster = tmp_path / "roster.csv"
    roster.write_text("name,grade\nAlice,1\n")
    run = grader("export", "canvas", "--gradebook", course["book"], "--roster", roster, "--to", tmp_path / "c.csv")
    assert run.returncode == 2 and "roster.csv" in run.stderr and "--match" in run.stderr
    assert not (tmp_path / "c.csv").exists()
    roster.write_text("Student,Section,github\nAlice Ames,A,alice\n")  # matched, but nothing Canvas knows her by
    run = grader("export", "canvas", "--gradebook", course["book"], "--roster", roster, "--match", "github",
                 "--to", tmp_path / "c.csv")
    assert run.returncode == 2 and "ID, SIS User ID, SIS Login ID" in run.stderr
