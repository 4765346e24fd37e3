"""What runs and forks student code stays out of its reach, and nothing a student does costs
another student, the fork server or the batch: the attack notebooks of tests/attacks/ graded
beside correct notebooks that print, alone and side by side.

Run under the bubblewrap sandbox (CI installs it); the tests that need it are skipped without.
"""
import dataclasses
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.grading.submission import grade_notebook
from grader.execution.zygote import Zygote, remove_folder

from conftest import HEADER, INITIALIZE_ADAM, RNN_CELL_FORWARD, ROOT, write_notebook

ATTACKS = Path(__file__).parent / "attacks"
# what the grader's own stdout and stderr must never carry: a student's CI command or escape
FOREIGN = re.compile(r"FORGED|::error|::stop-commands|\x1b\]|\x1b\[2J")


def printing(function_source: str, sleep: float = 0.0) -> str:
    """A correct function that prints a debug line on every call (and sleeps, if asked)."""
    head, body = function_source.split("):\n", 1)
    pause = f"    __import__('time').sleep({sleep})\n" if sleep else ""
    return f"{head}):\n    print('debug: called')\n{pause}{body}"


PRINTING_GOOD = [HEADER, printing(RNN_CELL_FORWARD), printing(INITIALIZE_ADAM)]


def _descendants(pid: int) -> list[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent:
                found.append(child)
                frontier.append(child)
    return found


def _children_alive(zygote: Zygote) -> int:
    """Processes below the fork server (the sandbox and the fork server itself not counted)."""
    deadline = time.monotonic() + 5
    while True:
        below = len(_descendants(zygote._process.pid)) - (1 if zygote.sandboxed else 0)
        if below <= 0 or time.monotonic() > deadline:
            return below
        time.sleep(0.1)


@pytest.fixture(scope="module")
def sandboxed(sandbox):
    if sandbox is None:
        pytest.skip("bubblewrap is not available: these tests need the sandbox")
    return sandbox


def _grade_side_by_side(zygote, assignment, paths: dict[str, Path], only=("rnn_cell_forward", "initialize_adam")):
    """Grade these notebooks at the same time, each in its own thread; {id: SubmissionResult}."""
    results = {}

    def grade(name, path):
        results[name] = grade_notebook(zygote, assignment, path, name, only)

    threads = [threading.Thread(target=grade, args=item) for item in paths.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {name: {f.name: f for f in result.functions} for name, result in results.items()}


def _assert_full_marks(functions: dict) -> None:
    for function in functions.values():
        assert function.status == "passed", function.message
        assert function.score == function.max_score
        assert "FORGED" not in function.output and "debug: called" in function.output


def test_no_child_reaches_the_fork_server_or_another_child(sandboxed, quick_assignment, zygote, tmp_path):
    """The fork server holds each new child's output files while it forks it; a child that
    opens every /proc/<pid>/fd it can find to fill them (and the grader's stdout) reaches none."""
    paths = {f"good{n}": write_notebook(tmp_path / f"good{n}.ipynb", PRINTING_GOOD) for n in range(4)}
    paths["attack"] = ATTACKS / "reaches_other_processes.ipynb"
    graded = _grade_side_by_side(zygote, quick_assignment, paths)
    for name in paths:
        if name != "attack":
            _assert_full_marks(graded[name])
    attack = graded["attack"]["rnn_cell_forward"]
    assert attack.score == 0
    assert "REACHED []" in attack.output, attack.output


def test_the_console_is_out_of_reach(sandboxed, quick_assignment, zygote):
    result = grade_notebook(zygote, quick_assignment, ATTACKS / "writes_to_the_console.ipynb", "console",
                            ("rnn_cell_forward",))
    output = result.functions[0].output
    assert "wrote" not in output and "refused /proc/1/fd/1" in output, output


def test_concurrent_submissions_cannot_see_each_others_scratch(sandboxed, quick_assignment, zygote, tmp_path):
    victim = RNN_CELL_FORWARD.replace(
        "    Wax, Waa, Wya = parameters",
        "    import os, tempfile, time\n"
        "    for folder in ('.', tempfile.gettempdir(), os.path.expanduser('~')):\n"
        "        open(os.path.join(folder, 'victim-secret-file'), 'w').write('mine')\n"
        "    time.sleep(0.3)\n"
        "    assert open('victim-secret-file').read() == 'mine'\n"
        "    assert not any('spy-was-here' in f for top in ('.', tempfile.gettempdir()) for _, _, fs in os.walk(top) for f in fs)\n"
        "    Wax, Waa, Wya = parameters", 1)
    spy = RNN_CELL_FORWARD.replace(
        "    Wax, Waa, Wya = parameters",
        "    import os, time\n"
        "    time.sleep(0.1)\n"
        "    seen = [f for f in os.listdir('/') if 'secret' in f]\n"
        "    for top in ('/tmp', '/dev/shm', '/var', '/home', '/run', os.path.dirname(os.getcwd())):\n"
        "        for folder, _, files in os.walk(top):\n"
        "            seen += [f for f in files if 'secret' in f]\n"
        "            try:\n"
        "                open(os.path.join(folder, 'spy-was-here'), 'w').write('spoiled')\n"
        "            except OSError:\n"
        "                pass\n"
        "    print('SEEN', seen)\n"
        "    Wax, Waa, Wya = parameters", 1)
    paths = {"victim": write_notebook(tmp_path / "victim.ipynb", [HEADER, victim]),
             "spy": write_notebook(tmp_path / "spy.ipynb", [HEADER, spy])}
    graded = _grade_side_by_side(zygote, quick_assignment, paths, ("rnn_cell_forward",))
    assert graded["victim"]["rnn_cell_forward"].status == "passed", graded["victim"]["rnn_cell_forward"].message
    spied = graded["spy"]["rnn_cell_forward"]
    assert "SEEN [" in spied.output and "victim-secret" not in spied.output.split("SEEN", 1)[1].split("\n")[0]


def test_a_deep_scratch_folder_costs_no_one_else(sandboxed, quick_assignment, zygote, tmp_path):
    result = grade_notebook(zygote, quick_assignment, ATTACKS / "deep_scratch.ipynb", "deep",
                            ("rnn_cell_forward", "initialize_adam"))
    assert result.status == "graded"
    path = write_notebook(tmp_path / "after.ipynb", PRINTING_GOOD)
    after = grade_notebook(zygote, quick_assignment, path, "after", ("rnn_cell_forward", "initialize_adam"))
    _assert_full_marks({f.name: f for f in after.functions})


def test_removing_a_folder_never_raises_however_deep_or_locked(tmp_path):
    top = tmp_path / "scratch"
    top.mkdir()
    folder = os.open(top, os.O_RDONLY)
    for level in range(1500):  # deeper than recursion goes, longer than a path may be
        os.mkdir("d" * 200, dir_fd=folder)
        inner = os.open("d" * 200, os.O_RDONLY, dir_fd=folder)
        with open(os.open("file", os.O_CREAT | os.O_WRONLY, dir_fd=inner), "w") as handle:
            handle.write("x")
        os.close(folder)
        folder = inner
    os.fchmod(folder, 0)  # a folder its owner locked
    os.close(folder)
    for number in range(300):
        (top / f"wide{number}").mkdir()
    remove_folder(str(top))
    assert not top.exists()
    remove_folder(str(tmp_path / "never-made"))


def test_a_fork_server_that_dies_is_started_again(sandboxed, quick_assignment, tmp_path):
    path = write_notebook(tmp_path / "good.ipynb", PRINTING_GOOD)
    with Zygote(sandboxed) as zygote:
        zygote._process.kill()  # even while it is still setting up the sandbox
        zygote._process.wait()
        for _ in range(2):
            result = grade_notebook(zygote, quick_assignment, path, "good", ("rnn_cell_forward", "initialize_adam"))
            _assert_full_marks({f.name: f for f in result.functions})
            zygote._process.kill()
            zygote._process.wait()


def test_a_fork_server_dying_mid_notebook_is_the_graders_failure(sandboxed, quick_assignment, tmp_path):
    slow = [HEADER, printing(RNN_CELL_FORWARD, sleep=0.5)]
    path = write_notebook(tmp_path / "slow.ipynb", slow)
    with Zygote(sandboxed) as zygote:
        warm = write_notebook(tmp_path / "warm.ipynb", PRINTING_GOOD)
        grade_notebook(zygote, quick_assignment, warm, "warm", ("initialize_adam",))  # the server is up
        killer = threading.Timer(0.6, zygote._process.kill)  # while the slow cases run
        killer.start()
        with pytest.raises(RuntimeError, match="fork server"):
            grade_notebook(zygote, quick_assignment, path, "slow", ("rnn_cell_forward",))
        killer.join()
        after = grade_notebook(zygote, quick_assignment, path, "slow", ("rnn_cell_forward",))
        assert after.functions[0].status == "passed", after.functions[0].message


@pytest.mark.parametrize("name", ["forges_seconds", "forges_a_shape", "defines_too_much"])
def test_a_value_the_grader_cannot_take_costs_that_notebook_and_ends_its_process(name, sandboxed, quick_assignment,
                                                                              zygote):
    result = grade_notebook(zygote, quick_assignment, ATTACKS / f"{name}.ipynb", name,
                            ("rnn_cell_forward", "initialize_adam"))
    functions = {f.name: f for f in result.functions}
    assert result.status == "graded"
    assert functions["rnn_cell_forward"].score == 0
    assert functions["initialize_adam"].status == "passed", functions["initialize_adam"].message
    assert _children_alive(zygote) == 0


def test_threads_are_capped_whoever_runs_the_grader(sandboxed, quick_assignment, zygote):
    result = grade_notebook(zygote, quick_assignment, ATTACKS / "starts_many_threads.ipynb", "threads",
                            ("rnn_cell_forward",))
    counts = [int(n) for n in re.findall(r"THREADS (\d+)", result.functions[0].output)]
    assert counts and max(counts) < quick_assignment.limits.processes, result.functions[0].output


def test_files_outside_the_scratch_are_bounded_and_private(sandboxed, quick_assignment, zygote, tmp_path):
    result = grade_notebook(zygote, quick_assignment, ATTACKS / "fills_tmp.ipynb", "fills",
                            ("rnn_cell_forward",))
    written = [int(n) for n in re.findall(r"MIB WRITTEN (\d+)", result.functions[0].output)]
    assert written and max(written) <= 64, result.functions[0].output
    look = RNN_CELL_FORWARD.replace(
        "    Wax, Waa, Wya = parameters",
        "    import os\n    print('LEFT', sorted(os.listdir('/tmp')))\n    Wax, Waa, Wya = parameters", 1)
    after = grade_notebook(zygote, quick_assignment, write_notebook(tmp_path / "look.ipynb", [HEADER, look]),
                           "look", ("rnn_cell_forward",))
    assert "grader-attack" not in after.functions[0].output, after.functions[0].output


def test_a_notebook_has_a_time_budget(sandboxed, quick_assignment, zygote, tmp_path):
    budget = dataclasses.replace(quick_assignment.limits, submission_timeout=2.0)
    assignment = dataclasses.replace(quick_assignment, limits=budget)
    path = write_notebook(tmp_path / "slow.ipynb", [HEADER, printing(RNN_CELL_FORWARD, sleep=0.7),
                                                    printing(INITIALIZE_ADAM)])
    started = time.monotonic()
    result = grade_notebook(zygote, assignment, path, "slow", ("rnn_cell_forward", "initialize_adam"))
    assert time.monotonic() - started < 2.0 + 3.0
    functions = {f.name: f for f in result.functions}
    assert functions["rnn_cell_forward"].status == "timeout"
    timed_out = [case for case in functions["rnn_cell_forward"].cases if case.status == "timeout"]
    assert timed_out and all("time budget of 2 s" in case.message for case in timed_out)
    assert functions["initialize_adam"].status == "timeout"
    assert "time budget" in functions["initialize_adam"].message
    assert quick_assignment.limits.submission_seconds == 30.0


def test_a_batch_of_these_attacks_beside_printing_work(tmp_path, sandboxed):
    """One `grader grade` run, two at a time: every correct notebook at full marks, no attack
    earns a point, every page written, nothing foreign on the grader's stdout or stderr."""
    folder = tmp_path / "class"
    folder.mkdir()
    attacks = ["reaches_other_processes", "writes_to_the_console", "deep_scratch", "fills_tmp",
               "starts_many_threads", "sleeps_every_call", "forges_seconds", "forges_a_shape",
               "defines_too_much"]
    for name in attacks:
        (folder / f"{name}.ipynb").write_bytes((ATTACKS / f"{name}.ipynb").read_bytes())
    for number in range(4):
        write_notebook(folder / f"good{number}.ipynb", PRINTING_GOOD)
    out = tmp_path / "out"
    command = [sys.executable, "-c", "import resource, runpy, sys; sys.argv = ['grader'] + sys.argv[1:]; "
               "code = 0\ntry:\n    runpy.run_module('grader', run_name='__main__')\nexcept SystemExit as e:\n"
               "    code = e.code or 0\nprint('PEAK-KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
               "file=sys.stderr)\nsys.exit(code)",
               "grade", str(folder), "--out", str(out), "--timeout", "1", "--jobs", "2"]
    started = time.monotonic()
    run = subprocess.run(command, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                         text=True, timeout=900)
    print(f"batch of {len(attacks) + 4}: {time.monotonic() - started:.1f} s, grader "
          f"{run.stderr.rsplit('PEAK-KB', 1)[-1].strip()} KiB at its peak")
    assert run.returncode == 0, run.stderr
    assert not FOREIGN.search(run.stdout) and not FOREIGN.search(run.stderr), (run.stdout, run.stderr)
    submissions = {s["id"]: s for s in json.loads((out / "results.json").read_text())["submissions"]}
    for number in range(4):
        good = submissions[f"good{number}"]
        assert good["status"] == "graded" and good["score"] == 14.0, good
    for name in attacks:
        functions = {f["name"]: f for f in submissions[name]["functions"]}
        assert submissions[name]["status"] == "graded", submissions[name]["error"]
        assert functions["rnn_cell_forward"]["score"] == 0, name
        assert functions["initialize_adam"]["status"] == "passed", name
    assert {f"{name}.html" for name in submissions} <= {path.name for path in out.iterdir()}
