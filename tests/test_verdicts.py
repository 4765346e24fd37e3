"""Grade each distinct function once: a graded function whose code, and everything it can reach,
was run before (another student's copy, an earlier run) takes that run; anything that could
change the verdict (a helper, a global, a patch made at load, a name reached dynamically, a
timeout) runs the student's code again. Results with reuse equal results without it."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys

from conftest import HEADER, ROOT, SUBMISSIONS, write_notebook

from grader.core.assignment import load_assignment
from grader.core.extract import extract
from grader.grading.verdict_store import VerdictStore
from grader.core.notebook import load_notebook
from grader.grading.verdict_keys import context, function_keys

CORRECT_CELL = '''
# GRADED FUNCTION: rnn_cell_forward
def rnn_cell_forward(xt, a_prev, parameters):
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = {activation}(sum([np.dot(Waa, a_prev), np.dot(Wax, xt), ba]) * SCALE)
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)
'''
HELPER = "def squash(z):\n    return np.tanh(z)"
WRONG_HELPER = "def squash(z):\n    return np.tanh(z) * 0.5"
DYNAMIC_CELL = CORRECT_CELL.replace("{activation}", '{lookup}("squ" + "ash")')


def _correct(activation="squash", scale="1.0", helper=HELPER, extra=()):
    return [HEADER, helper, f"SCALE = {scale}", *extra, CORRECT_CELL.replace("{activation}", activation)]


def _grade(paths, out, *extra):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "grader", "grade", *map(str, paths), "--out", str(out),
                           "--assignment", "rnn_step_by_step", "--no-pages", "--jobs", "1", *extra],
                          env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout, {s["id"]: s for s in json.loads((out / "results.json").read_text())["submissions"]}


def _function(submission, name="rnn_cell_forward"):
    return next(f for f in submission["functions"] if f["name"] == name)


def test_what_could_change_a_verdict_runs_again_and_what_cannot_is_reused(tmp_path):
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    write_notebook(folder / "a_correct.ipynb", _correct())
    _, graded = _grade([folder], out)
    assert _function(graded["a_correct"])["status"] == "passed"

    patches_numpy = "def _patch():\n    np.tanh = lambda z: z * 0\n    return 0\n\ndef unused(x=_patch()):\n    return x"
    patches_builtins = ("import builtins\n\ndef _patch():\n    builtins.sum = lambda items: items[0]\n"
                        "    return 0\n\ndef unused(x=_patch()):\n    return x")
    dynamic = [HEADER, WRONG_HELPER, "SCALE = 1.0"]
    attacks = {
        "b_other_helper": _correct(helper=WRONG_HELPER),
        "b_other_global": _correct(scale="2.0"),
        "b_patches_numpy_at_load": _correct(extra=[patches_numpy]),
        "b_patches_builtins_at_load": _correct(extra=[patches_builtins]),
        "b_reaches_by_globals": [*dynamic, DYNAMIC_CELL.replace("{lookup}", "globals().__getitem__")],
        "b_reaches_by_eval": [*dynamic, DYNAMIC_CELL.replace("{lookup}", "eval")],
    }
    for name, cells in attacks.items():
        write_notebook(folder / f"{name}.ipynb", cells)
    # the dynamic ones, correct, graded first in this batch: their runs must not serve the wrong ones
    for lookup in ("globals().__getitem__", "eval"):
        write_notebook(folder / f"a_{lookup[:4]}_correct.ipynb",
                       [HEADER, HELPER, "SCALE = 1.0", DYNAMIC_CELL.replace("{lookup}", lookup)])
    copy = _correct(extra=["def never_called(x):\n    return x + 1  # not reachable"])
    copy[-1] = (copy[-1].replace("def rnn_cell_forward", "# another line\ndef rnn_cell_forward")
                .replace("    yt_pred", "    # my comment\n\n    yt_pred") + "\n# the end")
    write_notebook(folder / "c_copy_with_comments.ipynb", copy)

    printed, graded = _grade([folder], out)
    for name in attacks:
        assert _function(graded[name])["status"] == "failed", name
    for name in ("a_glob_correct", "a_eval_correct"):
        assert _function(graded[name])["status"] == "passed", name
    original, copied = _function(graded["a_correct"]), _function(graded["c_copy_with_comments"])
    assert copied["status"] == "passed" and copied["score"] == original["score"]
    # reused: the very run (its case times) of the first student, shown with the copy's own code
    assert [c["seconds"] for c in copied["cases"]] == [c["seconds"] for c in original["cases"]]
    assert (copied["cell"], original["cell"]) == (5, 4) and (copied["line"], original["line"]) == (3, 2)
    assert "# my comment" in copied["source"] and "# my comment" not in original["source"]
    assert "1 graded function(s) not run again" in printed


def test_a_timed_out_function_is_not_kept(tmp_path, sandbox):
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    loops = "def initialize_adam(parameters):\n    while True:\n        pass"
    path = write_notebook(folder / "loops.ipynb", _correct(extra=[loops]))
    _, graded = _grade([folder], out, "--timeout", "0.5")
    assert _function(graded["loops"], "initialize_adam")["status"] == "timeout"
    assert _function(graded["loops"])["status"] == "passed"

    limited = load_assignment("rnn_step_by_step", timeout=0.5)
    submission = extract(load_notebook(path), limited.ignored_modules)
    defined = sorted(set(submission.functions) & set(limited.graded_names))
    keys = function_keys(context(limited, sandbox is not None), submission, ["rnn_cell_forward", "initialize_adam"], defined)
    store = VerdictStore(out / "gradebook.sqlite")
    try:
        assert store.find(keys["rnn_cell_forward"].verdict, "") is not None  # the table is the one used
        assert all(store.find(keys["initialize_adam"].verdict, exact) is None
                   for exact in ("", keys["initialize_adam"].exact))
    finally:
        store.close()


def _comparable(submission):
    """A result without what differs between two gradings of the same code: times and dates."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("seconds", "graded_at", "id", "path")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return strip(submission)


