"""`grader ci` end to end: a real git repository with a pull request's commits, the GitHub
environment variables set, and the summary, annotations, JUnit XML, Classroom result and exit
code read back. Also the pieces: escaping, the .ipynb line of a def, the annotation limit."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import nbformat
import pytest

from conftest import HEADER, INITIALIZE_ADAM, RNN_CELL_FORWARD, ROOT, SUBMISSIONS, write_notebook
from grader.commands import ci
from grader.grading.submission import grade_notebook
from grader.core.results import CaseResult, FunctionResult, SubmissionResult
from grader.execution.sandbox import find_sandbox

GIT = shutil.which("git")
SANDBOXED = find_sandbox([], [])[0] is not None
pytestmark = pytest.mark.skipif(GIT is None, reason="git is not installed")

# a pull request's notebook: a wrong rnn_cell_forward that prints and raises text made to look
# like workflow commands and Markdown
FORGING = '''
def rnn_cell_backward(da_next, cache):
    print("::error file=README.md,line=1::forged by print")
    print("::stop-commands::x")
    raise ValueError("<img src=x onerror=alert(1)> | forged | row |\\n::error::forged by raise")
'''
WRONG_CELL_FORWARD = RNN_CELL_FORWARD.replace("np.dot(Waa, a_prev) + ", "")


def git(where: Path, *arguments: str) -> str:
    environment = {**os.environ, "GIT_AUTHOR_NAME": "Student", "GIT_AUTHOR_EMAIL": "s@example.org",
                   "GIT_COMMITTER_NAME": "Student", "GIT_COMMITTER_EMAIL": "s@example.org"}
    run = subprocess.run([GIT, *arguments], cwd=where, capture_output=True, text=True, env=environment,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def run_ci(where: Path, *arguments, env: dict | None = None) -> subprocess.CompletedProcess:
    if not SANDBOXED and "--init" not in arguments:
        arguments = (*arguments, "--no-sandbox")  # where bubblewrap cannot run, like the rest of the suite
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    environment.update({"PYTHONPATH": str(ROOT), "NO_COLOR": "1"})
    environment.update(env or {})
    return subprocess.run([sys.executable, "-c", "import sys; from grader.commands.ci import main; sys.exit(main())",
                           *map(str, arguments)], cwd=where, capture_output=True, text=True,
                          timeout=300, env=environment)


@pytest.fixture
def pull_request(tmp_path):
    """A course repository on GitHub as a pull request's checkout: `origin` has main with two
    correct notebooks; the branch `work` changes alice's (wrong, forging output) and adds one."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    for student in ("alice", "bob"):
        (upstream / student).mkdir()
        shutil.copy(SUBMISSIONS / "correct" / "RNN.ipynb", upstream / student / "RNN.ipynb")
    (upstream / "README.md").write_text("course\n")
    git(upstream, "add", ".")
    git(upstream, "commit", "-q", "-m", "the assignment")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(upstream), str(work))
    git(work, "checkout", "-q", "-b", "work")
    notebook = nbformat.read(str(work / "alice" / "RNN.ipynb"), as_version=4)
    for cell in notebook.cells:
        if "def rnn_cell_forward(" in cell.source:
            cell.source = WRONG_CELL_FORWARD.strip()
        elif "def rnn_cell_backward(" in cell.source:
            cell.source = FORGING.strip()
    nbformat.write(notebook, str(work / "alice" / "RNN.ipynb"))
    (work / "carol").mkdir()
    write_notebook(work / "carol" / "RNN.ipynb", [HEADER, RNN_CELL_FORWARD, INITIALIZE_ADAM])
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "my work")
    (work / "README.md").write_text("changed, not a notebook\n")
    git(work, "commit", "-q", "-am", "readme")
    return work


def processed(out: str) -> list[str]:
    """The lines of a step's output that GitHub reads as workflow commands (those between
    ``::stop-commands::TOKEN`` and ``::TOKEN::`` are not)."""
    lines, stop = [], None
    for line in out.splitlines():
        if stop is not None:
            if line == f"::{stop}::":
                stop = None
            continue
        match = re.fullmatch(r"::stop-commands::(\S+)", line)
        if match:
            assert re.fullmatch(r"[0-9a-f]{32}", match.group(1))  # a random token
            stop = match.group(1)
            continue
        lines.append(line)
    assert stop is None, "commands left stopped"
    return lines


def github_environment(tmp_path: Path, **more) -> dict:
    files = tmp_path / "runner"
    files.mkdir(exist_ok=True)
    return {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(files / "summary.md"),
            "GITHUB_OUTPUT": str(files / "output"), **more}


