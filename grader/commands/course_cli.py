"""The course's part of the ``grader`` command: ``grade``'s course options (one gradebook for the
course, the course file, submission times), and the ``adjust`` and ``export`` commands."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the gradebook (sqlite3) is loaded by the commands that open one, not by the parser
    from grader.grading.gradebook import Gradebook

GRADEBOOK = "gradebook.sqlite"  # grader.grading.gradebook.FILE_NAME


class CourseUsageError(Exception):
    """Bad course options or files: reported in one line, exit status 2."""


def add_grade_options(grade: argparse.ArgumentParser) -> None:
    grade.add_argument("--gradebook", type=Path, metavar="FILE",
                       help="the gradebook to keep results in (default: gradebook.sqlite in --out); give "
                            "every assignment of a course the same file to keep the course in one place")
    grade.add_argument("--course", type=Path, metavar="FILE",
                       help="the course file (TOML): due dates, extensions and the late policy; late "
                            "submissions lose the percentage it says, and their pages say why")
    grade.add_argument("--submitted", default="auto", metavar="SOURCE",
                       help="where submission times come from, with --course: git (the notebook's last "
                            "commit), file (its modification time), a CSV file with columns id and "
                            "submitted_at, or auto (default: git when committed, else the file)")


class CourseRun:
    """What ``grader grade`` does for the course around the grading itself."""

    def __init__(self, arguments, out: Path, assignment, notebooks: list[tuple[str, str]]):
        from grader.course.course_file import CourseError, load_course
        self.gradebook = arguments.gradebook or out / GRADEBOOK
        self.out, self.assignment, self.notebooks = out, assignment, notebooks
        self.quiet, self.pages = arguments.quiet, not arguments.no_pages
        self.source = arguments.submitted
        if self.source not in ("auto", "git", "file") and not Path(self.source).is_file():
            raise CourseUsageError(f"--submitted {self.source}: not git, file, auto, nor a CSV file")
        try:
            self.course = load_course(arguments.course) if arguments.course else None
        except CourseError as error:
            raise CourseUsageError(str(error)) from None
        self.changes: list = []
        self.drawn_raw: set[str] = set()
        try:
            self.gradebook.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CourseUsageError(f"cannot create the gradebook's folder {self.gradebook.parent}: "
                                   f"{error.strerror}") from None

    def start(self, book: Gradebook) -> None:
        book.run = datetime.now(timezone.utc).isoformat(timespec="microseconds")

    def recorded(self, changes: list, submission_id: str, drawn: bool) -> None:
        self.changes.extend(changes)
        if drawn:
            self.drawn_raw.add(submission_id)

    def finish(self, book: Gradebook, ids: set[str]) -> str:
        """Late penalties, pages the adjustments made stale, changes.csv; the overview's sections."""
        from grader.grading.regrade import FILE_NAME as CHANGES, summary_lines, write_changes_csv
        from grader.course.course_report import course_sections
        self._late(book)
        if self.pages:
            self._redraw(book, ids)
        run, latest = book.latest_changes()
        if latest and any(change.id in ids for change in latest):
            write_changes_csv(self.out / CHANGES, run, [change for change in latest if change.id in ids])
        if self.changes and not self.quiet:
            for line in summary_lines(self.changes):
                print(line)
            print(f"  (written to {self.out / CHANGES})")
        groups = self._similar(book, ids)
        return course_sections(book, ids, groups, changes=(run, latest))

    def _similar(self, book: Gradebook, ids: set[str]) -> list:
        """The batch's groups of similar code; each submission's code is read once after it is
        graded, and its normalised shape kept in the gradebook."""
        from grader.course.similarity import given_statements, grouped, shapes_of
        unread = book.unshaped_ids() & ids
        if unread:
            given = given_statements(self.assignment)
            for result in book.results(unread, raw=True):
                book.set_shapes(result.id, shapes_of(result, given))
        rows, writers = book.shape_groups(ids)
        return grouped(rows, writers)

    def _late(self, book: Gradebook) -> None:
        from grader.course.course_file import CourseError
        from grader.course.late import late_penalty, submission_times
        if self.course is None:
            return  # the penalties of the last run with a course file stand
        ids = {submission_id for submission_id, _ in self.notebooks}
        dates = self.course.dates(self.assignment.name)
        if dates is None or dates.due is None and not dates.extensions:
            if not self.quiet:
                print(f"note: {self.course.path} sets no due date for {self.assignment.name}: no late penalty",
                      file=sys.stderr)
            book.set_late({}, ids)
            return
        try:
            times, problems = submission_times(self.notebooks, self.source)
        except CourseError as error:
            raise CourseUsageError(str(error)) from None
        for problem in problems:
            print(f"grader: {problem}", file=sys.stderr)
        penalties = {}
        for submission_id, (moment, source) in times.items():
            penalty = late_penalty(dates, submission_id, moment, source)
            if penalty is not None:
                penalties[submission_id] = penalty
        book.set_late(penalties, ids)

    def _redraw(self, book: Gradebook, ids: set[str]) -> None:
        from grader.grading.adjustments import signature
        from grader.reports.writing import write_submission_page
        drawn = book.drawn()
        for submission_id in self.drawn_raw:
            book.mark_drawn(submission_id, "")
            drawn[submission_id] = ""
        stale = {submission_id for submission_id in ids if drawn.get(submission_id, "")} | {
            submission_id for submission_id in book.adjusted_ids() if submission_id in ids}
        for result in book.results(stale):
            shown = signature(result)
            if drawn.get(result.id, "") != shown:
                try:
                    write_submission_page(self.out, self.assignment, result, overview=True)
                except Exception as error:  # noqa: BLE001  a page that cannot be drawn must not stop the batch
                    print(f"grader: {result.id}: cannot write its page: {type(error).__name__}: {error}",
                          file=sys.stderr)
                    continue
                book.mark_drawn(result.id, shown)


