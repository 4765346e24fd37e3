"""The files a submission's reports are written to inside the output folder, named from its id.

An id mirrors the notebook's path below the folder given (``alice/RNN``), and so does its page
(``alice/RNN.html``). Student file names must not be able to make two submissions share a file,
or a submission take the place of the batch's own files (``index.html``, ``results.json``,
``grades.csv``, the gradebook): ``output_name`` is one-to-one and never gives those names.

* The last part of an id gets the report's suffix (``.html``; ``.json`` for Gradescope). Where
  that would be the class overview (``index``, in any case, as case-insensitive file systems
  see it) it gets ``-submission``, and so does a name already ending in ``-submission``
  (so ``index`` and ``index-submission`` keep apart).
* A folder part never ends like a file the grader writes (``.html``, ``.json``, ``.tmp``), and at
  the top never takes the name of one of the batch's files: such a folder part gets ``-folder``,
  as does one already ending in ``-folder``.

Each rule adds its ending only to names that would collide or that already end with it, so
two different ids never meet.
"""
from __future__ import annotations

_PAGE_ENDING = "-submission"
_FOLDER_ENDING = "-folder"
_RESERVED_PAGES = frozenset({"index"})
_FILE_SUFFIXES = (".html", ".json", ".tmp", ".csv", ".xml")
# the batch's own files and folders at the top of the output folder (and their journals)
_RESERVED_TOP = frozenset({"index.html", "results.json", "grades.csv", "junit.xml", "gradescope",
                           "gradebook.sqlite", "gradebook.sqlite-wal", "gradebook.sqlite-shm",
                           "gradebook.sqlite-journal"})


def output_name(submission_id: str, suffix: str = ".html") -> str:
    """The relative path (``/``-separated) of the submission's report file with ``suffix``."""
    *folders, last = submission_id.split("/")
    parts = [_folder(part, top=index == 0) for index, part in enumerate(folders)]
    return "/".join(parts + [_file(last, top=not folders) + suffix])


def _file(name: str, top: bool) -> str:
    lowered = name.casefold()
    if lowered.endswith(_PAGE_ENDING) or (top and lowered in _RESERVED_PAGES) or not name:
        return name + _PAGE_ENDING
    return name


def _folder(name: str, top: bool) -> str:
    lowered = name.casefold()
    if (lowered.endswith(_FOLDER_ENDING) or lowered.endswith(_FILE_SUFFIXES) or not name
            or name in (".", "..") or (top and lowered in _RESERVED_TOP)):
        return name + _FOLDER_ENDING
    return name
