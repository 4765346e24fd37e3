"""Late work: when each notebook was handed in, and the penalty the course's policy gives it.

The time comes from one of three places (``grader grade --submitted``):

* ``git``: the commit that last changed the notebook (GitHub Classroom repositories, ``grader ci``);
* ``file``: the file's modification time (a folder downloaded from an LMS that keeps it);
* a CSV file with the columns ``id`` and ``submitted_at`` (an LMS's own submission times);

and by default (``auto``) from git when the notebook is committed in a repository, else from the
file. A notebook whose time cannot be found is never penalised, and the grader says so.
"""
from __future__ import annotations

import csv
import math
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from grader.course.course_file import AssignmentDates, CourseError, _duration, _moment


def submission_times(notebooks: list[tuple[str, str]], source: str) -> tuple[dict[str, tuple[datetime, str]], list[str]]:
    """id -> (when handed in, where that came from), and one line per notebook without a time."""
    if source not in ("auto", "git", "file"):
        return _from_csv(Path(source), {submission_id for submission_id, _ in notebooks})
    times: dict[str, tuple[datetime, str]] = {}
    problems = []
    committed = _git_times([path for _, path in notebooks]) if source in ("auto", "git") else {}
    for submission_id, path in notebooks:
        moment = committed.get(os.path.realpath(path))
        if moment is not None:
            times[submission_id] = (moment, "its git commit")
        elif source == "git":
            problems.append(f"{path}: not committed in a git repository: no submission time, no late penalty")
        else:
            try:
                times[submission_id] = (datetime.fromtimestamp(os.stat(path).st_mtime, timezone.utc),
                                        "the file's modification time")
            except OSError as error:
                problems.append(f"{path}: no submission time ({error.strerror}), no late penalty")
    return times, problems


def late_penalty(dates: AssignmentDates, submission_id: str, submitted: datetime,
                 source: str) -> tuple[float, str] | None:
    """(percent off, the reason in words), or None when on time or no due date is set."""
    due, extended = dates.due_for(submission_id)
    if due is None:
        return None
    late = submitted - due
    policy = dates.policy
    if late <= max(policy.grace, timedelta(0)):
        return None
    days = math.ceil(late / timedelta(days=1))
    percent = min(policy.max_percent, days * policy.percent_per_day)
    if percent <= 0:
        return None
    which = "the extended due date" if extended else "the due date"
    return percent, (f"handed in {submitted.isoformat(timespec='minutes')} ({source}), "
                     f"{_duration(late)} after {which} {due.isoformat(timespec='minutes')}: "
                     f"{days} day{'s' if days != 1 else ''} late at {policy.describe()}")


def _git_times(paths: list[str]) -> dict[str, datetime]:
    """Each committed notebook's last commit time, by real path: one ``git log`` per repository."""
    tops: dict[str, str | None] = {}
    wanted: dict[str, set[str]] = {}
    for path in paths:
        folder = os.path.dirname(os.path.realpath(path))
        if folder not in tops:
            tops[folder] = _toplevel(folder)
        if tops[folder]:
            wanted.setdefault(tops[folder], set()).add(os.path.realpath(path))
    found: dict[str, datetime] = {}
    for top, files in wanted.items():
        try:
            log = subprocess.run(["git", "-c", "core.quotePath=false", "-C", top, "log",
                                  "--format=commit %cI", "--name-only", "--no-renames"],
                                 capture_output=True, text=True, timeout=120, check=True).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        moment = None
        for line in log.splitlines():
            if line.startswith("commit "):
                moment = datetime.fromisoformat(line[7:].strip())
            elif line and moment is not None:
                full = os.path.join(top, line)
                if full in files and full not in found:
                    found[full] = moment
    return found


def _toplevel(folder: str) -> str | None:
    try:
        run = subprocess.run(["git", "-C", folder, "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return os.path.realpath(run.stdout.strip()) if run.returncode == 0 and run.stdout.strip() else None


def _from_csv(path: Path, ids: set[str]) -> tuple[dict[str, tuple[datetime, str]], list[str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CourseError(f"{path}: cannot be read: {getattr(error, 'strerror', None) or error}") from None
    if rows and not {"id", "submitted_at"} <= set(rows[0]):
        raise CourseError(f"{path}: needs the columns id and submitted_at")
    times, problems = {}, []
    for number, row in enumerate(rows, start=2):
        submission_id = (row["id"] or "").strip()
        try:
            times[submission_id] = (_moment((row["submitted_at"] or "").strip(), f"{path} line {number}"),
                                    f"{path.name}")
        except CourseError as error:
            problems.append(f"{error}: no late penalty for {submission_id}")
    problems += [f"{path}: no submission time for {submission_id}, no late penalty"
                 for submission_id in sorted(ids - set(times))]
    return times, problems
