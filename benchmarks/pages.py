"""Student pages drawn in one process: pages per CPU second drawn from scratch (every cell through
nbconvert and Pygments, as a worker's first page) and drawn as a batch (the cells the class
shares kept from page to page), side by side on the same graded class; and a check that both
give the same pages, byte for byte.

    python benchmarks/pages.py [--notebooks 60] [--seed 1] [--profile]

The class is made as ``bench.py`` makes it (the sample submissions, each student's code cells
marked as their own) and graded once with ``grader grade --no-pages``.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402  (the class bench.py grades)
from grader.reports.appendix import forget  # noqa: E402
from grader.core.assignment import load_assignment  # noqa: E402
from grader.core.results import SubmissionResult  # noqa: E402
from grader.reports.student_page import prepare, render_submission  # noqa: E402


def graded_class(folder: Path, count: int, seed: int) -> tuple[object, list[SubmissionResult]]:
    students = bench.plan_students(count, seed)
    bench.make_notebooks(folder / "class", students)
    out = folder / "out"
    command, environment = bench.grader_command()
    subprocess.run(command + ["grade", str(folder / "class"), "--out", str(out), "--no-pages"],
                   check=True, capture_output=True, env=environment)
    document = json.loads((out / "results.json").read_text())
    return (load_assignment(document["assignment"]),
            [SubmissionResult.from_dict(item) for item in document["submissions"]])


def draw(assignment, results, *, from_scratch: bool) -> tuple[list[str], float]:
    forget()
    pages, spent = [], 0.0
    for result in results:
        if from_scratch:
            forget()
        started = time.process_time()
        pages.append(render_submission(assignment, result))
        spent += time.process_time() - started
    return pages, spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print where a batch's page spends its time")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pages-bench-") as scratch:
        assignment, results = graded_class(Path(scratch), arguments.notebooks, arguments.seed)
        prepare()
        alone, alone_seconds = draw(assignment, results, from_scratch=True)
        batch, batch_seconds = draw(assignment, results, from_scratch=False)
        if arguments.profile:
            profile = cProfile.Profile()
            forget()
            profile.enable()
            for result in results:
                render_submission(assignment, result)
            profile.disable()
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(30)
            print(text.getvalue())
    different = [result.id for result, one, other in zip(results, alone, batch) if one != other]
    count = len(results)
    print(f"{count} pages, one process (CPU seconds):")
    print(f"  from scratch: {count / alone_seconds:6.1f} pages/s  ({1000 * alone_seconds / count:.0f} ms a page)")
    print(f"  as a batch:   {count / batch_seconds:6.1f} pages/s  ({1000 * batch_seconds / count:.0f} ms a page)"
          f"  {alone_seconds / batch_seconds:.2f}x")
    print(f"  pages the same byte for byte: {count - len(different)} of {count}"
          + (f" (differ: {', '.join(different[:5])})" if different else ""))
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
