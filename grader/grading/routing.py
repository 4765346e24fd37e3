"""Which bundled assignment a notebook is for, when ``--assignment`` is left out and more than one
is bundled.

A notebook belongs to the bundled assignment whose graded functions it defines most (a ``def``
of the name anywhere in its text; nothing is run or even parsed as a notebook). A notebook that
defines no graded function of any assignment, or as many of two, belongs to none: ``grade``
puts it with the largest group of the batch (where an unreadable file is still listed as
invalid), ``check`` and ``ci`` ask for ``--assignment``. Only the specs are read, so choosing
costs no loading of references or cases.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from functools import lru_cache
from pathlib import Path

from grader.core.assignment import SPEC_FILE, bundled_assignments, bundled_directory
from grader.core.notebook import InvalidNotebook, read_notebook_bytes

_DEF = re.compile(rb"\bdef\s+([A-Za-z_]\w*)\s*\(")


@lru_cache(maxsize=1)
def graded_names() -> dict[str, frozenset[str]]:
    """Each bundled assignment's graded function names, from its spec alone."""
    found = {}
    for name in bundled_assignments():
        try:
            spec = tomllib.loads((bundled_directory() / name / SPEC_FILE).read_text())
            found[name] = frozenset(str(entry.get("name")) for entry in spec.get("functions", [])
                                    if isinstance(entry, dict))
        except (OSError, tomllib.TOMLDecodeError):
            found[name] = frozenset()  # loading it later says what is wrong
    return found


def several_bundled() -> bool:
    return len(bundled_assignments()) > 1


def assignment_for(path) -> str | None:
    """The bundled assignment the notebook at ``path`` defines most graded functions of; None
    when it defines none, or ties."""
    try:  # a regular file only: a link, or a pipe behind one, belongs to no assignment
        return assignment_of(read_notebook_bytes(path))
    except InvalidNotebook:
        return None


def assignment_of(data: bytes | None) -> str | None:
    """``assignment_for`` a notebook's bytes (None: a file that could not be read)."""
    if data is None:
        return None
    defined = {match.decode() for match in _DEF.findall(data)}
    counts = sorted(((len(names & defined), name) for name, names in graded_names().items()), reverse=True)
    if not counts or counts[0][0] == 0 or (len(counts) > 1 and counts[1][0] == counts[0][0]):
        return None
    return counts[0][1]


def group_notebooks(notebooks: list[tuple[str, str]],
                    hashes: dict[str, str] | None = None) -> dict[str, list[tuple[str, str]]]:
    """{assignment: its (id, path) pairs}, in the batch's order; notebooks that belong to none
    join the largest group (the first bundled assignment when no notebook belongs anywhere).
    ``hashes`` receives path -> content hash of each notebook read (its gradebook key), so that
    those the gradebook holds unchanged are not read again."""
    groups: dict[str, list] = {}
    unplaced = []
    for item in notebooks:
        try:
            data = read_notebook_bytes(item[1])
        except InvalidNotebook:
            data = None
        if data is not None and hashes is not None:
            hashes[item[1]] = hashlib.sha256(data).hexdigest()
        name = assignment_of(data)
        if name is None:
            unplaced.append(item)
        else:
            groups.setdefault(name, []).append(item)
    if unplaced:
        largest = max(groups, key=lambda name: len(groups[name])) if groups else bundled_assignments()[0]
        groups.setdefault(largest, []).extend(unplaced)
        order = {item: index for index, item in enumerate(notebooks)}
        groups[largest].sort(key=order.__getitem__)
    return dict(sorted(groups.items()))


def write_index(out, titles: dict[str, str]) -> None:
    """``out/index.html``: a page that links to each assignment's class overview below it
    (``titles``: assignment name -> its title)."""
    from grader.reports.export import written_atomically
    from grader.reports.html import render_assignments_index

    with written_atomically(Path(out) / "index.html") as handle:
        handle.write(render_assignments_index(titles))
