"""Hostile notebooks (tests/attacks/, made by tools/make_attack_notebooks.py): no attack earns a
point, none leaves a file or a process behind, and the rest of each notebook (the work beside an
attack, a correct function that prints) is graded as if it were not there.

Run under the bubblewrap sandbox (CI installs it); without it the grader cannot hide files from
student code, so these tests are skipped there.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.grading import grade_notebook

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
