"""The code regions of a solution cell: the course's ``### START CODE HERE ###`` ...
``### END CODE HERE ###`` (and its later ``# YOUR CODE STARTS HERE``), and nbgrader's and Otter's
``### BEGIN SOLUTION`` ... ``### END SOLUTION``. A release empties them; leak checks read them.
"""
from __future__ import annotations

import re

from grader.core.assignment import AssignmentError

# the course's regions (### START CODE HERE ###, and its later # YOUR CODE STARTS HERE), and
# nbgrader's and Otter's (### BEGIN SOLUTION / # BEGIN SOLUTION)
START = re.compile(r"^\s*(?:###\s*START CODE HERE\s*###|#\s*YOUR CODE STARTS HERE\b|#{1,3}\s*BEGIN SOLUTION\b)")
END = re.compile(r"^\s*(?:###\s*END CODE HERE\s*###|#\s*YOUR CODE ENDS HERE\b|#{1,3}\s*END SOLUTION\b)")


class ReleaseError(AssignmentError):
    """The release cannot be made, or would give the solution away; the message says where."""


def code_regions(lines: list[str], where: str) -> list[tuple[int, int]]:
    """(start marker, end marker) line indices of each code region."""
    regions, start = [], None
    for number, line in enumerate(lines):
        if START.match(line):
            if start is not None:
                raise ReleaseError(f"{where}, line {number + 1}: START CODE HERE inside another region "
                                   f"(line {start + 1} has no END CODE HERE)")
            start = number
        elif END.match(line):
            if start is None:
                raise ReleaseError(f"{where}, line {number + 1}: END CODE HERE without a START CODE HERE")
            regions.append((start, number))
            start = None
    if start is not None:
        raise ReleaseError(f"{where}, line {start + 1}: START CODE HERE without an END CODE HERE")
    return regions
