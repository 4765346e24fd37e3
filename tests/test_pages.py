"""Student pages drawn with the cells the class shares kept from page to page: every page is the
page drawn from scratch, byte for byte; a cell is reused only when it is the same cell, and what
is reused was sanitized."""
from __future__ import annotations

import shutil

import nbformat
import pytest

import grader.reports.appendix
from conftest import SUBMISSIONS
from grader.reports.appendix import forget, render_appendix
from grader.core.assignment import load_assignment
from grader.execution.environment import zygote_for
from grader.grading.submission import grade_notebook
from grader.reports.html import render_submission

ATTACKS = SUBMISSIONS.parent / "tests" / "attacks"


@pytest.fixture
def fresh_cells():
    """No cell kept from another test, as in a worker that just started."""
    forget()
    yield
    forget()


@pytest.fixture(scope="module")
def class_results(assignment, zygote, sandbox):
    """Every sample submission of both assignments and two attack notebooks, graded."""
    pages = []
    for path in sorted(SUBMISSIONS.rglob("RNN.ipynb")) + [ATTACKS / "prints_megabytes.ipynb",
                                                          ATTACKS / "prints_fake_results.ipynb"]:
        pages.append((assignment, grade_notebook(zygote, assignment, path, path.parent.name)))
    conv = load_assignment("conv_step_by_step")
    with zygote_for(conv, sandbox) as server:
        for path in sorted(SUBMISSIONS.glob("conv_*/*.ipynb")):
            pages.append((conv, grade_notebook(server, conv, path, path.parent.name)))
    return pages


def drawn_from_scratch(assignment, result) -> str:
    forget()
    return render_submission(assignment, result)


def test_every_page_is_the_page_drawn_from_scratch(class_results, fresh_cells):
    assert len(class_results) >= 17
    # in class order, then again backwards: the second time nearly every cell is one kept
    first = [render_submission(assignment, result) for assignment, result in class_results]
    again = [render_submission(assignment, result) for assignment, result in reversed(class_results)][::-1]
    kept = len(grader.reports.appendix._CELLS)
    alone = [drawn_from_scratch(assignment, result) for assignment, result in class_results]
    assert kept > 50  # the course's cells were shared
    for (_, result), page, page_again, page_alone in zip(class_results, first, again, alone):
        assert "could not render" not in page_alone, result.id
        assert page == page_alone, result.id
        assert page_again == page_alone, result.id


def test_a_cell_one_character_apart_is_drawn_from_its_own_text(tmp_path, fresh_cells):
    course = nbformat.read(SUBMISSIONS / "correct" / "RNN.ipynb", as_version=4)
    markdown = next(index for index, cell in enumerate(course.cells) if cell.cell_type == "markdown")
    code = next(index for index, cell in enumerate(course.cells)
                if cell.cell_type == "code" and cell.outputs and "print" in cell.source)
    first = tmp_path / "first.ipynb"
    nbformat.write(course, first)
    render_appendix(first)
    shown = render_appendix(first)  # drawn twice: its cells are kept
    assert len(grader.reports.appendix._CELLS) >= len(course.cells) - 1
    second = nbformat.read(first, as_version=4)
    second.cells[markdown].source += " Zyx"
    second.cells[code].source += "\n# Zyw"
    second.cells[code].outputs[0]["text"] = second.cells[code].outputs[0]["text"].replace("=", ":", 1)
    path = tmp_path / "second.ipynb"
    nbformat.write(second, path)
    cells = {cell.number: cell.html for cell in render_appendix(path).cells}
    before = {cell.number: cell.html for cell in shown.cells}
    assert "Zyx" in cells[markdown + 1] and "Zyx" not in before[markdown + 1]
    assert "Zyw" in cells[code + 1] and "Zyw" not in before[code + 1]
    fresh = render_appendix(path, cache=False)
    assert cells == {cell.number: cell.html for cell in fresh.cells}
    # one character of output only: the cell is drawn again, not taken from the first student
    third = nbformat.read(first, as_version=4)
    third.cells[code].outputs[0]["text"] += "!"
    nbformat.write(third, path)
    cells = {cell.number: cell.html for cell in render_appendix(path).cells}
    assert cells[code + 1] != before[code + 1] and "!" in cells[code + 1]


def test_a_cell_kept_from_a_page_is_kept_sanitized(tmp_path, fresh_cells):
    hostile = nbformat.read(SUBMISSIONS / "correct" / "RNN.ipynb", as_version=4)
    hostile.cells.insert(1, nbformat.v4.new_markdown_cell(
        '<script>alert("md")</script><img src="http://evil.example/x.png" onerror="alert(1)">'
        '<iframe src="http://evil.example"></iframe><b>bold</b>'))
    hostile.cells.insert(2, nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "<script>alert(3)</script><i>italic</i>", "text/plain": "x"})]))
    pages, kept = [], []
    for name in ("alice", "bob", "carol"):
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(hostile, path)
        pages.append("".join(cell.html for cell in render_appendix(path).cells))
        kept.append(len(grader.reports.appendix._CELLS))
    # a cell is kept the second time it is drawn: carol's cells all come from those kept
    assert kept[0] == 0 and kept[1] >= len(hostile.cells) - 1 and kept[2] == kept[1]
    for html in pages:
        lowered = html.lower()
        assert "<script" not in lowered and "<iframe" not in lowered and "evil.example" not in lowered
        assert "onerror" not in lowered and "<b>bold</b>" in html and "<i>italic</i>" in html
    assert pages[0] == pages[1] == pages[2]


def test_an_attack_notebook_gets_the_same_appendix_twice(tmp_path, fresh_cells):
    for name in ("prints_megabytes", "huge_hex_constant"):
        path = tmp_path / f"{name}.ipynb"
        shutil.copyfile(ATTACKS / f"{name}.ipynb", path)
        drawn = [render_appendix(path) for _ in range(3)]  # the third from the cells kept
        assert drawn[0] == drawn[1] == drawn[2] == render_appendix(path, cache=False) and not drawn[0].error
