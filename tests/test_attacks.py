"""Hostile notebooks (tests/attacks/, made by tools/make_attack_notebooks.py): no attack earns a
point, none leaves a file or a process behind, and the rest of each notebook (the work beside an
attack, a correct function that prints) is graded as if it were not there.

Run under the bubblewrap sandbox (CI installs it); without it the grader cannot hide files from
student code, so these tests are skipped there.
"""
import ast
import csv
import html
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grader.reports.html import page_href, page_name
from grader.core.names import output_name

from grader.grading.submission import grade_notebook

from conftest import HEADER, INITIALIZE_ADAM, RNN_CELL_FORWARD, ROOT, write_notebook

ATTACKS = sorted((Path(__file__).parent / "attacks").glob("*.ipynb"))
MARKER = "grader-attack"


def _left_behind() -> list[str]:
    places = [Path("/tmp"), ROOT, ROOT / "reports", Path.home(), ROOT / "tests" / "attacks"]
    return [str(path) for place in places if place.is_dir() for path in place.glob(f"{MARKER}*")]


def _surviving_processes() -> list[str]:
    found = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines()
    return [line for line in found if "sleep 3133." in line]


@pytest.fixture(scope="module")
def sandboxed(sandbox):
    if sandbox is None:
        pytest.skip("bubblewrap is not available: the attack tests need the sandbox")
    return sandbox


def _verdicts(notebook: Path) -> dict[str, str]:
    """Each graded function the notebook names and the statuses it may get ("a or b")."""
    return json.loads(notebook.read_text())["metadata"]["attack"]


@pytest.mark.parametrize("notebook", ATTACKS, ids=[path.stem for path in ATTACKS])
def test_an_attack_costs_only_its_own_points(notebook, sandboxed, quick_assignment, zygote):
    verdicts = _verdicts(notebook)
    result = grade_notebook(zygote, quick_assignment, notebook, notebook.stem,
                            (*verdicts, "initialize_adam"))
    functions = {f.name: f for f in result.functions}
    for name, expected in verdicts.items():
        function = functions[name]
        assert function.status in expected.split(" or "), (name, function.message)
        # an attack earns nothing; the work beside it (and printing) loses nothing
        assert function.score == (function.max_score if expected == "passed" else 0), name
        assert "CONNECTED" not in function.output
        assert "rnn_step_by_step.py" not in function.output and "spec.toml" not in function.output
    assert functions["initialize_adam"].status == "passed", functions["initialize_adam"].message
    assert _left_behind() == []
    assert _surviving_processes() == []


def test_a_call_outside_the_stand_ins_is_named_in_the_error(sandboxed, quick_assignment, zygote):
    """A raw call frame the grader will not answer ends the case, and the message says which call."""
    notebook = Path(__file__).parent / "attacks" / "calls_itself_through_the_channel.ipynb"
    result = grade_notebook(zygote, quick_assignment, notebook, notebook.stem, ("rnn_cell_forward",))
    message = result.functions[0].message
    assert "asked the grader to answer a call of 'rnn_cell_forward'" in message
    assert "only its calls of the graded functions its reference calls are answered (none)" in message


def test_a_solution_left_readable_outside_the_grader_stays_out_of_sight(sandboxed, quick_assignment,
                                                                       zygote, tmp_path):
    """The sandbox shows the system, the Python and the grader package, not the rest of the
    machine: an instructor's copy of a solution in a world-readable folder (here /var/tmp,
    which is not the sandbox's private /tmp) cannot be read by student code."""
    import secrets
    import shutil
    folder = Path("/var/tmp") / f"grader-solution-{secrets.token_hex(6)}"
    try:
        folder.mkdir(mode=0o755)
    except OSError:
        pytest.skip("cannot write to /var/tmp here")
    try:
        (folder / "solution.py").write_text("SECRET = 'the instructor solution'\n")
        (folder / "solution.py").chmod(0o644)
        probe = RNN_CELL_FORWARD.replace(
            "    Wax, Waa, Wya = parameters",
            f"    print('READ' if __import__('os').path.exists({str(folder / 'solution.py')!r}) else 'UNSEEN')\n"
            "    Wax, Waa, Wya = parameters", 1)
        assert probe != RNN_CELL_FORWARD
        path = write_notebook(tmp_path / "probe.ipynb", [HEADER, probe])
        result = grade_notebook(zygote, quick_assignment, path, "probe", ("rnn_cell_forward",))
        function = result.functions[0]
        assert function.status == "passed", function.message
        assert "UNSEEN" in function.output and "READ" not in function.output
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_batch_mixing_attacks_with_good_work_grades_the_good_work_exactly(tmp_path, sandboxed):
    folder = tmp_path / "class"
    folder.mkdir()
    for notebook in ATTACKS:
        (folder / notebook.name).write_bytes(notebook.read_bytes())
    for number in range(3):
        write_notebook(folder / f"good{number}.ipynb", [HEADER, RNN_CELL_FORWARD, INITIALIZE_ADAM])
    out = tmp_path / "out"
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out),
                          "--timeout", "1", "--quiet"], env=environment, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    submissions = {s["id"]: s for s in json.loads((out / "results.json").read_text())["submissions"]}
    for number in range(3):
        good = {f["name"]: f for f in submissions[f"good{number}"]["functions"]}
        assert good["rnn_cell_forward"]["status"] == good["initialize_adam"]["status"] == "passed"
        assert submissions[f"good{number}"]["score"] == 14.0
    for notebook in ATTACKS:
        functions = {f["name"]: f for f in submissions[notebook.stem]["functions"]}
        for name, expected in _verdicts(notebook).items():
            assert (functions[name]["status"] == "passed") == (expected == "passed"), (notebook.stem, name)
        assert functions["initialize_adam"]["status"] == "passed", notebook.stem
    expected_files = {"results.json", "grades.csv", "index.html", "gradebook.sqlite"} | {
        f"{name}.html" for name in submissions}
    assert {path.name for path in out.iterdir()} == expected_files
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [n.name for n in ATTACKS] + [f"good{n}.ipynb" for n in range(3)])
    assert _left_behind() == [] and _surviving_processes() == []


