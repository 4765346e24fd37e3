"""What the grader says of a graded function's process: how it ended, why cases were not run,
and what it printed (cut to what a page shows)."""
from __future__ import annotations

import os
import signal
from pathlib import Path

OUTPUT_SHOWN_BYTES = 8 * 1024


NOT_RUN = {"timeout": "not run: an earlier case ran out of time",
            "died": "not run: the program could not be loaded"}


def over_budget(limits) -> str:
    return (f"not finished: the notebook used up its time budget of {limits.submission_seconds:g} s "
            "(all its functions and cases together), so this case and the ones after it did not run "
            "to the end; make the slow function faster")


def death(code) -> str:
    if not isinstance(code, int):
        return "the process stopped answering"
    if code < 0:
        number = -code
        if number == signal.SIGKILL:
            return ("the process was killed (SIGKILL): it ran out of memory or CPU time, "
                    "or killed itself")
        if number == signal.SIGXCPU:
            return "the process used up its CPU time"
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"the process was killed by {name}"
    return f"the process exited with code {code} (os._exit or a crash) before returning"


def read_output(path: Path, limit: int, printed: int | None = None) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(OUTPUT_SHOWN_BYTES + 1)
        size = os.path.getsize(path)
    except OSError:
        return ""
    text = data[:OUTPUT_SHOWN_BYTES].decode("utf-8", "replace")
    printed = max(size, printed or 0)
    if size > OUTPUT_SHOWN_BYTES:
        text += f"\n[... {size - OUTPUT_SHOWN_BYTES} more bytes not shown]"
    if printed > size and size >= limit:
        text += (f"\n[output cut at the limit of {limit // 1024} KiB: it printed {amount(printed)} "
                 f"in all, and the {amount(printed - size)} past the limit were dropped]")
    elif size >= limit:
        text += f"\n[output stopped at the limit of {limit // 1024} KiB]"
    return text


def amount(count: int) -> str:
    if count >= 10 * 2**20:
        return f"{count / 2**20:.0f} MiB"
    if count >= 2**20:
        return f"{count / 2**20:.1f} MiB"
    if count >= 2**10:
        return f"{count / 2**10:.0f} KiB"
    return f"{count} bytes"
