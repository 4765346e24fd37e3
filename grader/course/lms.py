"""Grades for a learning management system: Canvas's gradebook import CSV and Moodle's grade import CSV.

Both are made from the course gradebook (every assignment in it, or those named), one row per
student of the roster, with the scores after adjustments and late penalties. The roster is a
CSV with a row per student; its ``--match`` column (default: the first of submission, username,
login, SIS Login ID, email that it has) holds what a submission's id starts with (``alice`` for
``alice`` or ``alice/RNN``). A submission no roster row matches, and a roster student with no
submission, are listed: neither is silently dropped nor given a zero.

* Canvas: the columns of Canvas's own gradebook export, ``Student, ID, SIS User ID, SIS Login
  ID, Section``, then one column per assignment, and a ``Points Possible`` row, as Canvas reads
  them back (Grades > Import). Canvas matches a student by ``ID`` (or the SIS ids) and an
  assignment column by its name, ``Name (canvas id)``: set ``lms_name`` in the course file.
* Moodle: the identity columns the roster has (``Email address``, ``Username``, ``ID number``,
  names), then one grade column and one feedback column per assignment (Grades > Import > CSV
  file; map the identity column to the user field and each grade column to its grade item).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from grader.reports.export import _cell  # a student's text never read as a spreadsheet formula

from grader.course.course_file import Course, student_of

MATCH_COLUMNS = ("submission", "username", "login", "SIS Login ID", "email", "Email address")
CANVAS_IDENTITY = {"Student": ("Student", "name", "student name"), "ID": ("ID", "canvas_id", "canvas id"),
                   "SIS User ID": ("SIS User ID", "sis_user_id", "student_id", "id number"),
                   "SIS Login ID": ("SIS Login ID", "sis_login_id", "login", "username"),
                   "Section": ("Section", "section")}
MOODLE_IDENTITY = {"First name": ("First name", "first_name", "firstname"),
                   "Last name": ("Last name", "last_name", "lastname", "surname"),
                   "Username": ("Username", "username", "login", "SIS Login ID"),
                   "ID number": ("ID number", "idnumber", "id_number", "student_id", "SIS User ID"),
                   "Email address": ("Email address", "email", "e-mail")}


class RosterError(Exception):
    """The roster cannot be read or has no column to match submissions by."""


@dataclass(frozen=True)
class Grade:
    score: float
    max_score: float
    feedback: str  # the adjustments and penalties, in words


@dataclass(frozen=True)
class Mapping:
    rows: list[dict]  # the roster, in its order
    grades: list[dict[str, Grade]]  # per roster row: assignment -> grade
    unmatched: list[tuple[str, str]]  # (assignment, submission id) no roster row matches
    missing: list[tuple[str, str]]  # (assignment, student) with no submission
    maxima: dict[str, float]  # assignment -> its points


def read_roster(path: Path, match: str | None) -> tuple[list[dict], str]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.DictReader(handle) if any((value or "").strip() for value in row.values())]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"{path}: cannot be read: {getattr(error, 'strerror', None) or error}") from None
    columns = list(rows[0]) if rows else []
    if match is None:
        lowered = {column.lower(): column for column in columns}
        match = next((lowered[name.lower()] for name in MATCH_COLUMNS if name.lower() in lowered), None)
        if match is None:
            raise RosterError(f"{path}: no column to match submissions by (one of {', '.join(MATCH_COLUMNS)}, "
                              f"or name it with --match)")
    elif match not in columns:
        raise RosterError(f"{path}: no column {match!r} (columns: {', '.join(columns)})")
    return rows, match


def map_grades(book_path: Path, assignments: list[str], rows: list[dict], match: str) -> Mapping:
    from grader.grading.gradebook import Gradebook
    index: dict[str, int] = {}
    for number, row in enumerate(rows):
        key = _key(row.get(match) or "")
        if key:
            index.setdefault(key, number)
    grades: list[dict[str, Grade]] = [{} for _ in rows]
    unmatched, missing, maxima = [], [], {}
    for assignment in assignments:
        with Gradebook(book_path, assignment) as book:
            for result in book.results():
                maxima[assignment] = result.max_score
                number = index.get(_key(result.id), index.get(_key(student_of(result.id))))
                if number is None:
                    unmatched.append((assignment, result.id))
                    continue
                feedback = "; ".join(adjustment.reason for adjustment in result.adjustments)
                if result.status != "graded":
                    feedback = f"not graded: {result.error}"
                grades[number][assignment] = Grade(result.score, result.max_score, feedback)
        missing.extend((assignment, rows[number].get(match) or "") for number in range(len(rows))
                       if assignment not in grades[number])
    return Mapping(rows, grades, unmatched, missing, maxima)


def write_canvas(path: Path, mapping: Mapping, columns: list[tuple[str, str, float]]) -> None:
    """``columns``: (assignment, column name, points possible) in order."""
    header = list(CANVAS_IDENTITY) + [name for _, name, _ in columns]
    body = [["Points Possible", "", "", "", ""] + [_number(points) for _, _, points in columns]]
    for row, grades in zip(mapping.rows, mapping.grades):
        identity = [_cell(_pick(row, aliases)) for aliases in CANVAS_IDENTITY.values()]
        body.append(identity + [_number(grades[a].score) if a in grades else "" for a, _, _ in columns])
    _write(path, header, body)


def write_moodle(path: Path, mapping: Mapping, columns: list[tuple[str, str, float]]) -> None:
    present = [name for name, aliases in MOODLE_IDENTITY.items() if has_column(mapping.rows, aliases)]
    header = present + [part for _, name, _ in columns for part in (name, f"Feedback: {name}")]
    body = []
    for row, grades in zip(mapping.rows, mapping.grades):
        line = [_cell(_pick(row, MOODLE_IDENTITY[name])) for name in present]
        for assignment, _, _ in columns:
            grade = grades.get(assignment)
            line += [_number(grade.score), _cell(grade.feedback)] if grade else ["", ""]
        body.append(line)
    _write(path, header, body)


def columns(assignments: list[str], mapping: Mapping, course: Course | None) -> list[tuple[str, str, float]]:
    """(assignment, its column's name, its points) for each assignment: the name is the course
    file's ``lms_name``, else the assignment's name."""
    found = []
    for assignment in assignments:
        dates = course.dates(assignment) if course else None
        found.append((assignment, dates.lms_name if dates and dates.lms_name else assignment,
                      mapping.maxima.get(assignment, 0.0)))
    return found


def has_column(rows: list[dict], aliases: tuple[str, ...]) -> bool:
    """Whether any roster row has a value in a column of one of these names."""
    return any(_pick(row, aliases) for row in rows)


def _pick(row: dict, aliases: tuple[str, ...]) -> str:
    lowered = {(column or "").lower(): value for column, value in row.items()}
    for alias in aliases:
        value = lowered.get(alias.lower())
        if value:
            return value.strip()
    return ""


def _key(text: str) -> str:
    return text.strip().casefold()


def _number(value: float) -> str:
    return f"{round(float(value), 2):g}"


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    temporary.replace(path)
