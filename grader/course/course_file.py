"""The course file: each assignment's due date, the students' extensions and the late policy.

```toml
[late]                      # the policy, for every assignment unless one sets its own
grace_minutes = 15          # this late counts as on time
percent_per_day = 10        # taken off per day late, or part of a day, counted from the due date
max_percent = 50            # never more than this

[assignments.rnn_step_by_step]
due = 2026-03-01T23:59:00+01:00
lms_name = "RNN step by step (1234)"   # the column's name in LMS exports (default: the title)
extensions = { alice = 2026-03-03T23:59:00+01:00, bob = 2 }   # a new due date, or days more
```

A time without an offset is UTC. A student is named in ``extensions`` by the submission's id
or by its first part (``alice`` for ``alice/RNN``).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path


class CourseError(Exception):
    """The course file cannot be read or says something impossible; the message says where."""


@dataclass(frozen=True)
class LatePolicy:
    grace: timedelta = timedelta(0)
    percent_per_day: float = 0.0
    max_percent: float = 100.0

    def describe(self) -> str:
        grace = f", {_duration(self.grace)} of grace" if self.grace else ""
        return f"{self.percent_per_day:g}% a day late, at most {self.max_percent:g}%{grace}"


@dataclass(frozen=True)
class AssignmentDates:
    due: datetime | None
    policy: LatePolicy
    extensions: dict[str, datetime] = field(default_factory=dict)
    lms_name: str = ""

    def due_for(self, submission_id: str) -> tuple[datetime | None, bool]:
        """The due date for this submission, and whether it is an extension."""
        for key in (submission_id, student_of(submission_id)):
            if key in self.extensions:
                return self.extensions[key], True
        return self.due, False


@dataclass(frozen=True)
class Course:
    path: Path
    assignments: dict[str, AssignmentDates]

    def dates(self, assignment: str) -> AssignmentDates | None:
        return self.assignments.get(assignment)


def student_of(submission_id: str) -> str:
    """The student a submission belongs to: its id's first part (``alice`` for ``alice/RNN``)."""
    return submission_id.split("/", 1)[0]


def load_course(path: Path) -> Course:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CourseError(f"{path}: cannot be read: {error}") from None
    default = _policy(data.get("late", {}), f"{path} [late]")
    assignments = {}
    for name, table in (data.get("assignments") or {}).items():
        where = f"{path} [assignments.{name}]"
        if not isinstance(table, dict):
            raise CourseError(f"{where}: must be a table")
        due = _moment(table["due"], f"{where} due") if "due" in table else None
        policy = _policy(table["late"], f"{where} late") if "late" in table else default
        extensions = {}
        for student, value in (table.get("extensions") or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if due is None:
                    raise CourseError(f"{where} extensions.{student}: days of extension need a due date")
                extensions[str(student)] = due + timedelta(days=float(value))
            else:
                extensions[str(student)] = _moment(value, f"{where} extensions.{student}")
        assignments[str(name)] = AssignmentDates(due, policy, extensions, str(table.get("lms_name", "")))
    return Course(path, assignments)


def _policy(table, where: str) -> LatePolicy:
    if not isinstance(table, dict):
        raise CourseError(f"{where}: must be a table")
    try:
        policy = LatePolicy(timedelta(minutes=float(table.get("grace_minutes", 0))),
                            float(table.get("percent_per_day", 0)), float(table.get("max_percent", 100)))
    except (TypeError, ValueError):
        raise CourseError(f"{where}: grace_minutes, percent_per_day and max_percent must be numbers") from None
    if policy.grace < timedelta(0) or not 0 <= policy.percent_per_day <= 100 or not 0 <= policy.max_percent <= 100:
        raise CourseError(f"{where}: grace_minutes must be 0 or more, the percentages from 0 to 100")
    return policy


def _moment(value, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise CourseError(f"{where}: not a date and time ({value!r}); write e.g. 2026-03-01T23:59:00+01:00") from None
    if not isinstance(value, datetime):
        raise CourseError(f"{where}: not a date and time ({value!r}); write e.g. 2026-03-01T23:59:00+01:00")
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    parts += [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    parts += [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes or not parts else []
    return " ".join(parts)