def test_a_pull_request_is_graded_with_summary_annotations_junit_and_exit_code(pull_request, tmp_path):
    environment = github_environment(tmp_path, GITHUB_BASE_REF="main", GITHUB_EVENT_NAME="pull_request")
    junit = tmp_path / "reports" / "junit.xml"
    run = run_ci(pull_request, "--junit", junit, "--classroom", env=environment)
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout

    # only the notebooks the pull request changed, compared with origin/main
    assert "alice/RNN" in out and "carol/RNN" in out and "bob/RNN" not in out
    assert "changed since origin/main" in out

    # annotations: on the .ipynb line of each failing def, escaped, at most 10
    errors = [line for line in processed(out) if line.startswith("::error ")]
    assert 1 <= len(errors) <= ci.MAX_ERRORS
    lines = (pull_request / "alice" / "RNN.ipynb").read_text().splitlines()
    located = {}
    for line in errors:
        match = re.match(r"::error file=([^,]+)(?:,line=(\d+))?,title=([^:]+)::(.*)$", line)
        assert match, line
        file, number, title, message = match.groups()
        assert "\n" not in message and "::error" not in message.replace("%0A::error", "")
        name = title.split("%3A")[0]
        if number:
            located[(file, name)] = int(number)
            assert f"def {name}(" in (pull_request / file).read_text().splitlines()[int(number) - 1]
    assert ("alice/RNN.ipynb", "rnn_cell_forward") in located
    assert ("alice/RNN.ipynb", "rnn_cell_backward") in located
    assert "def rnn_cell_forward(" in lines[located[("alice/RNN.ipynb", "rnn_cell_forward")] - 1]
    forward = next(line for line in errors if "title=rnn_cell_forward%3A failed" in line)
    assert "a_next and yt_pred are wrong" in forward and "%0A" in forward
    # what the student's code raised is in the message, one line, never a command of its own
    backward = next(line for line in errors if "title=rnn_cell_backward" in line)
    assert "ValueError: <img src=x onerror=alert(1)> | forged | row |" in backward
    assert not any(line.startswith("::error::") for line in processed(out))

    # nothing a submission printed or raised is a workflow command: it is all inside the
    # stop-commands markers (with a random token), or escaped inside one of ours
    for line in processed(out):
        assert "forged by print" not in line
        if line.startswith("::"):
            assert re.match(r"::(group|endgroup|error|warning)\b", line), line
    assert "forged by print" in out  # shown, inside the markers

    # the job summary: score, a table per notebook, failures with hints, student text inert
    summary = Path(environment["GITHUB_STEP_SUMMARY"]).read_text()
    assert "alice/RNN\\.ipynb" in summary and "carol/RNN\\.ipynb" in summary
    assert re.search(r"alice/RNN\\\.ipynb: [\d.]+ / 100 points", summary)
    assert "| ❌ | `rnn_cell_forward` |" in summary and "| ✅ | `rnn_forward` |" in summary
    assert "#### What does not pass" in summary
    assert not re.search(r"(?<!\\)<img", summary)  # backslashed in text, &lt; in <pre>
    assert "\\<img src=x onerror=alert\\(1\\)\\> \\| forged \\| row \\|" in summary
    assert not [line for line in summary.splitlines() if line.startswith("|") and "forged" in line]
    assert "forged by print" in summary and "<pre>::error file=README.md,line=1::forged by print" in summary

    # JUnit: a testsuite per graded notebook, a testcase per function
    tree = ElementTree.parse(junit)
    suites = {suite.get("name"): suite for suite in tree.getroot()}
    assert set(suites) == {"alice/RNN", "carol/RNN"}
    cases = {case.get("name"): case for case in suites["alice/RNN"].iter("testcase")}
    assert cases["rnn_forward"].find("failure") is None
    assert cases["rnn_cell_forward"].find("failure") is not None
    assert cases["rnn_cell_backward"].find("error") is not None

    # GitHub Classroom: result=<base64 JSON> in the step outputs, scores adding up
    output = Path(environment["GITHUB_OUTPUT"]).read_text().strip().splitlines()
    assert len(output) == 1 and output[0].startswith("result=")
    document = json.loads(base64.b64decode(output[0][len("result="):]))
    assert document["version"] == 1 and document["status"] == "fail"
    assert document["max_score"] == 200
    tests = {test["name"]: test for test in document["tests"]}
    assert tests["alice/RNN: rnn_forward"]["status"] == "pass"
    assert tests["alice/RNN: rnn_cell_forward"]["status"] == "fail"
    assert tests["alice/RNN: rnn_cell_backward"]["status"] == "error"
    assert tests["carol/RNN: rnn_forward"]["status"] == "fail"  # carol has not written it
    assert tests["alice/RNN: rnn_cell_forward"]["line_no"] == located[("alice/RNN.ipynb", "rnn_cell_forward")]
    for test in document["tests"]:
        assert set(test) >= {"name", "status", "score", "message", "test_code", "filename", "line_no"}


