"""The class overview's course sections: the last regrade's changes, the adjustments and late
penalties, and the groups of similar code side by side."""
from __future__ import annotations

from grader.reports.html import _environment, highlight, page_href
from grader.course.similarity import Group

SHOWN_CHANGES = 200
SHOWN_GROUPS = 60
SIDE_BY_SIDE = 3  # codes shown next to each other per group


class _Pages:
    def __getitem__(self, submission_id: str) -> str:
        return page_href(submission_id)


def course_sections(book, ids: set[str], groups: list[Group], *, changes=None) -> str:
    """The sections as HTML (empty when there is nothing to show). ``changes``: (run, changes)
    of the latest regrade that moved scores, when it concerns this batch."""
    run, moved = changes or ("", [])
    moved = [change for change in moved if change.id in ids]
    adjusted = [(result, adjustment) for result in book.results(ids) if result.adjustments
                for adjustment in result.adjustments]
    shown = groups[:SHOWN_GROUPS]
    wanted = {submission_id for group in shown for submission_id in group.ids[:SIDE_BY_SIDE]}
    sources = {}
    for result in book.results(wanted, raw=True):
        for function in result.functions:
            sources[(result.id, function.name)] = function
    views = []
    for group in shown:
        codes = []
        for submission_id in group.ids[:SIDE_BY_SIDE]:
            function = sources.get((submission_id, group.function))
            if function is not None:
                codes.append((submission_id, highlight(function.source, function.line or 1)))
        views.append({"group": group, "codes": codes})
    if not (moved or adjusted or views):
        return ""
    return _environment().get_template("course.html.j2").render(
        changes=moved[:SHOWN_CHANGES], more_changes=max(0, len(moved) - SHOWN_CHANGES), run=run[:16].replace("T", " ") + " UTC",
        adjusted=adjusted, groups=views, more_groups=max(0, len(groups) - SHOWN_GROUPS), pages=_Pages())
