"""The cluster mode of the benchmark: throughput on a Dask cluster of 1 and 2 worker processes,
against the same grading on this machine, and the per-task overhead Dask adds.

Run from the repository root with the extra installed (``pip install -e '.[dask]'``)::

    python benchmarks/cluster.py                      # 48 notebooks, 400 empty tasks
    python benchmarks/cluster.py --notebooks 200 --threads 4

What it does, on one set of notebooks (copies of the samples in ``submissions/``, each with a
comment carrying its student number, so no two files are the same):

1. **Local.** The engine as ``grader grade`` runs it on one machine: one fork server under the
   sandbox, ``--jobs`` threads (default twice the cores) calling ``grade_notebook``.
2. **Dask.** ``grade_on_dask`` on a ``LocalCluster`` of worker *processes* (each with its own
   fork server under the sandbox), for each configuration in ``--configs`` (default ``1x4,2x2``:
   one process of 4 threads, two of 2; the same threads as the local run, so only the number of
   processes changes). Start-up of the cluster is timed apart; a run's wall clock includes
   shipping the assignment and loading it once per worker process, reported as the time to the
   first result. Every result is checked against the local run (per-function statuses, scores).
3. **Overhead.** Tasks that do nothing, streamed through the same windowed ``as_completed`` loop
   (``--noop-tasks``, default 400): the wall per task, against the same empty calls through a
   local thread pool, once returning nothing and once returning a real result's dict (what a
   grading task sends back). The difference is what Dask adds per notebook.

It prints each figure, then a summary block with the machine and its load (other work on the
machine changes the figures: the load average is printed before and after).
"""
from __future__ import annotations

import argparse
import copy
import os
import pickle
import platform
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from grader.core.assignment import load_assignment  # noqa: E402
from grader.grading.cluster import grade_on_dask  # noqa: E402
from grader.grading.gradebook import Key, content_hash  # noqa: E402
from grader.grading.submission import grade_notebook  # noqa: E402
from grader.execution.sandbox import find_sandbox, secrets_of  # noqa: E402
from grader.execution.zygote import Zygote  # noqa: E402

ASSIGNMENT = "rnn_step_by_step"  # the notebooks made here are the RNN assignment's

SUBMISSIONS = REPO / "submissions"


def make_notebooks(folder: Path, count: int) -> list[tuple[str, Path]]:
    samples = sorted(SUBMISSIONS.glob("*/RNN.ipynb"))
    sources = [nbformat.read(path, as_version=4) for path in samples]
    made = []
    for number in range(count):
        notebook = copy.deepcopy(sources[number % len(sources)])
        notebook.cells.insert(0, nbformat.v4.new_code_cell(f"# student {number:04d}"))
        path = folder / f"student_{number:04d}" / "RNN.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
        made.append((f"student_{number:04d}", path))
    return made


def plain(result) -> list:
    return [(f.name, f.status, f.score) for f in result.functions] + [result.status, result.score]


def run_local(assignment, notebooks, jobs: int, sandbox) -> tuple[float, dict]:
    with Zygote(sandbox) as zygote:
        grade_notebook(zygote, assignment, notebooks[0][1], "warm-up")
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = dict(zip([i for i, _ in notebooks],
                               pool.map(lambda item: grade_notebook(zygote, assignment, item[1], item[0]),
                                        notebooks)))
        return time.perf_counter() - started, results


def run_dask(address: str, assignment, todo) -> tuple[float, float, dict]:
    started = time.perf_counter()
    first = None
    results = {}
    for (submission_id, _, _), result in grade_on_dask(address, assignment.directory, None, todo):
        first = first or time.perf_counter() - started
        results[submission_id] = result
    return time.perf_counter() - started, first, results


def _noop(_):
    return None


def _echo(value):
    return copy.deepcopy(value)  # a fresh dict, as a grading task builds one


def stream(client, function, argument, count: int, window: int | None = None) -> float:
    """Seconds per task for ``count`` tasks, a window of twice the threads in flight as
    ``grade_on_dask`` streams them (or ``window``: 1 gives the round trip of one task)."""
    from distributed import as_completed

    window = window or max(4, 2 * sum(client.nthreads().values()))
    started = time.perf_counter()
    stream_ = as_completed(loop=client.loop)
    submitted = 0
    live = 0
    while submitted < count and live < window:
        stream_.add(client.submit(function, argument, pure=False))
        submitted += 1
        live += 1
    for future in stream_:
        future.result()
        future.release()
        live -= 1
        if submitted < count:
            stream_.add(client.submit(function, argument, pure=False))
            submitted += 1
            live += 1
    return (time.perf_counter() - started) / count