# --------------------------------------------------------------------------- grader adjust


def add_course_parsers(commands) -> None:
    adjust = commands.add_parser(
        "adjust", help="change a function's score by hand, with the reason",
        description="Give one graded function of one submission a score in place of the graded one, "
                    "with the reason; who and when are kept with it in the gradebook. The adjustment "
                    "holds across regrades and shows on the student page, the class overview, "
                    "results.json, grades.csv and every export: the reports in --out are rebuilt at "
                    "once when they are this assignment's (else grader grade again rebuilds them; "
                    "nothing is regraded).")
    adjust.add_argument("id", nargs="?", metavar="ID", help="the submission's id (as in grades.csv)")
    adjust.add_argument("function", nargs="?", metavar="FUNCTION", help="the graded function")
    adjust.add_argument("points", nargs="?", metavar="POINTS", help="the function's score to give")
    adjust.add_argument("--reason", default="", metavar="TEXT", help="why (required with POINTS)")
    adjust.add_argument("--by", metavar="NAME", help="who adjusts (default: your user name)")
    adjust.add_argument("--csv", type=Path, metavar="FILE",
                        help="adjust many: a CSV with columns id, function, points, reason (and by)")
    adjust.add_argument("--remove", action="store_true", help="take the adjustment of ID FUNCTION back")
    adjust.add_argument("--list", action="store_true", help="list the adjustments kept")
    _book_options(adjust)
    adjust.set_defaults(run=_adjust)

    export = commands.add_parser(
        "export", help="write the course's grades for Canvas or Moodle",
        description="Write the grades of every assignment in the gradebook (or those named) as an LMS "
                    "import file: canvas (Canvas's gradebook import CSV, with its Points Possible row) or "
                    "moodle (Moodle's grade import CSV, with a feedback column per assignment). Students "
                    "come from the roster CSV; scores include adjustments and late penalties. Lists the "
                    "submissions the roster does not match and the roster students with no submission.")
    export.add_argument("lms", choices=("canvas", "moodle"), metavar="LMS", help="canvas or moodle")
    export.add_argument("--roster", type=Path, required=True, metavar="CSV",
                        help="the students: a CSV with a row per student (Canvas's own gradebook export works)")
    export.add_argument("--match", metavar="COLUMN",
                        help="the roster column a submission's id (its first part) is matched with "
                             "(default: the first of submission, username, login, SIS Login ID, email)")
    export.add_argument("--to", type=Path, required=True, metavar="FILE", help="the CSV file to write")
    export.add_argument("--course", type=Path, metavar="FILE",
                        help="the course file: each assignment's lms_name names its column")
    export.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="only this assignment (may be repeated; default: all in the gradebook)")
    _book_options(export)
    export.set_defaults(run=_export)


def _book_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR",
                        help="the report folder whose gradebook to use (default: reports/)")
    parser.add_argument("--gradebook", type=Path, metavar="FILE",
                        help="the gradebook file (default: gradebook.sqlite in --out)")
    parser.add_argument("--assignment", metavar="NAME_OR_DIR",
                        help="a bundled assignment's name or an assignment folder (default: the only bundled one)")


def _open_book(arguments) -> Path:
    path = arguments.gradebook or arguments.out / GRADEBOOK
    if not path.is_file():
        raise CourseUsageError(f"{path}: no gradebook there (grade first, or name it with --gradebook)")
    return path


