"""The reports as people read them: the student pages, the class overview and the export formats,
rendered from the sample submissions graded by the real engine, then checked for content, for
what they must never show, against the published structure of each format, and in a browser."""
from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ElementTree
import zlib
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pytest

from conftest import HEADER, RNN_CELL_FORWARD, SUBMISSIONS
from grader.reports.formats import FORMATS, gradescope_document, junit_tree
from grader.grading.submission import grade_notebook
from grader.reports.html import array_html, failure_reason, normalise_message, page_name, render_submission
from grader.feedback.reproduce import reproduce
from grader.reports.writing import parse_formats, write_batch_reports, write_submission_page
from grader.core.results import SubmissionResult

SAMPLES = sorted(SUBMISSIONS.rglob("RNN.ipynb"))  # the RNN assignment's samples
EXPECTED_STATUSES = {  # submissions/README.md
    "seed/RNN": {"rnn_cell_forward": "passed", "rnn_forward": "passed", "lstm_cell_forward": "passed",
                 "lstm_forward": "passed", "rnn_cell_backward": "failed", "rnn_backward": "missing",
                 "lstm_cell_backward": "missing", "lstm_backward": "missing", "initialize_adam": "passed",
                 "update_parameters_with_adam": "failed"},
    "keepdims/RNN": {"rnn_cell_backward": "failed", "lstm_cell_backward": "failed"},
    "correct/RNN": {},
}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def graded(assignment, zygote) -> dict[str, SubmissionResult]:
    results = {}
    for path in SAMPLES:
        submission_id = path.relative_to(SUBMISSIONS).with_suffix("").as_posix()
        results[submission_id] = grade_notebook(zygote, assignment, path, submission_id)
    return results


@pytest.fixture(scope="module")
def invalid_result(assignment, tmp_path_factory) -> SubmissionResult:
    path = tmp_path_factory.mktemp("broken") / "broken.ipynb"
    path.write_text('{"cells": [')
    return SubmissionResult("broken", str(path), "invalid", "not valid JSON: Expecting value at line 1, column 12",
                            0.0, assignment.max_score, graded_at="2024-05-01T10:00:00+00:00")


