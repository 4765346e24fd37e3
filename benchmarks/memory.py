"""Peak memory against class size: does the grader's memory stay flat however many notebooks?

    python benchmarks/memory.py [SIZES...]        (default: 100 10000)

For each size it grades that many copies of the sample submissions (hard links, so the disk
holds one copy) with ``grader grade --no-pages --quiet`` under ``/usr/bin/time -v`` and prints
the wall time, notebooks per second and the peak resident memory of the grader's process (the
student processes are forked from the fork server and die after each notebook). The pages are
left out because they are drawn in separate worker processes, one page at a time.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_class(folder: Path, size: int) -> None:
    samples = sorted((ROOT / "submissions").rglob("*.ipynb"))
    for number in range(size):
        student = folder / f"student{number:05}"
        student.mkdir(parents=True)
        os.link(samples[number % len(samples)], student / "RNN.ipynb")


def grade(folder: Path, out: Path) -> tuple[float, int]:
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out),
               "--quiet", "--no-pages"]
    started = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.monotonic() - started
    if run.returncode != 0:
        raise SystemExit(f"grader failed: {run.stderr[-2000:]}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
    return wall, peak


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 10_000]
    if not Path("/usr/bin/time").exists():
        raise SystemExit("needs /usr/bin/time (Debian: apt install time)")
    peaks = {}
    for size in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"grader-memory-{size}-", dir=ROOT / "build"
                                     if (ROOT / "build").is_dir() else None))
        try:
            make_class(work / "class", size)
            wall, peak = grade(work / "class", work / "out")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        peaks[size] = peak
        print(f"{size:>6} notebooks: {wall:7.1f} s wall, {size / wall:6.1f} notebooks/s, "
              f"peak memory of the grader process {peak / 1024:6.1f} MiB", flush=True)
    if len(peaks) > 1:
        smallest, largest = min(peaks), max(peaks)
        print(f"peak memory ratio {largest} : {smallest} notebooks = {peaks[largest] / peaks[smallest]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