def test_base_given_on_the_command_line_and_the_exit_code_when_all_pass(tmp_path):
    repository = tmp_path / "repo"
    repository.mkdir()
    git(repository, "init", "-q", "-b", "main")
    shutil.copy(SUBMISSIONS / "seed" / "RNN.ipynb", repository / "seed.ipynb")
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "seed")
    git(repository, "checkout", "-q", "-b", "solution")
    shutil.copy(SUBMISSIONS / "correct" / "RNN.ipynb", repository / "solution.ipynb")
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "solution")
    environment = github_environment(tmp_path)
    run = run_ci(repository, "--base", "main", env=environment)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "solution: 100 / 100 points" in run.stdout and "seed" not in run.stdout
    assert not [line for line in processed(run.stdout) if line.startswith("::error")]
    summary = Path(environment["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("## ✅") and "solution\\.ipynb: 100 / 100 points" in summary

    # a change without notebooks: nothing to grade, and nothing fails
    (repository / "notes.txt").write_text("x")
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "notes")
    nothing = run_ci(repository, "--base", "HEAD~1", env=environment)
    assert nothing.returncode == 0 and "no notebooks to grade" in nothing.stdout
    assert "No notebooks to grade" in Path(environment["GITHUB_STEP_SUMMARY"]).read_text()

    # a base that is not there (a shallow checkout): every notebook, with a warning that says why
    every = run_ci(repository, "--base", "origin/nowhere", env=environment)
    assert every.returncode == 1  # the seed notebook fails
    assert "::warning title=grader ci::cannot compare with origin/nowhere" in every.stdout
    assert "seed: " in every.stdout and "solution: " in every.stdout

    # outside GitHub Actions: the same tables, no workflow commands
    plain = run_ci(repository, "--all", env={})
    assert plain.returncode == 1
    assert not [line for line in plain.stdout.splitlines() if line.startswith("::")]


def test_an_unreadable_notebook_is_annotated_first_and_fails_the_check(tmp_path):
    repository = tmp_path / "repo"
    repository.mkdir()
    git(repository, "init", "-q", "-b", "main")
    (repository / "README.md").write_text("x")
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "start")
    git(repository, "checkout", "-q", "-b", "pr")
    shutil.copy(SUBMISSIONS / "seed" / "RNN.ipynb", repository / "a.ipynb")
    (repository / "b.ipynb").write_text('{"cells": [')
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "work")
    run = run_ci(repository, "--base", "main", env=github_environment(tmp_path))
    assert run.returncode == 1
    errors = [line for line in processed(run.stdout) if line.startswith("::error")]
    assert errors[0].startswith("::error file=b.ipynb,title=Not a notebook the grader can read::not valid JSON")