# --------------------------------------------------------------------------- one batch of everything

CORRECT = ROOT / "submissions" / "correct" / "RNN.ipynb"
# a debug print as students leave them, with text that must never reach the grader's own
# output: a GitHub workflow command and terminal escapes
DEBUG_PRINT = "print('::error file=RNN.ipynb,line=1::debug {name}', '\\x1b[2J\\x1b]0;title\\x07', {name!r})"


def printing(notebook: Path) -> nbformat.NotebookNode:
    """The correct sample notebook with one debug print at the top of each graded function."""
    node = nbformat.read(str(notebook), as_version=4)
    for cell in node.cells:
        if cell.cell_type != "code" or "def " not in cell.source:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        lines = cell.source.splitlines()
        for function in sorted((n for n in tree.body if isinstance(n, ast.FunctionDef)),
                               key=lambda n: -n.body[0].lineno):
            first = lines[function.body[0].lineno - 1]
            indent = first[:len(first) - len(first.lstrip())]
            lines.insert(function.body[0].lineno - 1, indent + DEBUG_PRINT.format(name=function.name))
        cell.source = "\n".join(lines)
    return node


def expected_verdicts(notebook: Path) -> dict[str, list[str]]:
    """The attack notebook's metadata: function -> the statuses it may get; it earns nothing, unless
    "passed" is its only status (honest work written beside the attack)."""
    attack = json.loads(notebook.read_text())["metadata"]["attack"]
    return {name: status.split(" or ") for name, status in attack.items()}