def local_stream(function, argument, count: int, threads: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in pool.map(lambda _: function(argument), range(count)):
            pass
    return (time.perf_counter() - started) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=48)
    parser.add_argument("--jobs", type=int, default=2 * (os.cpu_count() or 1),
                        help="threads of the local run (default: twice the cores, as grader grade)")
    parser.add_argument("--configs", default=None,
                        help="worker processes x threads each, comma separated (default: 1xJ,2x(J/2))")
    parser.add_argument("--noop-tasks", type=int, default=400)
    arguments = parser.parse_args()
    jobs = arguments.jobs
    configs = arguments.configs or f"1x{jobs},2x{max(1, jobs // 2)}"
    configs = [tuple(int(n) for n in config.split("x")) for config in configs.split(",")]
    load_before = os.getloadavg()

    from distributed import Client, LocalCluster

    assignment = load_assignment(ASSIGNMENT)
    sandbox = find_sandbox(*secrets_of(assignment, [], [SUBMISSIONS]))[0]
    with tempfile.TemporaryDirectory(prefix="grader-cluster-bench-") as scratch:
        notebooks = make_notebooks(Path(scratch), arguments.notebooks)
        todo = [(i, p, Key(content_hash(p), assignment.fingerprint)) for i, p in notebooks]
        print(f"{len(notebooks)} notebooks; sandbox: {'bubblewrap' if sandbox else 'none'}")

        local_wall, local = run_local(assignment, notebooks, jobs, sandbox)
        print(f"local, 1 process x {jobs} threads: {local_wall:.2f} s, "
              f"{len(notebooks) / local_wall:.1f} notebooks/s")

        rows = []
        echo_value = max((result.to_dict() for result in local.values()), key=lambda d: len(str(d)))
        print(f"the largest result dict: {len(pickle.dumps(echo_value)) / 1024:.0f} KiB pickled")
        overhead = {}
        for processes, threads in configs:
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cluster = LocalCluster(n_workers=processes, threads_per_worker=threads, processes=True,
                                       dashboard_address=None)
            start_up = time.perf_counter() - started
            with cluster, Client(cluster, set_as_default=False) as client:
                wall, first, results = run_dask(cluster.scheduler_address, assignment, todo)
                wrong = [i for i in local if plain(local[i]) != plain(results.get(i, local[i])) or i not in results]
                rows.append((processes, threads, start_up, wall, first, wrong))
                print(f"dask, {processes} process(es) x {threads} threads: {wall:.2f} s "
                      f"({len(notebooks) / wall:.1f} notebooks/s; first result after {first:.2f} s; "
                      f"cluster start-up {start_up:.2f} s apart){'; DIFFERS from local: ' + str(wrong) if wrong else ''}")
                if (processes, threads) == configs[0]:
                    # the result dict waits on every worker beforehand, so only the answer travels
                    [on_workers] = client.scatter([echo_value], broadcast=True)
                    for label, function, argument in (("empty task", _noop, None),
                                                      ("task returning a result dict", _echo, on_workers)):
                        stream(client, function, argument, 20)  # warm
                        on_dask = stream(client, function, argument, arguments.noop_tasks)
                        round_trip = stream(client, function, argument, arguments.noop_tasks // 4, window=1)
                        here = local_stream(function, echo_value if argument is on_workers else None,
                                            arguments.noop_tasks, jobs)
                        overhead[label] = (on_dask, here, round_trip)
                        print(f"overhead, {label}: {on_dask * 1e3:.2f} ms per task on dask "
                              f"({processes}x{threads}, streamed), {round_trip * 1e3:.2f} ms one at a "
                              f"time, {here * 1e3:.3f} ms through a local thread pool")
        load_after = os.getloadavg()

    per_notebook_local = local_wall / len(notebooks)
    print("\n--- summary ---")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()} "
          f"{platform.release()}; load average before {load_before[0]:.2f} / {load_before[1]:.2f} "
          f"(1 / 5 min), after {load_after[0]:.2f} / {load_after[1]:.2f}")
    print(f"{len(notebooks)} notebooks, sandbox {'on' if sandbox else 'off'}")
    print(f"{'run':<34}{'wall s':>8}{'nb/s':>8}{'vs local':>10}{'first s':>9}{'start s':>9}")
    print(f"{'local 1 x ' + str(jobs) + ' threads':<34}{local_wall:>8.2f}"
          f"{len(notebooks) / local_wall:>8.1f}{1.0:>10.2f}{'':>9}{'':>9}")
    for processes, threads, start_up, wall, first, wrong in rows:
        label = f"dask {processes} process(es) x {threads} threads"
        print(f"{label:<34}{wall:>8.2f}{len(notebooks) / wall:>8.1f}{local_wall / wall:>10.2f}"
              f"{first:>9.2f}{start_up:>9.2f}")
    for label, (on_dask, here, round_trip) in overhead.items():
        print(f"overhead per {label}: {on_dask * 1e3:.2f} ms streamed on dask ({round_trip * 1e3:.2f} ms "
              f"round trip one at a time) vs {here * 1e3:.3f} ms local "
              f"({on_dask / per_notebook_local * 100:.0f}% of a notebook's {per_notebook_local * 1e3:.0f} ms "
              "of local grading wall)")
    if len(rows) > 1:
        one = next((r for r in rows if r[0] == 1), rows[0])
        two = next((r for r in rows if r[0] == 2), rows[-1])
        print(f"scaling 1 -> 2 worker processes: x{one[3] / two[3]:.2f} throughput")
    bad = [row for row in rows if row[5]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