def test_init_writes_the_workflows_the_docs_show(tmp_path):
    repository = tmp_path / "repo"
    repository.mkdir()
    git(repository, "init", "-q", "-b", "main")
    run = run_ci(repository, "--init")
    assert run.returncode == 0, run.stderr
    workflow = repository / ".github" / "workflows" / "grade.yml"
    assert workflow.read_text() == ci.GRADE_WORKFLOW
    assert run_ci(repository, "--init").returncode == 2  # not over an existing one
    assert run_ci(repository, "--init", "--force").returncode == 0
    assert run_ci(repository, "--init", "--classroom").returncode == 0
    classroom = (repository / ".github" / "workflows" / "classroom.yml").read_text()
    assert classroom == ci.CLASSROOM_WORKFLOW
    docs = (ROOT / "docs" / "github-actions.md").read_text()
    assert ci.GRADE_WORKFLOW in docs and ci.CLASSROOM_WORKFLOW in docs
    yaml = pytest.importorskip("yaml")
    grade = yaml.safe_load(ci.GRADE_WORKFLOW)
    steps = grade["jobs"]["grade"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert any("grader ci" in step.get("run", "") for step in steps)
    room = yaml.safe_load(ci.CLASSROOM_WORKFLOW)
    job = room["jobs"]["run-autograding-tests"]
    grader_step = next(step for step in job["steps"] if step.get("id") == "grader")
    assert "--classroom" in grader_step["run"]
    reporter = job["steps"][-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter")
    assert reporter["with"]["runners"] == "grader" and "GRADER_RESULTS" in reporter["env"]


# --------------------------------------------------------------------------- the pieces


def test_workflow_command_escaping():
    assert ci.escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert ci.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    command = ci.workflow_command("error", "line one\nline two", file="dir/a,b.ipynb", line=3, title="f: x")
    assert command == "::error file=dir/a%2Cb.ipynb,line=3,title=f%3A x::line one%0Aline two"
    assert "\n" not in command


def test_markdown_escaping_keeps_student_text_inert():
    text = ci.md("| x | <script>alert(1)</script> [link](http://e) **bold** `code`\n## heading")
    assert "\n" not in text
    assert "<script>" not in text and "\\<script\\>" in text
    assert "\\|" in text and "\\[link\\]\\(http://e\\)" in text and "\\*\\*bold\\*\\*" in text
    assert "\\#\\# heading" in text


@pytest.mark.parametrize("name", ["seed", "correct", "test_globals"])
def test_notebook_line_is_the_line_of_the_def_in_the_ipynb_file(zygote, assignment, name):
    path = SUBMISSIONS / name / "RNN.ipynb"
    text = path.read_text()
    lines = text.splitlines()
    result = grade_notebook(zygote, assignment, path, name)
    checked = 0
    for function in result.functions:
        if function.cell is None:
            continue
        number = ci.notebook_line(text, function.cell, function.line)
        assert number is not None and f"def {function.name}(" in lines[number - 1], function.name
        checked += 1
    assert checked >= 5


def test_notebook_line_with_string_sources_format_3_and_garbage(tmp_path):
    cells = ["import numpy as np", "## a title", "x = 1\n\n# GRADED FUNCTION: f\ndef f():\n    return x"]
    v4 = write_notebook(tmp_path / "v4.ipynb", cells)
    text = v4.read_text()
    assert "def f()" in text.splitlines()[ci.notebook_line(text, 3, 4) - 1]
    # one string per source (as some tools write): the line of that string
    document = json.loads(text)
    for cell in document["cells"]:
        cell["source"] = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    compact = json.dumps(document, indent=1)
    number = ci.notebook_line(compact, 3, 4)
    assert '"source": "x = 1' in compact.splitlines()[number - 1]
    v3 = write_notebook(tmp_path / "v3.ipynb", cells, version=3)
    text3 = json.dumps(json.loads(v3.read_text()), indent=1)
    number = ci.notebook_line(text3, 3, 1)
    assert '"input": "x = 1' in text3.splitlines()[number - 1]
    assert ci.notebook_line("not json", 1, 1) is None
    assert ci.notebook_line(text, 99, 1) is None
    assert ci.notebook_line("[" * 10_000, 1, 1) is None


def _function(name: str, status: str, points: float = 10, hint: str = "") -> FunctionResult:
    case = CaseResult("notebook", "public", "", status if status != "missing" else "not run", "wrong", hint=hint)
    return FunctionResult(name, status, 0.0, points, "wrong", () if status == "missing" else (case,),
                          None if status == "missing" else 1, None if status == "missing" else 1)


def test_at_most_ten_errors_the_most_useful_first(tmp_path):
    path = write_notebook(tmp_path / "a.ipynb", ["def f():\n    pass"])
    functions = ([_function(f"missing_{i}", "missing", points=20) for i in range(4)]
                 + [_function(f"plain_{i}", "failed", points=5 + i) for i in range(6)]
                 + [_function("hinted", "failed", points=1, hint="use keepdims=True")])
    graded = SubmissionResult("a", "a.ipynb", "graded", None, 0.0, 200.0, tuple(functions))
    broken = SubmissionResult("b", "b.ipynb", "invalid", "not valid JSON", 0.0, 100.0)
    lines = ci.annotations(None, tmp_path, [graded, broken])
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == ci.MAX_ERRORS
    titles = [re.search(r"title=([^:]+)::", line).group(1).split("%3A")[0] for line in errors]
    assert titles[0] == "Not a notebook the grader can read"
    assert titles[1] == "hinted"
    assert titles[2:8] == [f"plain_{i}" for i in (5, 4, 3, 2, 1, 0)]  # most points lost first
    assert titles[8:] == ["missing_0", "missing_1"]
    assert lines[-1].startswith("::warning title=12 failing functions%2C 10 annotated::2 more")
    assert path.is_file()


def test_classroom_result_is_the_reporters_base64_json(assignment, tmp_path):
    passed = FunctionResult("rnn_cell_forward", "passed", 10.0, 10.0, cases=(CaseResult("notebook", "public", "", "passed"),))
    result = SubmissionResult("RNN", "RNN.ipynb", "graded", None, 10.0, 100.0, (passed, _function("rnn_forward", "failed")))
    document = ci.classroom_result(assignment, [result], tmp_path)
    assert document["status"] == "fail" and document["max_score"] == 100.0
    assert [test["name"] for test in document["tests"]] == ["rnn_cell_forward", "rnn_forward"]
    assert sum(test["score"] for test in document["tests"]) == 10.0
    line = ci.classroom_output(document)
    assert line.startswith("result=") and "\n" not in line
    assert json.loads(base64.b64decode(line[len("result="):])) == document