def test_every_attack_in_one_batch_beside_correct_notebooks_that_print(tmp_path, sandboxed, assignment):
    """Every notebook of tests/attacks/ (those added later too), the folder layouts that attack
    discovery, ids and page names, and correct notebooks with a debug print in every function,
    graded in one ``grader grade`` batch: no attack earns a point, every output file is written,
    the correct notebooks get full marks, and nothing a student wrote reaches the grader's own
    output."""
    folder, other = tmp_path / "class", tmp_path / "other"
    (folder / "attacks").mkdir(parents=True)
    other.mkdir()
    for notebook in ATTACKS:
        shutil.copy(notebook, folder / "attacks" / notebook.name)
    correct = printing(CORRECT)
    printers = ["good/one", "good/two", "index", "index-submission", "index.html/inside", "dup-2", " =1+1",
                "results.json/page", "gradescope/page", "escape\x1b[2J\x07"]
    for name in printers:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(correct, str(folder / f"{name}.ipynb"))
    nbformat.write(correct, str(folder / "dup.ipynb"))
    shutil.copy(folder / "attacks" / "sys_exit.ipynb", other / "dup.ipynb")  # id dup as well: becomes dup-3
    solution = assignment.directory / "solution.ipynb"
    (folder / "solution-link.ipynb").symlink_to(solution)  # the installed solution: refused
    nbformat.write(correct, str(tmp_path / "outside.ipynb"))
    (folder / "leaves-the-folder.ipynb").symlink_to(tmp_path / "outside.ipynb")
    (folder / "good" / "inside-link.ipynb").symlink_to(folder / "good" / "one.ipynb")
    many = nbformat.v4.new_notebook()  # a notebook too long for a page: the appendix is cut
    many.cells = [nbformat.v4.new_code_cell(f"x{number} = {number}\nprint(x{number})") for number in range(3000)]
    many.cells += printing(CORRECT).cells
    for number, cell in enumerate(many.cells):
        cell.id = f"c{number}"
    nbformat.write(many, str(folder / "many-cells.ipynb"))

    out = tmp_path / "out"
    (out / "index.html.tmp").mkdir(parents=True)  # what an older run could leave behind
    command = [sys.executable, "-m", "grader", "grade", str(folder), str(other), "--out", str(out),
               "--timeout", "2", "--format", "junit,gradescope"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    run = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=1800)
    wall = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest process of the batch
    print(f"\none batch of {len(list(folder.rglob('*.ipynb'))) + 1} notebooks: {wall:.1f} s wall, "
          f"peak resident memory of one process {peak:.0f} MiB")
    assert run.returncode == 0, run.stderr
    for stream in (run.stdout, run.stderr):
        assert "::" not in stream and "\x1b" not in stream and "\x07" not in stream, stream[-3000:]

    results = {s["id"]: s for s in json.loads((out / "results.json").read_text())["submissions"]}
    for notebook in ATTACKS:
        result = results[f"attacks/{notebook.stem}"]
        assert result["status"] == "graded", (notebook.stem, result["error"])
        functions = {f["name"]: f for f in result["functions"]}
        expected = expected_verdicts(notebook)
        earned = [name for name, statuses in expected.items() if statuses == ["passed"]]  # honest work beside
        for name, statuses in expected.items():  # a loaded machine may make any of them time out
            assert functions[name]["status"] in statuses + ["timeout"], (notebook.stem, name, functions[name]["message"])
            if name not in earned:
                assert functions[name]["score"] == 0, (notebook.stem, name)
        if "initialize_adam" not in expected:
            assert functions["initialize_adam"]["status"] == "passed", (notebook.stem, functions["initialize_adam"])
        assert result["score"] == sum(f["score"] for n, f in functions.items() if n not in expected or n in earned)
        assert all(f["status"] == "missing" for n, f in functions.items()
                   if n not in expected and n != "initialize_adam"), notebook.stem

    for name in printers + ["dup", "many-cells"]:
        result = results[name]
        assert result["status"] == "graded" and result["score"] == 100.0, (name, result["error"], [
            (f["name"], f["status"], f["message"]) for f in result["functions"] if f["status"] != "passed"])
        function = next(f for f in result["functions"] if f["name"] == "lstm_backward")
        assert "debug lstm_backward" in function["output"]
    assert results["dup-2"]["path"] == str(folder / "dup-2.ipynb")
    assert results["dup"]["path"] == str(folder / "dup.ipynb")
    assert results["dup-3"]["path"] == str(other / "dup.ipynb") and results["dup-3"]["score"] < 100
    for link in ("solution-link", "leaves-the-folder", "good/inside-link"):
        assert results[link]["status"] == "invalid" and results[link]["score"] == 0, results[link]
        assert "symbolic link" in results[link]["error"] and "\n" not in results[link]["error"]

    # every output file, one page per submission, none overwritten by another
    assert (out / "results.json").is_file() and (out / "grades.csv").is_file() and (out / "index.html").is_file()
    assert (out / "junit.xml").is_file()
    pages = {submission_id: out / page_name(submission_id) for submission_id in results}
    assert len(set(pages.values())) == len(pages)
    for submission_id, page in pages.items():
        text = page.read_text(encoding="utf-8")
        assert f"<h1 id=\"top\">{html.escape(submission_id)}</h1>" in text, submission_id
        assert (out / "gradescope" / output_name(submission_id, ".json")).is_file(), submission_id
    assert "symbolic link" in pages["solution-link"].read_text() and "START CODE HERE" not in pages["solution-link"].read_text()
    assert "&lt;![x" in pages["attacks/unreadable_markdown"].read_text()
    cut = pages["many-cells"].read_text()
    assert "cells are not shown" in cut and len(cut) < 3_000_000
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{page_href(submission_id)}"' in index for submission_id in results)
    rows = {row[0]: row for row in csv.reader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))}
    assert "' =1+1" in rows and " =1+1" not in rows
    assert sorted(path.name for path in folder.rglob("*") if path.is_file() and not path.is_symlink()) == sorted(
        [n.name for n in ATTACKS] + [Path(f"{name}.ipynb").name for name in printers]
        + ["dup.ipynb", "many-cells.ipynb"])
    assert _left_behind() == [] and _surviving_processes() == []

    # a rerun grades nothing again and writes every report again
    (out / "results.json").unlink()
    again = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "unchanged since the last run" in again.stdout, again.stderr
    assert {s["id"] for s in json.loads((out / "results.json").read_text())["submissions"]} == set(results)