def test_results_with_reuse_equal_results_without(tmp_path):
    classes = tmp_path / "classes"
    rnn = [folder for folder in sorted(SUBMISSIONS.iterdir()) if folder.is_dir()
           and not folder.name.startswith("conv_")]
    warned = _correct(extra=["def broken(x=1 / 0):\n    return x"])
    for group in ("class_a", "class_b"):  # the second: other students' copies
        for folder in rnn:
            shutil.copytree(folder, classes / group / folder.name)
        write_notebook(classes / group / "warned.ipynb", warned)
    reused_out, fresh_out = tmp_path / "reused", tmp_path / "fresh"
    shutil.move(classes / "class_b", tmp_path / "class_b")
    _grade([classes], reused_out)  # class a first, then both: reused within the batch and across runs
    shutil.move(tmp_path / "class_b", classes / "class_b")
    write_notebook(classes / "class_b" / "warned_commented.ipynb", [*warned[:-1], "# same\n" + warned[-1]])
    printed, reused = _grade([classes], reused_out)
    _, fresh = _grade([classes], fresh_out)
    assert "not run again" in printed

    assert set(reused) == set(fresh) and len(reused) == 2 * len(rnn) + 3
    for submission_id in reused:
        assert _comparable(reused[submission_id]) == _comparable(fresh[submission_id]), submission_id
        if submission_id.startswith("class_b/") and submission_id != "class_b/warned_commented":
            twin = "class_a/" + submission_id.removeprefix("class_b/")
            assert _comparable(reused[submission_id]) == _comparable(reused[twin]), submission_id
    warned = reused["class_b/warned"]
    assert "ZeroDivisionError" in " ".join(warned["warnings"])
    assert reused["class_b/warned_commented"]["warnings"] == warned["warnings"]

    # --force runs every function again, and replaces what was kept
    with sqlite3.connect(reused_out / "gradebook.sqlite") as connection:
        connection.execute("UPDATE verdicts SET run = X'00'")
    forced_printed, forced = _grade([classes], reused_out, "--force")
    assert "not run again" not in forced_printed
    for submission_id in reused:
        assert _comparable(forced[submission_id]) == _comparable(fresh[submission_id]), submission_id
    with sqlite3.connect(reused_out / "gradebook.sqlite") as connection:
        assert connection.execute("SELECT COUNT(*) FROM verdicts WHERE run = X'00'").fetchone()[0] == 0
