"""Render: one self-contained HTML page per submission and the class overview.

Pages carry their CSS inline, load nothing from the network (a Content-Security-Policy says so
to the browser too) and need no script: the overview's sort script only enhances a table that
is already sorted, with a second ordering reachable by a plain link. Templates get plain view
data built in Python, so what a page shows is decided in Python and tested there.

Each idea has its module: ``grader.reports.page_parts`` (what every page shares), ``grader.reports.student_page``,
``grader.reports.array_view`` and ``grader.reports.class_overview``; this one names what callers use.
"""
from __future__ import annotations

from grader.reports.array_view import array_html, expected_value
from grader.reports.class_overview import (failure_reason, normalise_message, render_assignments_index, render_index,
                                   score_order)
from grader.reports.page_parts import (ICON_REFS, ICON_SYMBOLS, ICONS, STATUS_WORDS, SVG_ICONS, _environment, highlight,
                               page_href, page_name, prose)
from grader.reports.student_page import CaseView, FunctionView, MismatchView, render_submission, warning_cell, why

__all__ = ["ICONS", "ICON_REFS", "ICON_SYMBOLS", "STATUS_WORDS", "SVG_ICONS", "CaseView", "FunctionView",
           "MismatchView", "_environment", "array_html", "expected_value", "failure_reason", "highlight",
           "normalise_message", "page_href", "page_name", "prose", "render_assignments_index", "render_index",
           "render_submission", "score_order", "warning_cell", "why"]