@pytest.fixture(scope="module")
def reports(graded, invalid_result, assignment, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    results = [*graded.values(), invalid_result]
    for result in results:
        write_submission_page(out, assignment, result, overview=True)
    write_batch_reports(out, assignment, results, tuple(FORMATS))
    return out


def page(reports: Path, submission_id: str) -> str:
    return (reports / page_name(submission_id)).read_text(encoding="utf-8")


class Elements(HTMLParser):
    """Every element with its attributes and the text inside it, for checks on structure."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": []}
        self.elements.append(element)
        if tag not in ("br", "img", "meta", "link", "col", "hr", "input", "path", "circle", "line", "rect"):
            self._open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index]["tag"] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"].append(data)

    def by_id(self, element_id: str) -> dict:
        matches = [e for e in self.elements if e["attrs"].get("id") == element_id]
        assert len(matches) == 1, f"{len(matches)} elements with id {element_id}"
        return matches[0]

    def text(self, element_id: str) -> str:
        return " ".join("".join(self.by_id(element_id)["text"]).split())


# --------------------------------------------------------------------------- the student page


def test_every_function_appears_with_its_status(graded, reports):
    for submission_id, result in graded.items():
        elements = Elements(page(reports, submission_id))
        rows = [e for e in elements.elements if e["tag"] == "tr" and e["attrs"].get("id", "").startswith("g-row-")]
        assert [row["attrs"]["id"][6:] for row in rows] == [f.name for f in result.functions]
        for function in result.functions:
            row = elements.by_id(f"g-row-{function.name}")
            assert row["attrs"]["class"] == f"row-{function.status}"
            text = elements.text(f"g-row-{function.name}")
            assert function.status in text  # the word, not only a colour
            assert f"{function.score:g} / {function.max_score:g}" in text
            if function.status != "passed":
                assert function.name in elements.text(f"g-fn-{function.name}")
        for name, status in EXPECTED_STATUSES.get(submission_id, {}).items():
            assert elements.by_id(f"g-row-{name}")["attrs"]["class"] == f"row-{status}"
    correct = Elements(page(reports, "correct/RNN"))
    assert all(not e["attrs"].get("id", "").startswith("g-fn-") for e in correct.elements)


def test_seed_rnn_cell_backward_failure_shows_the_shapes_of_dba(reports):
    elements = Elements(page(reports, "seed/RNN"))
    section = elements.text("g-fn-rnn_cell_backward")
    assert "dba has shape (5,), but should have shape (5, 1)" in section
    assert "keepdims=True" in section
    first_case = elements.text("g-fn-rnn_cell_backward-case-1")
    assert "public case “notebook”" in first_case
    assert re.search(r"dba shape \(5, 1\) shape \(5,\)", first_case)  # expected, then returned
    assert "dxt[1, 2] = -1.3872131" in first_case and "dxt[1, 2] = -1.0171023" in first_case
    # the reproduction snippet and the student's own code, with the cell it came from
    assert "np.random.seed(1)" in first_case
    assert "rnn_cell_backward(da_next=da_next_tmp, cache=cache_tmp)" in first_case
    assert "print('dba.shape', np.shape(got['dba']), 'expected', (5, 1))" in first_case
    assert "def rnn_cell_backward(da_next, cache):" in section
    assert "Defined in cell 13, line 1" in section and "no # GRADED FUNCTION marker" in section
    # hidden cases say what they are about, with shapes, but no expected value
    hidden = elements.text("g-fn-rnn_cell_backward-case-3")
    assert "hidden case “other sizes”" in hidden and "n_x=4, n_a=7" in hidden
    assert "shape (7, 1)" in hidden and "shape (7,)" in hidden and "value hidden" in hidden
    assert "np.random.seed" not in hidden


def test_the_table_links_to_the_details_and_the_cell_in_the_appendix(reports):
    html = page(reports, "seed/RNN")
    elements = Elements(html)
    start = elements.elements.index(elements.by_id("g-row-rnn_cell_backward"))
    end = next(i for i in range(start + 1, len(elements.elements)) if elements.elements[i]["tag"] == "tr")
    links = [e["attrs"]["href"] for e in elements.elements[start:end] if e["tag"] == "a"]
    assert "#g-fn-rnn_cell_backward" in links and "#g-cell-13" in links
    cell = elements.text("g-cell-13")
    assert "rnn_cell_backward" in cell and "failed" in cell and "def rnn_cell_backward" in cell
    ids = {e["attrs"].get("id") for e in elements.elements}
    for href in {e["attrs"]["href"] for e in elements.elements if e["tag"] == "a"}:
        if href.startswith("#"):
            assert href[1:] in ids, f"dangling link {href}"


def test_hidden_expected_values_never_appear(assignment, graded, reports):
    hidden_numbers = set()
    for function in assignment.functions:
        for case in function.cases:
            if case.hidden:
                hidden_numbers.update(_significant_numbers(case.expected))
    assert len(hidden_numbers) > 500
    outputs = [reports / page_name(submission_id) for submission_id in graded]
    outputs += [reports / "index.html", reports / "results.json", reports / "junit.xml"]
    outputs += list((reports / "gradescope").rglob("*.json"))
    for path in outputs:
        shown = set(re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", path.read_text(encoding="utf-8")))
        leaked = sorted(hidden_numbers & shown)
        assert not leaked, f"{path.name} shows hidden expected values {leaked[:5]}"


def test_the_leak_check_would_catch_a_revealed_hidden_value(assignment, zygote, tmp_path):
    revealing = dataclasses.replace(assignment, reveal_hidden=True)
    result = grade_notebook(zygote, revealing, SUBMISSIONS / "seed" / "RNN.ipynb", "seed")
    html = render_submission(revealing, result, appendix=False)
    case = revealing.function("rnn_cell_backward").cases[1]  # hidden "one example"
    shown = set(re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", html))
    assert case.hidden and shown & _significant_numbers(case.expected)


def _significant_numbers(value) -> set[str]:
    """How a report could print the elements of an expected value (the comparison's %.8g and
    numpy's default), for elements with enough digits not to turn up by chance (saturated
    values such as 0.99999997 turn up in every tanh)."""
    numbers = set()
    if isinstance(value, dict):
        for item in value.values():
            numbers |= _significant_numbers(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            numbers |= _significant_numbers(item)
    elif isinstance(value, (np.ndarray, float, np.floating)):
        for element in np.asarray(value, dtype=float).ravel():
            if not np.isfinite(element) or abs(element) < 1e-3 or abs(abs(element) - 1) < 1e-4:
                continue
            for text in (f"{element:.8g}", np.format_float_positional(element, precision=8, unique=False, trim="-")):
                if len(re.sub(r"\D", "", text).lstrip("0")) >= 6:
                    numbers.add(text)
    return numbers


def test_warnings_are_shown_and_attached_to_their_cell(grade, assignment, tmp_path):
    functions, result = grade([HEADER, RNN_CELL_FORWARD, "def broken(:\n    pass", "x = 1"])
    assert result.warnings and result.warnings[0].startswith("cell 3")
    path = write_submission_page(tmp_path, assignment, result)
    elements = Elements(path.read_text())
    warnings = elements.text("warnings")
    assert "cell 3" in warnings and "does not parse" in warnings
    assert any(e["tag"] == "a" and e["attrs"].get("href") == "#g-cell-3" for e in elements.elements)
    cell = elements.text("g-cell-3")
    assert "does not parse" in cell and "def broken" in cell
    assert "does not parse" not in elements.text("g-cell-4")


def test_a_hostile_notebook_cannot_script_or_fetch_from_the_page(grade, assignment, tmp_path):
    _, result = grade([HEADER, RNN_CELL_FORWARD], name="hostile")
    notebook = nbformat.read(result.path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(
        '<script>alert("md")</script><img src="http://evil.example/x.png" onerror="alert(1)">'
        '<a href="javascript:alert(2)">click</a><iframe src="http://evil.example"></iframe>'
        '<style>body { display: none }</style><div id="g-fn-rnn_cell_forward" onclick="x()">spoof</div>'))
    notebook.cells.append(nbformat.v4.new_code_cell(  # code is highlighted, not sanitized: escaped
        'x = "</pre></div><script>alert(4)</script><img src=http://bad.example/y.png>"\n'
        '# grader-code-0123456789abcdef-0 <iframe src="http://bad.example">'))
    code = notebook.cells[-2]
    code.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": '<script src="https://cdn.example/require.js"></script><b>bold</b>',
        "application/javascript": "alert(3)", "text/plain": "plain"})]
    nbformat.write(notebook, result.path)
    html = render_submission(assignment, result)
    lowered = html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "javascript:" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered and "evil.example" not in lowered
    assert "body { display: none }" not in html and "cdn.example" not in html
    assert "<b>bold</b>" in html and "spoof" in html
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in html and "grader-code-0123456789abcdef-0" in html
    assert "<img src=http://bad.example" not in lowered and "&lt;img src=http://bad.example" in lowered
    assert html.count('id="g-fn-rnn_cell_forward"') == 0  # the student's id is renamed
    csp = Elements(html).elements
    policy = next(e["attrs"]["content"] for e in csp if e["attrs"].get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in policy and "script-src 'none'" in policy


def test_pages_are_self_contained(graded, reports):
    for path in [reports / page_name(i) for i in graded] + [reports / "index.html"]:
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html.replace('href="https://', "")), path
        assert not re.search(r"<link[^>]+stylesheet|@import|url\(\s*['\"]?https?:", html), path
        assert "Content-Security-Policy" in html
        if path.name != "index.html":
            assert "<script" not in html


def test_a_notebook_off_the_schema_that_grades_still_gets_its_appendix(grade, assignment):
    _, result = grade([HEADER, RNN_CELL_FORWARD], name="off-schema")
    document = json.loads(Path(result.path).read_text())
    code = [cell for cell in document["cells"] if cell["cell_type"] == "code"]
    code[0]["execution_count"] = "seven"  # the schema wants an integer or null
    code[-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "printed\n", "extra": 1}]
    Path(result.path).write_text(json.dumps(document))
    html = render_submission(assignment, result)
    assert "could not render" not in html
    assert html.count('id="g-cell-') == len(document["cells"]) and "printed" in html


def test_an_invalid_notebook_gets_a_page_with_the_reason(reports, invalid_result):
    elements = Elements(page(reports, "broken"))
    assert "not valid JSON" in " ".join("".join(e["text"]) for e in elements.elements if e["tag"] == "body")
    index = (reports / "index.html").read_text()
    assert "Invalid notebooks" in index and "not valid JSON" in index and 'href="broken.html"' in index


def test_arrays_are_compact_with_the_worst_element_marked():
    array = np.arange(200.0).reshape(20, 10) / 7
    html = array_html(array, (13, 4))
    assert html.count("<tr") <= 2 + 9 and "⋮" in html
    assert '<td class="worst" title="worst element [13, 4]"><mark>' + f"{array[13, 4]:.5g}" in html
    cube = array_html(np.ones((5, 10, 4)), (4, 6, 1))
    assert "slice [:, :, 1] of shape (5, 10, 4)" in cube and "worst element [4, 6]" in cube
    assert "…" in array_html(np.arange(100.0), (50,))


# --------------------------------------------------------------------------- reproduction snippets


def test_every_public_case_has_a_snippet_that_rebuilds_it_exactly(assignment):
    for function in assignment.functions:
        for case in function.cases:
            if not case.hidden:
                reproduction = reproduce(assignment, function, case)
                assert reproduction.exact and reproduction.code, (function.name, case.name)
                assert "np.random.seed(" in reproduction.code


def test_the_seed_snippet_reproduces_the_failure_in_the_students_notebook(assignment, graded):
    seed = {f.name: f for f in graded["seed/RNN"].functions}
    case_result = seed["rnn_cell_backward"].cases[0]
    function = assignment.function("rnn_cell_backward")
    code = reproduce(assignment, function, function.cases[0], case_result.mismatches).code
    namespace = {"rnn_cell_forward": assignment.reference.rnn_cell_forward}
    exec(HEADER.replace("from rnn_utils import *\nfrom public_tests import *\n", ""), namespace)
    exec(seed["rnn_cell_backward"].source, namespace)  # the student's own code, as in the notebook
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, namespace)
    lines = printed.getvalue().splitlines()
    assert lines[0].startswith("dxt[1, 2] -1.017102") and lines[0].endswith("expected -1.3872131")
    assert lines[-1] == "dba.shape (5,) expected (5, 1)"


# --------------------------------------------------------------------------- the class overview


def test_the_overview_summarises_the_class(graded, reports, invalid_result):
    html = (reports / "index.html").read_text(encoding="utf-8")
    elements = Elements(html)
    body = " ".join(" ".join("".join(e["text"]).split()) for e in elements.elements if e["tag"] == "body")
    scores = [r.score for r in graded.values()]
    assert f"{len(graded) + 1} submissions" in body and "1 invalid" in body
    assert f"{np.mean(scores):.1f}" in body and f"{np.median(scores):.1f}" in body
    svg = [e for e in elements.elements if e["tag"] == "svg" and e["attrs"].get("role") == "img"]
    assert len(svg) == 1 and len([e for e in elements.elements if e["tag"] == "rect"]) == 10
    # rows: every submission once in the default table, pre-sorted by id, linking to its page
    table = elements.by_id("submissions")
    start = elements.elements.index(table)
    rows = [e for e in elements.elements[start:] if e["tag"] == "tr" and "data-id" in e["attrs"]]
    ids = [row["attrs"]["data-id"] for row in rows[:len(graded) + 1]]
    assert ids == sorted([*graded, "broken"])
    for submission_id in graded:
        assert f'href="{page_name(submission_id)}"' in html
    assert "pass rate" in body.lower() and "100% 8/8" in body  # lstm_cell_forward
    assert "Where the class struggles" in body


def test_the_overview_streamed_from_the_gradebook_is_the_one_made_in_memory(assignment, graded, invalid_result,
                                                                           reports, tmp_path):
    # a class as the gradebook holds it: in random order, twice over (ids differ), with the
    # invalid notebook; the overview is then made in passes over it, by id and by score in SQL
    from grader.grading.gradebook import Gradebook, Key
    results = [*graded.values(), invalid_result]
    copies = [dataclasses.replace(r, id=f"{r.id}-again") for r in results]
    everyone = results + copies
    rng = np.random.default_rng(1)
    with Gradebook(tmp_path / "gradebook.sqlite", assignment.name) as book:
        for index in rng.permutation(len(everyone)):
            book.record(everyone[index], Key("hash", assignment.fingerprint))
        book.record(dataclasses.replace(results[0], id="not-in-this-batch"), Key("hash", "other"))
        ids = {r.id for r in everyone}
        streamed = tmp_path / "streamed"
        write_batch_reports(streamed, assignment, lambda: book.results(ids), by_score=lambda: book.results(ids, by_score=True))
    held = tmp_path / "held"
    write_batch_reports(held, assignment, everyone)
    html = (streamed / "index.html").read_text(encoding="utf-8")
    assert html == (held / "index.html").read_text(encoding="utf-8")
    assert "not-in-this-batch" not in html
    by_score = html[html.index('id="by-score"'):html.index('id="by-id"')]
    order = re.findall(r'<tr data-id="([^"]+)" data-score="([-\d.]+)"', by_score)
    assert order[0][0] in ("broken", "broken-again") and len(order) == len(everyone)
    assert [float(score) for _, score in order] == sorted(float(score) for _, score in order)
    documents = [json.loads((folder / "results.json").read_text()) for folder in (streamed, held)]
    for document in documents:
        document.pop("generated_at")  # the clock may tick between the two
    assert documents[0] == documents[1]


def test_failure_messages_group_across_students(graded):
    keepdims = {f.name: f for f in graded["keepdims/RNN"].functions}
    reason = failure_reason(keepdims["rnn_cell_backward"])
    assert reason.startswith("hint: dba has the right values but shape (5,) where (5, 1) is expected")
    lstm = failure_reason(keepdims["lstm_cell_backward"])
    assert lstm.startswith("hint: dbf, dbi, dbc and dbo have the right values but shape (5,)")
    assert normalise_message("a has shape (5, 10, 4) in cell 9") == normalise_message("a has shape (7, 8, 13) in cell 9")
    assert normalise_message("parameters[\"W1\"]: wrong values") == 'parameters["W1"]: wrong values'
    seed = {f.name: f for f in graded["seed/RNN"].functions}
    assert failure_reason(seed["update_parameters_with_adam"]).startswith("hint: epsilon is inside the square root")
    assert failure_reason(seed["rnn_backward"]) == "not defined in the notebook"


# --------------------------------------------------------------------------- export formats


def test_results_json_keeps_the_design_contract(graded, reports):
    document = json.loads((reports / "results.json").read_text())
    assert document["assignment"] == "rnn_step_by_step"
    by_id = {s["id"]: s for s in document["submissions"]}
    assert set(by_id) == {*graded, "broken"}
    for submission in document["submissions"]:
        assert {"id", "path", "status", "error", "score", "max_score", "functions"} <= set(submission)
        for function in submission["functions"]:
            assert {"name", "status", "score", "max_score", "message", "cases"} <= set(function)
            for case in function["cases"]:
                assert {"name", "status", "message"} <= set(case)
    assert by_id["broken"]["status"] == "invalid" and by_id["broken"]["error"]


def test_grades_csv_has_a_row_per_submission_and_a_column_per_function(assignment, graded, reports):
    with open(reports / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == sorted([*graded, "broken"])
    assert set(assignment.graded_names) <= set(rows[0])
    seed = next(row for row in rows if row["id"] == "seed/RNN")
    assert float(seed["score"]) == 55.0 and float(seed["rnn_cell_forward"]) == 10.0


GRADESCOPE_SCHEMA = {  # https://gradescope-autograders.readthedocs.io/en/latest/specs/
    "type": "object",
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"},
        "output": {"type": "string"}, "output_format": {"$ref": "#/$defs/format"},
        "test_output_format": {"$ref": "#/$defs/format"}, "test_name_format": {"$ref": "#/$defs/format"},
        "visibility": {"$ref": "#/$defs/visibility"}, "stdout_visibility": {"$ref": "#/$defs/visibility"},
        "extra_data": {"type": "object"}, "leaderboard": {"type": "array"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                "name_format": {"$ref": "#/$defs/format"}, "number": {"type": "string"},
                "output": {"type": "string"}, "output_format": {"$ref": "#/$defs/format"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": {"$ref": "#/$defs/visibility"}, "extra_data": {"type": "object"}},
            "additionalProperties": False}},
    },
    "additionalProperties": False,
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
    "$defs": {"format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
              "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]}},
}


def test_gradescope_results_follow_the_published_format(assignment, graded, reports, invalid_result):
    jsonschema = pytest.importorskip("jsonschema")
    files = sorted((reports / "gradescope").rglob("*.json"))
    assert len(files) == len(graded) + 1
    for result in [*graded.values(), invalid_result]:
        document = json.loads((reports / "gradescope" / f"{result.id}.json").read_text())
        jsonschema.validate(document, GRADESCOPE_SCHEMA)
        assert document["score"] == pytest.approx(result.score)
        tests = document["tests"]
        assert len(tests) == sum(len(f.cases) for f in assignment.functions)
        assert sum(test["max_score"] for test in tests) == pytest.approx(assignment.max_score)
        assert sum(test["score"] for test in tests) == pytest.approx(result.score, abs=1e-3)
        for function in assignment.functions:
            for case in function.cases:
                test = next(t for t in tests if t["name"] == f"{function.name}: {case.name} ({case.visibility})")
                assert test["visibility"] == ("after_published" if case.hidden else "visible")
    seed = gradescope_document(assignment, graded["seed/RNN"])
    failing = next(t for t in seed["tests"] if t["name"] == "rnn_cell_backward: notebook (public)")
    assert failing["status"] == "failed" and "dba has shape (5,)" in failing["output"]


JUNIT_SCHEMA = {
    # the subset of Jenkins' junit-10.xsd (github.com/jenkinsci/xunit-plugin, junit-10.xsd) that CI
    # servers read: element -> (attributes: type, required attributes, content model in order)
    "testsuites": ({"name": "string", "time": "time", "tests": "int", "failures": "int",
                    "disabled": "int", "errors": "int"}, set(), [("testsuite", 0, None)]),
    "testsuite": ({"name": "string", "tests": "int", "failures": "int", "errors": "int", "time": "time",
                   "disabled": "int", "skipped": "int", "timestamp": "timestamp", "hostname": "string",
                   "id": "string", "package": "string", "file": "string", "log": "string", "url": "string",
                   "version": "string"}, {"name", "tests"},
                  [("properties", 0, 1), ("testcase", 0, None), ("system-out", 0, 1), ("system-err", 0, 1)]),
    "properties": ({}, set(), [("property", 1, None)]),
    "property": ({"name": "string", "value": "string"}, {"name", "value"}, []),
    "testcase": ({"name": "string", "assertions": "string", "time": "string", "classname": "string",
                  "status": "string"}, {"name"},
                 [("skipped", 0, 1), ("error", 0, None), ("failure", 0, None), ("system-out", 0, None),
                  ("system-err", 0, None)]),
    "skipped": ({"message": "string"}, set(), "text"),
    "error": ({"message": "string", "type": "string"}, set(), "text"),
    "failure": ({"message": "string", "type": "string"}, set(), "text"),
    "system-out": ({}, set(), "text"),
    "system-err": ({}, set(), "text"),
}
_TYPES = {"string": r".*", "int": r"-?\d+", "time": r"\d*(\.\d{0,3})?",
          "timestamp": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"}


def validate_junit(element: ElementTree.Element) -> None:
    assert element.tag in JUNIT_SCHEMA, f"unknown element <{element.tag}>"
    attributes, required, content = JUNIT_SCHEMA[element.tag]
    assert set(element.attrib) <= set(attributes), f"<{element.tag}> {set(element.attrib) - set(attributes)}"
    assert required <= set(element.attrib), f"<{element.tag}> lacks {required - set(element.attrib)}"
    for name, value in element.attrib.items():
        assert re.fullmatch(_TYPES[attributes[name]], value, re.DOTALL), f"<{element.tag} {name}={value!r}>"
    children = list(element)
    if content == "text":
        assert not children, f"<{element.tag}> holds elements"
        return
    assert not (element.text or "").strip(), f"<{element.tag}> holds text"
    position = 0
    for particle, low, high in content:
        count = 0
        while position < len(children) and children[position].tag == particle:
            validate_junit(children[position])
            position, count = position + 1, count + 1
        assert count >= low and (high is None or count <= high), f"<{element.tag}>: {count} <{particle}>"
    assert position == len(children), f"<{element.tag}>: <{children[position].tag}> out of place"


def test_junit_xml_follows_the_published_structure(assignment, graded, reports):
    root = ElementTree.parse(reports / "junit.xml").getroot()
    validate_junit(root)
    suites = root.findall("testsuite")
    assert [suite.get("name") for suite in suites] == sorted([*graded, "broken"])
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("errors")) == len(suite.findall("testcase/error"))
        if suite.get("name") != "broken":
            result = graded[suite.get("name")]
            assert [case.get("name") for case in cases] == [f.name for f in result.functions]
            for case, function in zip(cases, result.functions):
                problem = case.find("failure") if case.find("failure") is not None else case.find("error")
                if function.status == "passed":
                    assert problem is None
                else:
                    assert problem.get("type") == function.status
                    assert problem.get("message") == " ".join(function.message.split())
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites)
    seed = next(s for s in suites if s.get("name") == "seed/RNN")
    failure = seed.find("testcase[@name='rnn_cell_backward']/failure")
    assert "dba has shape (5,)" in failure.get("message") and "public case 'notebook'" in failure.text
    broken = next(s for s in suites if s.get("name") == "broken")
    assert broken.find("testcase/error").get("type") == "invalid"


def test_junit_is_written_a_suite_at_a_time_as_the_whole_tree_would_be(assignment, graded, invalid_result,
                                                                        tmp_path):
    from grader.reports.formats import write_junit_xml
    results = [*graded.values(), invalid_result]
    tree = junit_tree(assignment, results)
    ElementTree.indent(tree, space=" ")
    whole = io.BytesIO()
    tree.write(whole, encoding="utf-8", xml_declaration=True)
    shuffled = [results[i] for i in np.random.default_rng(2).permutation(len(results))]
    write_junit_xml(tmp_path / "listed.xml", assignment, shuffled)
    streamed = sorted(results, key=lambda r: r.id)
    write_junit_xml(tmp_path / "streamed.xml", assignment, lambda: iter(streamed))
    assert (tmp_path / "listed.xml").read_bytes() == whole.getvalue()
    assert (tmp_path / "streamed.xml").read_bytes() == whole.getvalue()
    validate_junit(ElementTree.parse(tmp_path / "streamed.xml").getroot())


def test_junit_survives_control_characters_in_messages(assignment, invalid_result):
    odd = dataclasses.replace(invalid_result, error="bad \x00 byte \x1b[31m")
    text = ElementTree.tostring(junit_tree(assignment, [odd]).getroot(), encoding="unicode")
    ElementTree.fromstring(text)


def test_format_names(tmp_path, assignment, invalid_result):
    assert set(FORMATS) == {"gradescope", "junit"} and all(FORMATS.values())
    assert parse_formats(["junit,gradescope", "junit"]) == ("junit", "gradescope")
    with pytest.raises(ValueError, match="unknown format"):
        parse_formats(["csv2"])
    written = write_batch_reports(tmp_path, assignment, [invalid_result], ("junit",), pages=True)
    assert {p.name for p in written} == {"broken.html", "results.json", "grades.csv", "index.html", "junit.xml"}
    assert not (tmp_path / "gradescope").exists()
    assert page_name("index") != "index.html"
    report = write_submission_page(tmp_path / "elsewhere", assignment, invalid_result, filename="my.report.html")
    assert report == tmp_path / "elsewhere" / "my.report.html" and "Class overview" not in report.read_text()


# --------------------------------------------------------------------------- in a real browser


def find_chromium() -> str | None:
    for name in (os.environ.get("GRADER_CHROMIUM"), "chromium", "chromium-browser", "google-chrome",
                 "google-chrome-stable"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def open_in_chromium(chromium: str, url: str, tmp_path: Path, width: int, height: int):
    """(dumped DOM, console messages, screenshot path) for ``url`` in headless Chromium."""
    screenshot = tmp_path / f"shot-{width}.png"
    run = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         f"--window-size={width},{height}", f"--screenshot={screenshot}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return run.stdout, console, screenshot


def ink(path: Path) -> float:
    """The share of image bytes that differ from their neighbour to the left or above: zero for a
    blank (single-colour) screenshot, a few percent for a page of text. Read straight from the
    PNG's filtered scanlines (zlib), so no imaging library is needed."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    position, compressed, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    stride = width * (4 if colour == 6 else 3) + 1
    raw = zlib.decompress(compressed)
    rows = [raw[y * stride + 1:(y + 1) * stride] for y in range(1, height)]  # the first has no row above
    return sum(len(row) - row.count(0) for row in rows) / (len(rows) * (stride - 1))


@pytest.fixture(scope="module")
def chromium():
    found = find_chromium()
    if found is None:
        pytest.skip("no Chromium found (install Debian's `chromium` package, or set GRADER_CHROMIUM "
                    "to a Chromium or Chrome executable): the browser checks cannot run")
    return found


@pytest.mark.parametrize("submission_id", ["seed/RNN", "hardcoded_sizes/RNN", "correct/RNN", "broken", None])
def test_pages_render_in_chromium_without_console_errors(chromium, reports, graded, tmp_path, submission_id):
    path = reports / ("index.html" if submission_id is None else page_name(submission_id))
    for width, height in ((1200, 900), (380, 800)):  # a desktop window and a phone
        dom, console, screenshot = open_in_chromium(chromium, path.as_uri(), tmp_path, width, height)
        assert not console, "\n".join(console)
        assert ink(screenshot) > 0.005, f"{path.name} looks blank at {width}px"
        if submission_id is None:
            assert 'class="submissions scripted"' in dom  # the sort script ran under the CSP
            assert dom.count('class="sort"') == 2 + len(graded["seed/RNN"].functions)
        elif submission_id != "broken":
            for function in graded[submission_id].functions:
                assert f'id="g-row-{function.name}"' in dom


def test_function_code_drawn_from_its_cells_tokens_is_the_code_lexed_alone(graded):
    """The page formats a function's code from the tokens the appendix lexed for its cell:
    numbering, marked lines and multi-line strings must come out as when lexed on its own."""
    from grader.core.extract import extract
    from grader.reports.highlighting import _lines, code_html
    from grader.core.notebook import load_notebook

    notebook = load_notebook(SUBMISSIONS / "seed" / "RNN.ipynb")
    cells = {cell.number: cell.source for cell in notebook.cells}
    shared = 0
    for definition in extract(notebook).functions.values():
        cell, line = cells[definition.cell], definition.line
        marked = (line + 2, line + 5)
        alone = code_html(definition.source, line, marked)
        assert code_html(definition.source, line, marked, cell) == alone
        shared += _lines(cell, line, definition.source) is not None
    assert shared >= 7
    cell = '\n\n# a comment\n@decorated\ndef f(x):\n    """Two\n    lines"""\n    return x\n\nprint(f(1))\n'
    source = '@decorated\ndef f(x):\n    """Two\n    lines"""\n    return x\n'
    assert _lines(cell, 4, source) is not None
    assert code_html(source, 4, (6,), cell) == code_html(source, 4, (6,))
    assert 'class="hll"' in code_html(source, 4, (6,), cell)
    # a cell that does not hold the code there (a magic rewritten): lexed on its own
    assert _lines("%time\n" + cell, 4, source) is None
    assert code_html(source, 4, (), "%time\n" + cell) == code_html(source, 4, ())
