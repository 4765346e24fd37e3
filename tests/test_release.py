"""Release: the student notebook, the student bundle, and a student's install without the reference.

The last test builds a fresh virtual environment with the engine-only package (no assignment, no
reference) and runs its ``grader check`` with the bundle on the seed and the correct notebook. It
is marked ``slow`` (deselect with ``-m 'not slow'``); CI runs it.
"""
from __future__ import annotations

import ast
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.runtime import codec
from grader.authoring.bundle import SUFFIX, BundleError, BundledAssignment, choose_bundle, load_bundle
from grader.authoring.bundle_build import write_bundle
from grader.core.extract import extract
from grader.grading.submission import grade_notebook
from grader.core.notebook import load_notebook
from grader.authoring import release as release_module
from grader.authoring.release import END, START, ReleaseError, release
from grader.execution.sandbox import find_sandbox, secrets_of
from grader.execution.zygote import Zygote

from conftest import ROOT, SUBMISSIONS, write_notebook

SAMPLES = sorted(p.parent.name for p in SUBMISSIONS.glob("*/RNN.ipynb"))
SOLUTION = ROOT / "assignments" / "rnn_step_by_step" / "solution.ipynb"
REFERENCE = ROOT / "reference" / "rnn_step_by_step.py"
BUNDLE_NAME = f"rnn_step_by_step{SUFFIX}"


@pytest.fixture(scope="module")
def released(tmp_path_factory, assignment):
    out = tmp_path_factory.mktemp("release")
    return out, release(assignment, out)


@pytest.fixture(scope="module")
def bundled(released) -> BundledAssignment:
    out, _ = released
    return load_bundle(out / BUNDLE_NAME)


@pytest.fixture(scope="module")
def bundle_zygote(bundled):
    """A fork server for the bundle's grading: its sandbox shows the bundle's provided modules."""
    hidden, shown = secrets_of(bundled, [], [])
    with Zygote(find_sandbox(hidden, shown)[0]) as server:
        yield server


def verdicts(result) -> dict:
    """function -> {public case -> (status, message, hint)}, or the function's status when it
    did not run (missing)."""
    found = {}
    for function in result.functions:
        if function.status == "missing":
            found[function.name] = "missing"
            continue
        found[function.name] = {case.name: (case.status, case.message, case.hint)
                                for case in function.cases if case.visibility == "public"}
    return found


def secret_lines(assignment) -> set[str]:
    """The lines of the reference's graded functions (spacing collapsed) that the course does not
    hand out itself: not in rnn_utils.py, and not a frame line of the notebook that only unpacks,
    takes a shape or returns (``n_x, m, T_x = x.shape``). Docstrings and short lines left out."""
    solution = nbformat.read(str(SOLUTION), as_version=4)
    provided, frames = release_module.given_lines(assignment, solution)
    source = REFERENCE.read_text()
    lines = source.splitlines()
    found = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name in assignment.graded_names:
            body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
            for line in lines[body[0].lineno - 1:body[-1].end_lineno]:
                line = " ".join(line.split())
                if len(line) < 16 or line.startswith("#"):
                    continue
                statement = [s for _, s, _ in release_module.statements(line)]
                if statement and (statement[0] in provided or
                                  statement[0] in frames and not release_module.computes(statement[0])):
                    continue
                found.add(line)
    return found


# --------------------------------------------------------------------------- the student notebook


def test_release_writes_the_notebook_the_bundle_and_the_modules_it_imports(released):
    out, files = released
    assert sorted(path.name for path in files) == sorted(
        ["rnn_step_by_step.ipynb", BUNDLE_NAME, "rnn_utils.py", "public_tests.py"])
    assert all(path.parent == out and path.is_file() for path in files)