def _adjust(arguments) -> int:
    from grader.grading.adjustments import AdjustmentError, make_override, read_adjustments_csv
    from grader.core.assignment import load_assignment
    path = _open_book(arguments)
    assignment = load_assignment(arguments.assignment)
    from grader.grading.gradebook import Gradebook
    with Gradebook(path, assignment.name) as book:
        if arguments.list:
            for submission_id, overrides in book.overrides().items():
                for o in overrides:
                    print(f"{submission_id}\t{o.function}\t{o.points:g}\t{o.by}\t{o.at}\t{o.reason}")
            return 0
        known = set(book.ids())
        if arguments.remove:
            if not (arguments.id and arguments.function) or arguments.points:
                raise CourseUsageError("--remove takes ID FUNCTION")
            if not book.remove_adjustment(arguments.id, arguments.function):
                raise CourseUsageError(f"no adjustment of {arguments.id} {arguments.function} to remove")
            rebuilt = _rebuild_reports(arguments.out, assignment, book, path)
            print(f"removed the adjustment of {arguments.id} {arguments.function}"
                  + (f"; reports rebuilt in {arguments.out}/" if rebuilt else "; grader grade again rebuilds the reports"))
            return 0
        try:
            if arguments.csv:
                if arguments.id:
                    raise CourseUsageError("give either --csv FILE or ID FUNCTION POINTS, not both")
                overrides = read_adjustments_csv(arguments.csv, assignment)
            elif arguments.points is None:
                raise CourseUsageError("give ID FUNCTION POINTS --reason TEXT (or --csv FILE, --list)")
            else:
                overrides = [make_override(assignment, arguments.id, arguments.function, arguments.points,
                                           arguments.reason, arguments.by)]
        except AdjustmentError as error:
            raise CourseUsageError(str(error)) from None
        unknown = sorted({o.id for o in overrides} - known)
        if unknown:
            raise CourseUsageError(f"not in the gradebook for {assignment.name}: {', '.join(unknown)} "
                                   f"(ids as in grades.csv)")
        for override in overrides:
            book.adjust(override)
            print(f"{override.id} {override.function}: {override.points:g} points ({override.reason}; "
                  f"{override.by}, {override.at})")
        rebuilt = _rebuild_reports(arguments.out, assignment, book, path)
    print(f"kept in the gradebook; {'reports rebuilt in ' + str(arguments.out) + '/' if rebuilt else 'grader grade again rebuilds the reports'} "
          f"(nothing is regraded)")
    return 0


def _rebuild_reports(out: Path, assignment, book: Gradebook, gradebook: Path) -> bool:
    """Rewrite the reports of ``out`` from the gradebook when they are this assignment's: the
    overview, results.json, grades.csv, the formats written there before, and the pages of
    the students whose adjustments changed."""
    import re
    from grader.reports.writing import write_batch_reports
    try:
        with open(out / "results.json", encoding="utf-8") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    named = re.search(r'"assignment":\s*("(?:[^"\\]|\\.)*")', head)
    if named is None or json.loads(named.group(1)) != assignment.name:
        return False
    formats = [name for name, present in (("gradescope", (out / "gradescope").is_dir()),
                                          ("junit", (out / "junit.xml").is_file())) if present]
    pages = any(path.name != "index.html" for path in out.rglob("*.html"))  # a batch drawn with pages
    options = argparse.Namespace(gradebook=gradebook, course=None, submitted="auto", quiet=True, no_pages=not pages)
    ids = set(book.ids())
    sections = CourseRun(options, out, assignment, []).finish(book, ids)
    write_batch_reports(out, assignment, lambda: book.results(ids), formats,
                        by_score=lambda: book.results(ids, by_score=True), course=sections)
    return True


def _export(arguments) -> int:
    from grader.course import lms
    from grader.course.course_file import CourseError, load_course
    path = _open_book(arguments)
    try:
        course = load_course(arguments.course) if arguments.course else None
        rows, match = lms.read_roster(arguments.roster, arguments.match)
    except (CourseError, lms.RosterError) as error:
        raise CourseUsageError(str(error)) from None
    from grader.grading.gradebook import Gradebook
    with Gradebook(path, "") as book:
        assignments = book.assignments()
    unknown = [name for name in arguments.only if name not in assignments]
    if unknown:
        raise CourseUsageError(f"not in {path}: {', '.join(unknown)} (there: {', '.join(assignments) or 'none'})")
    chosen = arguments.only or assignments
    identities = (["ID", "SIS User ID", "SIS Login ID"] if arguments.lms == "canvas"
                  else ["Username", "ID number", "Email address"])
    table = lms.CANVAS_IDENTITY if arguments.lms == "canvas" else lms.MOODLE_IDENTITY
    if not any(lms.has_column(rows, table[name]) for name in identities):
        raise CourseUsageError(f"{arguments.roster}: {arguments.lms} matches students by one of "
                               f"{', '.join(identities)}, and the roster has none of them")
    mapping = lms.map_grades(path, chosen, rows, match)
    columns = lms.columns(chosen, mapping, course)
    (lms.write_canvas if arguments.lms == "canvas" else lms.write_moodle)(arguments.to, mapping, columns)
    for assignment, submission_id in mapping.unmatched:
        print(f"not in the roster: {assignment} {submission_id} (left out)")
    for assignment, student in mapping.missing:
        print(f"no submission: {assignment} {student} (left empty)")
    print(f"wrote {arguments.to}: {len(rows)} student(s), {len(chosen)} assignment(s)")
    return 0
