"""Grading on a Dask cluster (grader/grading/cluster.py, grader/grading/cluster_worker.py), on a real LocalCluster
of two worker processes: the same results as one machine, the sandbox on every worker, the
assignment shipped once per worker, results streamed, and a worker killed halfway costing a
retry, never a lost or duplicated result."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.core.assignment import load_assignment
from grader.grading.cluster import ClusterError, _checked, grade_on_dask, pack_assignment
from grader.grading.gradebook import Gradebook, Key, content_hash
from grader.grading.submission import grade_notebook

from conftest import HEADER, INITIALIZE_ADAM, RNN_CELL_FORWARD, ROOT, SUBMISSIONS, write_notebook

distributed = pytest.importorskip("distributed")

TIMEOUT = 1.0
ATTACKS = sorted((Path(__file__).parent / "attacks").glob("*.ipynb"))
SLOW_FORWARD = ("import time\ndef rnn_forward(x, a0, parameters):\n"
                "    time.sleep(0.25)\n    return None")
VOLATILE = {"graded_at", "seconds"}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as connected:
        yield connected


@pytest.fixture(scope="module")
def quick():
    return load_assignment("rnn_step_by_step", timeout=TIMEOUT)


def _plan(assignment, notebooks):
    return [(submission_id, path, Key(content_hash(path), assignment.fingerprint))
            for submission_id, path in notebooks]


def _plain(result) -> dict:
    """The result as results.json holds it, without when it was graded and how long it took."""
    def strip(value):
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items() if key not in VOLATILE}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value
    return strip(result.to_dict())


def _class(folder: Path) -> list[tuple[str, Path]]:
    """The sample submissions, and notebooks that are invalid, hang, raise or define nothing."""
    folder.mkdir()
    notebooks = [(path.parent.name, path) for path in sorted(SUBMISSIONS.rglob("RNN.ipynb"))]
    written = {
        "hangs": [HEADER, RNN_CELL_FORWARD, "def rnn_forward(x, a0, parameters):\n    while True:\n        pass"],
        "raises": [HEADER, "def rnn_cell_forward(xt, a_prev, parameters):\n    raise ValueError('no')",
                   INITIALIZE_ADAM],
        "nothing": ["## an empty notebook", "print('hello')"],
    }
    for name, cells in written.items():
        notebooks.append((name, write_notebook(folder / f"{name}.ipynb", cells)))
    (folder / "empty.ipynb").write_bytes(b"")
    (folder / "garbage.ipynb").write_bytes(b"{not json")
    notebooks += [("empty", folder / "empty.ipynb"), ("garbage", folder / "garbage.ipynb")]
    return notebooks


@pytest.fixture(scope="module")
def batch(tmp_path_factory, quick, zygote):
    """The class, and each notebook graded on this machine, with the same engine."""
    notebooks = _class(tmp_path_factory.mktemp("batch") / "class")
    local = {submission_id: _plain(grade_notebook(zygote, quick, path, submission_id))
             for submission_id, path in notebooks}
    return notebooks, local


def test_nothing_about_dask_is_imported_without_the_option(tmp_path):
    write_notebook(tmp_path / "one.ipynb", [HEADER, RNN_CELL_FORWARD])
    script = ("import sys\nfrom grader.commands.cli import main\nimport grader.grading.cluster\n"
              f"code = main(['grade', {str(tmp_path / 'one.ipynb')!r}, '--out', {str(tmp_path / 'out')!r},"
              " '--quiet', '--no-pages', '--no-sandbox'])\n"
              "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'})\n"
              "print(code, loaded)")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.stdout.strip() == "0 []", run.stderr


@pytest.mark.parametrize("ship", [False, True], ids=["shared-paths", "shipped-bytes"])
def test_a_batch_on_the_cluster_gives_the_local_results(batch, quick, cluster, client, ship):
    notebooks, local = batch
    todo = _plan(quick, notebooks)
    seen = []
    for item, result in grade_on_dask(cluster.scheduler_address, quick.directory, TIMEOUT, todo,
                                      ship_notebooks=ship):
        assert item in todo  # the key says what was graded: unchanged notebooks, unchanged keys
        seen.append(item[0])
        assert _plain(result) == local[item[0]], item[0]
    assert sorted(seen) == sorted(submission_id for submission_id, _ in notebooks)
    statuses = {s: {f["name"]: f["status"] for f in local[s]["functions"]} for s in ("hangs", "raises")}
    assert statuses["hangs"]["rnn_forward"] == "timeout" and statuses["raises"]["rnn_cell_forward"] == "error"
    assert local["empty"]["status"] == local["garbage"]["status"] == "invalid"
    # the assignment was loaded once per worker process and run, not once per task
    from grader.grading.cluster_worker import plugin_state
    states = client.run(plugin_state)
    assert len(states) == 2
    for state in states.values():
        assert state["loads"] and set(state["loads"].values()) == {1}
        assert state["zygotes"] == {}  # the run is over: its fork servers are gone


def test_without_a_scheduler_a_local_cluster_grades_on_several_threads_alike(batch, quick, monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    notebooks, local = batch
    graded = {item[0]: _plain(result) for item, result in
              grade_on_dask(None, quick.directory, TIMEOUT, _plan(quick, notebooks), jobs=4)}
    assert graded == local  # four threads in one worker process: none trips over another


def test_every_worker_grades_under_the_sandbox_and_attacks_cost_only_their_points(
        tmp_path, cluster, quick):
    from grader.execution.sandbox import find_sandbox
    if find_sandbox([], [])[0] is None:
        pytest.skip("bubblewrap is not available: the attack tests need the sandbox")
    folder = tmp_path / "class"
    folder.mkdir()
    mark = str(4000 + os.getpid() % 5000)  # the processes left running are ours, not another run's
    for notebook in ATTACKS:
        (folder / notebook.name).write_text(notebook.read_text().replace("3133.", f"{mark}."))
    host, port = cluster.scheduler_address.removeprefix("tcp://").rsplit(":", 1)
    write_notebook(folder / "calls_the_scheduler.ipynb", [HEADER, INITIALIZE_ADAM, f"""
        def rnn_cell_forward(xt, a_prev, parameters):
            import socket
            socket.create_connection(({host!r}, {port}), timeout=1)
            print("CONNECTED")  # it could now send the workers code to run
            return None"""])
    write_notebook(folder / "reads_the_case_cache.ipynb", [HEADER, INITIALIZE_ADAM, """
        def rnn_cell_forward(xt, a_prev, parameters):
            import glob, os
            home = os.path.expanduser("~root")
            for found in glob.glob(home + "/.cache/**/*.pickle", recursive=True) + glob.glob("/tmp/**/*.pickle", recursive=True):
                print("CACHE", found, len(open(found, "rb").read()))  # hidden cases, expected values
            return None"""])
    todo = _plan(quick, [(path.stem, folder / path.name) for path in ATTACKS])
    todo += _plan(quick, [("calls_the_scheduler", folder / "calls_the_scheduler.ipynb"),
                          ("reads_the_case_cache", folder / "reads_the_case_cache.ipynb")])
    results = {item[0]: result for item, result in
               grade_on_dask(cluster.scheduler_address, quick.directory, TIMEOUT, todo,
                             submission_roots=[folder])}
    assert sorted(results) == sorted([path.stem for path in ATTACKS] + ["calls_the_scheduler",
                                                                       "reads_the_case_cache"])
    reader = {f.name: f for f in results["reads_the_case_cache"].functions}["rnn_cell_forward"]
    assert "CACHE" not in reader.output, reader.output
    caller = {f.name: f for f in results["calls_the_scheduler"].functions}["rnn_cell_forward"]
    assert caller.status == "error" and "CONNECTED" not in caller.output, caller.message
    for notebook in ATTACKS:
        functions = {f.name: f for f in results[notebook.stem].functions}
        for name, expected in json.loads(notebook.read_text())["metadata"]["attack"].items():
            attack = functions[name]
            assert attack.status in expected.split(" or "), (notebook.stem, name, attack.message)
            # an attack earns nothing; the work beside it (and printing) loses nothing
            assert attack.score == (attack.max_score if expected == "passed" else 0), (notebook.stem, name)
            assert "CONNECTED" not in attack.output
            # neither this checkout's reference nor the copy shipped to the worker can be read
            assert "rnn_step_by_step.py" not in attack.output and "spec.toml" not in attack.output, notebook.stem
        assert functions["initialize_adam"].status == "passed", notebook.stem
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [path.name for path in ATTACKS] + ["calls_the_scheduler.ipynb", "reads_the_case_cache.ipynb"])
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert f"sleep {mark}." not in processes


def test_a_worker_killed_halfway_costs_a_retry_never_a_lost_or_doubled_result(
        tmp_path, cluster, client, quick, zygote):
    folder = tmp_path / "class"
    folder.mkdir()
    count = 12
    for number in range(count):
        write_notebook(folder / f"student{number:02}.ipynb",
                       [HEADER, f"# student {number}", RNN_CELL_FORWARD, SLOW_FORWARD, INITIALIZE_ADAM])
    notebooks = [(f"student{n:02}", folder / f"student{n:02}.ipynb") for n in range(count)]
    expected = _plain(grade_notebook(zygote, quick, notebooks[0][1], "student00"))
    todo = _plan(quick, notebooks)
    killed = None
    seen: list[str] = []
    with Gradebook(tmp_path / "gradebook.sqlite", quick.name) as book:
        for (submission_id, path, key), result in grade_on_dask(
                cluster.scheduler_address, quick.directory, TIMEOUT, todo):
            book.record(result, key)  # as cli.py does, as each result arrives
            seen.append(submission_id)
            assert result.score == expected["score"]
            assert [(f.name, f.status, f.score) for f in result.functions] == [
                (f["name"], f["status"], f["score"]) for f in expected["functions"]]
            if killed is None and len(seen) >= 3:
                killed = _kill_a_busy_worker(client)
                at_kill = len(seen)
        assert killed is not None, "no worker was busy when the kill came"
        assert book.count() == count
        assert {r.id for r in book.results()} == {submission_id for submission_id, _ in notebooks}
    assert sorted(seen) == sorted(submission_id for submission_id, _ in notebooks)  # each exactly once
    worker_pid, zygote_pids, busy_with = killed
    # what the killed worker was grading came back once, from another try, after the kill
    interrupted = {todo[index][0] for index in busy_with}
    assert interrupted and interrupted <= set(seen[at_kill:]), (interrupted, seen)
    assert not _running(worker_pid)
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in zygote_pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in zygote_pids), "the killed worker's fork server lived on"
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it


def test_a_worker_without_bubblewrap_refuses_unless_told(tmp_path, quick):
    notebooks = [("one", write_notebook(tmp_path / "one.ipynb", [HEADER, RNN_CELL_FORWARD]))]
    no_bwrap = {"PATH": os.path.dirname(sys.executable)}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None, env=no_bwrap) as bare:
        with pytest.raises(ClusterError, match="no sandbox.*apt install bubblewrap.*--no-sandbox"):
            list(grade_on_dask(bare.scheduler_address, quick.directory, TIMEOUT, _plan(quick, notebooks)))
        notes: list[str] = []
        graded = list(grade_on_dask(bare.scheduler_address, quick.directory, TIMEOUT,
                                    _plan(quick, notebooks), require_sandbox=False, note=notes.append))
    assert [result.functions[0].status for _, result in graded] == ["passed"]
    assert len(notes) == 1 and "no sandbox" in notes[0] and "process limits alone" in notes[0]


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path, quick):
    notebooks = [("one", write_notebook(tmp_path / "one.ipynb", [HEADER, RNN_CELL_FORWARD]))]
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        list(grade_on_dask("tcp://127.0.0.1:9", quick.directory, TIMEOUT, _plan(quick, notebooks),
                           connect_timeout=2))


def test_the_assignment_travels_as_one_zip_that_loads_to_the_same_fingerprint(tmp_path, quick):
    import zipfile
    from io import BytesIO
    bundle, relative = pack_assignment(quick.directory)
    assert pack_assignment(quick.directory)[0] == bundle  # the same bytes every time
    with zipfile.ZipFile(BytesIO(bundle)) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    assert any(name.endswith("rnn_step_by_step.py") and name.startswith("reference/") for name in names)
    assert not any("__pycache__" in name for name in names)
    assert load_assignment(str(tmp_path / relative)).fingerprint == quick.fingerprint


def test_a_worker_that_cannot_see_the_path_stops_the_run_and_says_to_ship(tmp_path, quick):
    path = write_notebook(tmp_path / "one.ipynb", [HEADER])
    item = ("one", path, Key(content_hash(path), quick.fingerprint))
    envelope = {"worker": "tcp://10.0.0.2:40000 (node2)", "fingerprint": quick.fingerprint,
                "content_hash": "unreadable:2",
                "result": {"error": "cannot read the file: No such file or directory"}}
    with pytest.raises(ClusterError, match="same path on every worker.*--ship-notebooks"):
        _checked(item, None, envelope, shipped=False)
    changed = {**envelope, "content_hash": "f" * 64, "result": _plain_result(path, quick)}
    (returned_item, _) = _checked(item, None, changed, shipped=False)
    assert returned_item[2] == Key("f" * 64, quick.fingerprint)  # recorded as what was graded


def _plain_result(path, assignment) -> dict:
    from grader.core.results import SubmissionResult
    return SubmissionResult("one", str(path), "graded", None, 0.0, assignment.max_score).to_dict()


def _kill_a_busy_worker(client) -> tuple[int, list[int], list[int]] | None:
    """SIGKILL a worker process that is grading a notebook right now; its pid, its fork
    servers' pids, and the places in the batch of the notebooks it was grading (task keys end
    with them)."""
    from grader.grading.cluster_worker import plugin_state
    for address, keys in client.processing().items():
        if not keys:
            continue
        state = client.run(plugin_state, workers=[address])[address]
        os.kill(state["pid"], signal.SIGKILL)
        busy_with = [int(str(key).rsplit("-", 1)[1]) for key in keys]
        return state["pid"], [pid for pid in state["zygotes"].values() if pid], busy_with
    return None


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except OSError:
        return False
