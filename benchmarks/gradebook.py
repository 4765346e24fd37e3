"""What recording a result in the gradebook costs: a commit per result against commits grouped.

    python benchmarks/gradebook.py [COUNT]        (default: 2000)

Grades the sample RNN submissions once (``grader grade --no-pages``) for real results, then, in
this process, records COUNT of them (new ids, as a class's results) into a fresh gradebook
twice: committing after each result (one transaction per result), and as ``grader grade``
does, committing in groups (``COMMIT_SECONDS``, ``COMMIT_RESULTS``). Prints microseconds per
result for each, in alternating rounds (the median of three), and their ratio.
"""
import dataclasses
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "rnn_step_by_step"
sys.path.insert(0, str(ROOT))


def main(count: int) -> None:
    from grader.grading.gradebook import Gradebook, Key
    from grader.core.results import SubmissionResult

    folder = Path(tempfile.mkdtemp(prefix="gradebook-bench-"))
    try:
        subprocess.run([sys.executable, "-m", "grader", "grade", str(ROOT / "submissions"), "--assignment",
                        ASSIGNMENT, "--out", str(folder / "out"), "--no-pages", "--quiet"], check=True, cwd=ROOT)
        document = json.loads((folder / "out" / "results.json").read_text())
        samples = [SubmissionResult.from_dict(entry) for entry in document["submissions"]]
        results = [dataclasses.replace(samples[n % len(samples)], id=f"student{n:05}") for n in range(count)]
        key = Key("0" * 64, "fingerprint")

        def record(name: str, each: bool) -> float:
            path = folder / f"{name}.sqlite"
            with Gradebook(path, ASSIGNMENT) as book:
                started = time.perf_counter()
                for result in results:
                    book.record(result, key)
                    if each:
                        book.commit()
                book.commit()
                seconds = time.perf_counter() - started
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return seconds

        each, grouped = [], []
        for _ in range(3):
            each.append(record("each", True))
            grouped.append(record("grouped", False))
        per_each = statistics.median(each) / count * 1e6
        per_grouped = statistics.median(grouped) / count * 1e6
        print(f"{count} results recorded (median of 3 rounds)")
        print(f"  a commit per result: {per_each:7.1f} us per result")
        print(f"  commits grouped:     {per_grouped:7.1f} us per result   ({per_each / per_grouped:.1f}x less)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
