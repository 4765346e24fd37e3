"""A one-line progress bar on a terminal; silent anywhere else."""
from __future__ import annotations

import sys
import time

from grader.core.results import visible


class Progress:
    def __init__(self, total: int, enabled: bool, stream=sys.stderr):
        self.total = total
        self.done = 0
        self.enabled = enabled and total > 0
        self.stream = stream
        self.started = time.monotonic()
        self._last_drawn = 0.0

    def advance(self, label: str = "") -> None:
        self.done += 1
        now = time.monotonic()
        if self.enabled and (now - self._last_drawn > 0.1 or self.done == self.total):
            self._last_drawn = now
            self._draw(label, now - self.started)

    def _draw(self, label: str, elapsed: float) -> None:
        width = 30
        filled = int(width * self.done / self.total)
        rate = self.done / elapsed if elapsed > 0 else 0.0
        remaining = (self.total - self.done) / rate if rate else 0.0
        bar = "=" * filled + (">" if filled < width else "") + " " * (width - filled - 1)
        line = (f"\r[{bar}] {self.done}/{self.total}  {rate:5.1f}/s  "
                f"eta {remaining:4.0f}s  {visible(label)[:40]:<40}")  # a file name may hold escapes
        self.stream.write(line)
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()
