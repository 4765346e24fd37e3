"""What the course's work costs on top of grading, for a class of the sample submissions.

    python benchmarks/course.py [SIZE]        (default: 300)

Grades SIZE copies of the sample submissions (hard links) once with ``grader grade --no-pages``,
then times, in this process, on the gradebook that run left: reading every submission's code
for similar code (normalised and kept in the gradebook: done once per graded notebook), grouping
the class from the kept shapes (every run), and the regrade diff of one submission against the
result it replaces. Prints seconds per notebook and in all.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "rnn_step_by_step"  # the notebooks made here are the RNN assignment's
sys.path.insert(0, str(ROOT))


def main(size: int) -> None:
    from grader.core.assignment import load_assignment
    from grader.grading.gradebook import Gradebook, Key
    from grader.grading.regrade import changes_between
    from grader.core.results import SubmissionResult
    from grader.course.similarity import given_statements, grouped, shapes_of

    folder = Path(tempfile.mkdtemp(prefix="course-bench-"))
    try:
        samples = sorted((ROOT / "submissions").rglob("*.ipynb"))
        for number in range(size):
            (folder / "class" / f"student{number:05}").mkdir(parents=True)
            os.link(samples[number % len(samples)], folder / "class" / f"student{number:05}" / "RNN.ipynb")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "grade", str(folder / "class"), "--out",
                        str(folder / "out"), "--no-pages", "--quiet"], check=True, cwd=ROOT)
        graded = time.perf_counter() - started
        assignment = load_assignment(ASSIGNMENT)
        with Gradebook(folder / "out" / "gradebook.sqlite", assignment.name) as book:
            ids = set(book.ids())
            book._connection.execute("DELETE FROM shapes")
            started = time.perf_counter()
            held = list(book.results(ids, raw=True))
            reading = time.perf_counter() - started
            started = time.perf_counter()
            given = given_statements(assignment)
            release = time.perf_counter() - started
            started = time.perf_counter()
            for result in held:
                shapes_of(result, given)
            normalising = time.perf_counter() - started
            started = time.perf_counter()
            for result in book.results(ids, raw=True):
                book.set_shapes(result.id, shapes_of(result, given))
            shaped = time.perf_counter() - started
            started = time.perf_counter()
            rows, writers = book.shape_groups(ids)
            groups = grouped(rows, writers)
            grouping = time.perf_counter() - started
            first = next(book.results(raw=True))
            key = Key("a", "b")
            started = time.perf_counter()
            for _ in range(100):
                changes_between(first, key, SubmissionResult.from_dict(json.loads(json.dumps(first.to_dict()))),
                                Key("a", "c"))
            diff = (time.perf_counter() - started) / 100
        print(f"{size} notebooks graded (--no-pages) in {graded:.1f} s: {graded / size * 1000:.1f} ms each")
        print(f"similar code, reading each notebook's code once: {shaped:.2f} s, {shaped / size * 1000:.2f} ms a notebook")
        print(f"  of which: results read back {reading / size * 1000:.2f} ms a notebook, the release notebook's "
              f"lines {release:.2f} s once, normalising {normalising / size * 1000:.2f} ms a notebook")
        print(f"similar code, grouping the class from the gradebook: {grouping * 1000:.1f} ms "
              f"({len(groups)} groups)")
        print(f"regrade diff of one submission: {diff * 1000:.3f} ms")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