def test_the_student_notebook_has_its_regions_emptied_with_markers_and_hints_kept(released, assignment):
    out, _ = released
    solution = nbformat.read(str(SOLUTION), as_version=4)
    student = nbformat.read(str(out / "rnn_step_by_step.ipynb"), as_version=4)
    nbformat.validate(student)
    assert len(student.cells) == len(solution.cells)
    graded_cells = {}
    for index, (before, after) in enumerate(zip(solution.cells, student.cells)):
        assert after.cell_type == before.cell_type
        if after.cell_type != "code":
            assert after.source == before.source
            continue
        assert after.outputs == [] and after.execution_count is None
        ast.parse(after.source)  # every code cell still runs as Python
        lines = after.source.splitlines()
        starts = [n for n, line in enumerate(lines) if START.match(line)]
        ends = [n for n, line in enumerate(lines) if END.match(line)]
        assert len(starts) == len(ends) == sum(bool(START.match(line)) for line in before.source.splitlines())
        for start, end in zip(starts, ends):  # nothing left between the markers but comments
            inside = [line.strip() for line in lines[start + 1:end] if line.strip()]
            assert all(line.startswith("#") or line == "pass" for line in inside), inside
        hints = [line.strip() for line in before.source.splitlines()
                 if re.search(r"\((≈|approx\.)\s*\d+ lines?\)", line)]
        kept = [line.strip() for line in lines]
        assert all(hint in kept for hint in hints), [h for h in hints if h not in kept]
        for name in re.findall(r"^def (\w+)", after.source, re.M):
            if name in assignment.graded_names:
                graded_cells[name] = after.source
                assert f"# GRADED FUNCTION: {name}" in lines
                assert "UNGRADED" not in after.source
    assert sorted(graded_cells) == sorted(assignment.graded_names)
    # the hints of the course are there, e.g. rnn_cell_forward's
    assert "### START CODE HERE ### (≈2 lines)" in graded_cells["rnn_cell_forward"]
    assert "# Initialize a_next (≈1 line)" in graded_cells["rnn_forward"]


def test_the_student_notebook_passes_nothing(released, assignment, zygote):
    """Graded by the full grader, every function of the released notebook is defined and fails:
    no solution is left in it."""
    out, _ = released
    path = out / "rnn_step_by_step.ipynb"
    submission = extract(load_notebook(path), assignment.ignored_modules)
    assert all(submission.defines(name) for name in assignment.graded_names)
    result = grade_notebook(zygote, assignment, path, "release")
    assert {f.name: f.status for f in result.functions if f.status == "passed"} == {}
    assert result.score == 0


def _variant(tmp_path, change) -> Path:
    notebook = nbformat.read(str(SOLUTION), as_version=4)
    change(notebook)
    path = tmp_path / "solution.ipynb"
    nbformat.write(notebook, str(path))
    return path


def _test_cell(notebook, defining: str) -> int:
    """The index of the test cell after the cell that defines ``defining``."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and f"def {defining}(" in cell.source:
            return index + 1
    raise AssertionError(defining)


def test_a_release_holding_a_line_of_the_reference_is_refused_naming_it(tmp_path, assignment):
    line = "a_next = np.tanh(Waa @ a_prev + Wax @ xt + ba)"
    assert line in REFERENCE.read_text()

    def paste(notebook):
        cell = notebook.cells[_test_cell(notebook, "rnn_cell_forward")]
        cell.source = cell.source + "\n" + line

    out = tmp_path / "out"
    with pytest.raises(ReleaseError) as refused:
        release(assignment, out, solution=_variant(tmp_path, paste))
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("release refused: rnn_step_by_step.ipynb cell 7, line 19 holds a line of the "
                              "reference solution (the reference rnn_cell_forward): ")
    assert line in message and "the reference rnn_cell_forward" in message
    assert not out.exists()  # nothing written


@pytest.mark.parametrize("where", ["commented out in a test cell", "in a markdown cell",
                                   "after END CODE HERE"])
def test_a_line_of_a_solution_region_is_refused_wherever_it_is(tmp_path, assignment, where):
    line = "dtanh = da_next * (1 - a_next ** 2)"

    def put(notebook):
        index = _test_cell(notebook, "rnn_cell_backward")
        if where == "commented out in a test cell":
            notebook.cells[index].source += f"\n# {line}"
        elif where == "in a markdown cell":
            notebook.cells.insert(index, nbformat.v4.new_markdown_cell(f"Hint:\n\n```python\n{line}\n```"))
        else:
            cell = notebook.cells[index - 1]
            cell.source = cell.source.replace("### END CODE HERE ###", f"### END CODE HERE ###\n    {line}")

    with pytest.raises(ReleaseError, match=re.escape(line)):
        release(assignment, tmp_path / "out", solution=_variant(tmp_path, put))


def test_a_graded_cell_without_a_region_is_refused(tmp_path, assignment):
    def unmark(notebook):
        cell = notebook.cells[_test_cell(notebook, "rnn_forward") - 1]
        cell.source = "\n".join(line for line in cell.source.splitlines()
                                if not START.match(line) and not END.match(line))

    with pytest.raises(ReleaseError, match="defines the graded function rnn_forward but has no"):
        release(assignment, tmp_path / "out", solution=_variant(tmp_path, unmark))


# --------------------------------------------------------------------------- the bundle


def test_the_bundle_holds_the_public_cases_only(released, assignment, bundled):
    out, _ = released
    document = json.loads((out / BUNDLE_NAME).read_text())
    assert document["format"] == "notebook-grader student bundle" and len(document["sha256"]) == 64
    for function in assignment.functions:
        mine = bundled.function(function.name)
        public = [case for case in function.cases if not case.hidden]
        assert [case.name for case in mine.cases] == [case.name for case in public]
        assert all(case.visibility == "public" for case in mine.cases)
        assert bundled.left_out[function.name] == len(function.cases) - len(public)
        assert (mine.points, mine.returns, mine.compare, mine.tolerance) == \
            (function.points, function.returns, function.compare, function.tolerance)
    assert bundled.hidden_left_out == 29
    assert bundled.scope == ("Checked with the student bundle, on the public cases only: 29 hidden cases, "
                             "worth 69.87 of the 100 points, will also count when your work is graded.")
    assert "3 hidden cases, worth 7.5 of the 10 points" in bundled.scope_for(["rnn_cell_forward"])


def _arrays(value):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _arrays(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _arrays(item)


def _bundle_strings(document) -> list[tuple[str, str]]:
    """(field, text) for every string in the bundle, the encoded values decoded."""
    found = []

    def walk(value, key):
        if isinstance(value, dict):
            for k, item in value.items():
                walk(item, k)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str):
            found.append((key, value))
    walk(document, "")
    return found


def test_the_bundle_holds_no_hidden_case_and_no_reference_code(released, assignment):
    out, _ = released
    raw = (out / BUNDLE_NAME).read_text()
    document = json.loads(raw)
    # every value the bundle encodes, decoded: all its arrays' bytes
    blobs = bytearray()
    for key, text in _bundle_strings(document):
        if re.fullmatch(r"[A-Za-z0-9+/]{16,}={0,2}", text) and key not in ("sha256",):
            try:
                value = codec.decode(base64.b64decode(text, validate=True))
            except (ValueError, codec.CodecError):
                continue
            for array in _arrays(value):
                blobs += np.ascontiguousarray(array).tobytes()
    blobs = bytes(blobs)
    public = bytearray()
    for function in assignment.functions:
        for case in function.cases:
            if not case.hidden:
                for array in _arrays([case.inputs, case.expected]):
                    public += np.ascontiguousarray(array).tobytes()
    checked = 0
    for function in assignment.functions:
        for case in function.cases:
            if not case.hidden:
                continue
            assert case.about not in raw and json.dumps(case.about)[1:-1] not in raw
            for array in _arrays([case.inputs, case.expected]):
                data = np.ascontiguousarray(array).tobytes()
                if array.size < 2 or len(np.unique(array)) < 2 or data in public:
                    continue  # zeros, or an array a public case shares
                checked += 1
                assert data not in blobs, f"a value of the hidden case {function.name}/{case.name}"
    assert checked > 100
    # no reference code: a line of the reference appears only where the course hands it out
    # (rnn_utils.py) or where a known mistake's hint quotes the fix (the words a student is
    # shown when their values follow that mistake)
    lines = secret_lines(assignment)
    for key, text in _bundle_strings(document):
        flat = " ".join(text.split())
        for line in lines:
            if line in flat:
                assert key in ("explanation", "words"), (key, line)
    assert "def rnn_cell_forward" not in raw


def test_a_changed_or_truncated_bundle_is_refused(released, tmp_path):
    out, _ = released
    raw = (out / BUNDLE_NAME).read_text()
    changed = tmp_path / f"changed{SUFFIX}"
    changed.write_text(raw.replace('"rtol": 1e-05', '"rtol": 0.5', 1))
    assert changed.read_text() != raw
    with pytest.raises(BundleError, match="changed or damaged .its checksum does not match"):
        load_bundle(changed)
    truncated = tmp_path / f"truncated{SUFFIX}"
    truncated.write_text(raw[:len(raw) // 2])
    with pytest.raises(BundleError, match="truncated or damaged"):
        load_bundle(truncated)
    other = tmp_path / f"other{SUFFIX}"
    other.write_text('{"cells": []}')
    with pytest.raises(BundleError, match="not a student bundle"):
        load_bundle(other)
    for path in (changed, truncated, other):
        try:
            load_bundle(path)
        except BundleError as error:
            assert "\n" not in str(error) and str(error).startswith(str(path))


def test_loading_a_bundle_runs_no_code(released, tmp_path):
    """A bundle re-signed with a pickle in it, or a module name that climbs out of its folder,
    is refused, and nothing in it runs."""
    out, _ = released
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    content = json.loads((out / BUNDLE_NAME).read_text())["content"]
    content["functions"][0]["cases"][0]["inputs"] = base64.b64encode(codec.encode_trusted(Payload())).decode()
    pickled = write_bundle(content, tmp_path / f"pickled{SUFFIX}")
    with pytest.raises(BundleError, match="malformed student bundle"):
        load_bundle(pickled)
    assert not marker.exists()
    content = json.loads((out / BUNDLE_NAME).read_text())["content"]
    content["provided"]["../../escaped.py"] = "print('hello')"
    with pytest.raises(BundleError, match="malformed student bundle"):
        load_bundle(write_bundle(content, tmp_path / f"climbing{SUFFIX}"))
    assert not list(Path(tempfile.gettempdir()).glob("escaped.py"))


def test_a_bundle_is_found_next_to_the_notebook(released, tmp_path, monkeypatch):
    out, _ = released
    notebook = out / "rnn_step_by_step.ipynb"
    assert choose_bundle(notebook, None, None) == (out / BUNDLE_NAME).resolve()
    (tmp_path / "given").mkdir()
    named = tmp_path / "given" / f"named{SUFFIX}"
    shutil.copy(out / BUNDLE_NAME, named)
    assert choose_bundle(notebook, named, "rnn_step_by_step") == named  # --bundle wins
    with pytest.raises(BundleError, match="no such bundle"):
        choose_bundle(notebook, tmp_path / f"none{SUFFIX}", None)
    assert choose_bundle(notebook, None, "rnn_step_by_step") is None  # --assignment: the installed one
    alone = tmp_path / "alone.ipynb"
    alone.write_text("{}")
    assert choose_bundle(alone, None, None) is None  # the installed assignment is used
    monkeypatch.setattr("grader.authoring.bundle.bundled_assignments", lambda: [])  # a student's engine-only install
    with pytest.raises(BundleError, match=r"no assignment is installed here and no student bundle "
                                          r"\(\*\.bundle\.json\) is next to .*alone\.ipynb: pass --bundle FILE"):
        choose_bundle(alone, None, None)
    shutil.copy(out / BUNDLE_NAME, tmp_path / f"a{SUFFIX}")
    shutil.copy(out / BUNDLE_NAME, tmp_path / f"b{SUFFIX}")
    with pytest.raises(BundleError, match="several student bundles"):
        choose_bundle(alone, None, None)


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_bundle_gives_the_instructor_verdicts_on_the_public_cases(sample, assignment, zygote, bundled,
                                                                      bundle_zygote):
    path = SUBMISSIONS / sample / "RNN.ipynb"
    full = grade_notebook(zygote, assignment, path, sample)
    offline = grade_notebook(bundle_zygote, bundled, path, sample)
    assert verdicts(offline) == verdicts(full)


def test_a_call_the_bundle_cannot_answer_is_an_error_that_says_why(tmp_path, assignment, zygote, bundled,
                                                                    bundle_zygote):
    cells = ["import numpy as np\nfrom rnn_utils import *", '''
        def rnn_forward(x, a0, parameters):
            n_x, m, T_x = x.shape
            n_y, n_a = parameters["Wya"].shape
            a, y_pred, caches = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), []
            a_next = a0
            for t in range(T_x):
                a_next, yt, cache = rnn_cell_forward(2 * x[:, :, t], a_next, parameters)
                a[:, :, t], y_pred[:, :, t] = a_next, yt
                caches.append(cache)
            return a, y_pred, (caches, x)
        ''']
    path = write_notebook(tmp_path / "doubled.ipynb", cells)
    full = grade_notebook(zygote, assignment, path, "doubled", ("rnn_forward",)).functions[0]
    offline = grade_notebook(bundle_zygote, bundled, path, "doubled", ("rnn_forward",)).functions[0]
    assert full.status == "failed"  # the reference answered the call
    assert offline.status == "error"
    case = offline.cases[0]
    assert case.message.startswith("RuntimeError: rnn_cell_forward cannot be called with these arguments "
                                   "offline: the student bundle answers only the calls the reference")
    assert "(cell 2, line 7, in rnn_forward)" in case.message


# --------------------------------------------------------------------------- a student's install


def _outside_tmp() -> Path:
    """A fresh folder for the virtual environment, outside /tmp: the sandbox mounts an empty /tmp,
    so a Python installed there could not start inside it."""
    for root in (Path.home() / ".cache" / "notebook-grader", ROOT / "build"):
        if not root.resolve().is_relative_to("/tmp"):
            root.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix="student-venv-", dir=root))
    pytest.skip("no folder outside /tmp for the virtual environment")


def _run(command, **options):
    started = time.monotonic()
    completed = subprocess.run([str(part) for part in command], capture_output=True, text=True, **options)
    return completed, time.monotonic() - started


_DUMP = textwrap.dedent('''
    import json, sys
    from pathlib import Path
    from grader.authoring.bundle import load_bundle
    from grader.grading.submission import grade_notebook
    from grader.execution.sandbox import find_sandbox, secrets_of
    from grader.execution.zygote import Zygote
    bundled = load_bundle(Path(sys.argv[1]))
    hidden, shown = secrets_of(bundled, [], [])
    found = {}
    with Zygote(find_sandbox(hidden, shown)[0]) as zygote:
        for path in sys.argv[2:]:
            result = grade_notebook(zygote, bundled, Path(path), Path(path).stem)
            found[path] = {f.name: "missing" if f.status == "missing" else
                           {c.name: [c.status, c.message, c.hint] for c in f.cases} for f in result.functions}
    print(json.dumps(found))
''')


@pytest.mark.slow
def test_a_student_install_without_the_reference_checks_with_the_bundle(tmp_path_factory, released, assignment,
                                                                         zygote):
    work = tmp_path_factory.mktemp("student-install")
    source = work / "source"  # a copy, so the build never writes into the checkout
    source.mkdir()
    for name in ("grader", "assignments", "reference"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, source / name)
    venv = _outside_tmp() / "venv"
    try:
        _check_in_a_student_install(work, source, venv, released, assignment, zygote)
    finally:
        shutil.rmtree(venv.parent, ignore_errors=True)


def _check_in_a_student_install(work, source, venv, released, assignment, zygote):
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    made, seconds = _run([sys.executable, "-m", "venv", venv], timeout=300, env=env, cwd=work)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed, seconds = _run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", source],
                              timeout=1200, env={**env, "GRADER_ENGINE_ONLY": "1"}, cwd=work)
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-4000:]
    print(f"engine-only install: {seconds:.1f} s")

    # no reference, no assignment installed
    site, _ = _run([python, "-c", "import grader, sysconfig; print(sysconfig.get_paths()['purelib']); "
                                  "print(grader.__file__)"], env=env, cwd=work)
    purelib, grader_file = site.stdout.split()
    purelib = Path(purelib)
    assert Path(grader_file).is_relative_to(purelib)  # the venv's grader, not the checkout's
    assert not list(purelib.rglob("rnn_step_by_step*"))
    assert not (purelib / "grader" / "assignments").exists() and not (purelib / "grader" / "reference").exists()
    listing, _ = _run([venv / "bin" / "grader", "list"], env=env, cwd=work)
    assert listing.returncode == 0 and listing.stdout.strip() == ""

    # the student's folder: what the instructor released, and their notebook
    out, files = released
    student = work / "student"
    student.mkdir()
    for path in files:
        shutil.copy(path, student / path.name)
    shutil.copy(SUBMISSIONS / "seed" / "RNN.ipynb", student / "RNN.ipynb")
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(SUBMISSIONS / "correct" / "RNN.ipynb", elsewhere / "RNN.ipynb")
    grader = venv / "bin" / "grader"

    # the seed, with the bundle found next to it
    seed, seconds = _run([grader, "check", student / "RNN.ipynb"], env=env, cwd=student, timeout=300)
    print(f"grader check (seed): {seconds:.1f} s")
    assert seed.returncode == 1, seed.stdout + seed.stderr
    text = " ".join(seed.stdout.split())
    assert "29 hidden cases, worth 69.87 of the 100 points, will also count when your work is graded" in text
    assert re.search(r"failed\s+rnn_cell_backward", seed.stdout)
    assert "the derivative of tanh is written 1 - tanh(z * z)" in text
    assert (student / "RNN.report.html").is_file()

    # the correct notebook, with --bundle
    correct, seconds = _run([grader, "check", elsewhere / "RNN.ipynb", "--bundle", student / BUNDLE_NAME],
                            env=env, cwd=elsewhere, timeout=300)
    print(f"grader check (correct): {seconds:.1f} s")
    assert correct.returncode == 0, correct.stdout + correct.stderr
    assert "hidden cases" in correct.stdout

    # a tampered bundle: one line, exit 2
    tampered = elsewhere / f"tampered{SUFFIX}"
    tampered.write_text((student / BUNDLE_NAME).read_text().replace('"atol": 1e-06', '"atol": 1', 1))
    refused, _ = _run([grader, "check", elsewhere / "RNN.ipynb", "--bundle", tampered], env=env, cwd=elsewhere)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().count("\n") == 0 and "checksum does not match" in refused.stderr

    # the same verdicts and messages as the instructor's grader, case by case
    dump, _ = _run([python, "-c", _DUMP, student / BUNDLE_NAME, student / "RNN.ipynb", elsewhere / "RNN.ipynb"],
                   env=env, cwd=work, timeout=300)
    assert dump.returncode == 0, dump.stderr
    offline = json.loads(dump.stdout)
    for notebook, sample in ((student / "RNN.ipynb", "seed"), (elsewhere / "RNN.ipynb", "correct")):
        full = verdicts(grade_notebook(zygote, assignment, SUBMISSIONS / sample / "RNN.ipynb", sample))
        mine = {name: value if value == "missing" else {case: tuple(v) for case, v in value.items()}
                for name, value in offline[str(notebook)].items()}
        assert mine == full

    # nothing the student received holds a line of the reference or a hidden case
    lines = secret_lines(assignment)
    received = [path for path in purelib.rglob("*") if path.is_file() and path.suffix != ".pyc"
                and (path.is_relative_to(purelib / "grader") or path.parent.name.startswith("notebook_grader"))]
    received += [student / "rnn_step_by_step.ipynb"]
    assert len(received) > 20
    for path in received:
        try:
            text = " ".join(path.read_text().split())
        except UnicodeDecodeError:
            continue
        for line in lines:
            assert line not in text, (path, line)
