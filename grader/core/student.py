"""What a student may run before handing in: the assignment with its public cases only.

``grader check`` and ``check()`` in a notebook grade against this view. Hidden cases stay for
the real grading unless the assignment's spec lets students run them too:

* ``reveal_hidden = true``: hidden cases run, and their values are shown like public ones;
* ``check_runs_hidden = true``: hidden cases run and count, shown as hidden, without values
  (what the comparison already does for a hidden case when ``reveal_hidden`` is off).

A graded function with no public case keeps its cases (shown without values): a student is
never told "nothing to check" about a function that will be graded.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from grader.runtime import codec
from grader.core.assignment import Assignment, GradedFunction, _kept_outputs

RUN_HIDDEN_KEY = "check_runs_hidden"


@dataclass(frozen=True)
class StudentView:
    assignment: Assignment  # the cases a student's check runs
    hidden_run: bool  # hidden cases run (the spec allows it)
    left_out: dict  # function name -> hidden cases not run here (they run when it is graded)

    @property
    def hidden_left_out(self) -> int:
        return sum(self.left_out.values())

    @property
    def scope(self) -> str:
        return self.scope_for()

    def scope_for(self, names=None) -> str:
        """One sentence on which cases were run, for the end of a report ('' when all ran);
        ``names``: only those functions were checked."""
        count = sum(n for name, n in self.left_out.items() if names is None or name in names)
        if not count:
            return ""
        cases = "case" if count == 1 else "cases"
        return (f"Checked on the public cases only: {count} hidden {cases} (other sizes, edge "
                f"cases) run when your work is graded.")


def students_run_hidden(assignment: Assignment) -> bool:
    """Whether the spec lets students run the hidden cases (``reveal_hidden`` or
    ``check_runs_hidden``, read when the assignment loads)."""
    return assignment.reveal_hidden or assignment.check_runs_hidden


def student_view(assignment: Assignment, hidden: bool | None = None) -> StudentView:
    """The assignment as a student's check runs it. ``hidden`` overrides the spec (True runs
    every case, False public cases only)."""
    run_hidden = students_run_hidden(assignment) if hidden is None else hidden
    if run_hidden:
        return StudentView(assignment, True, {})
    functions = []
    left_out: dict[str, int] = {}
    for function in assignment.functions:
        keep = [index for index, case in enumerate(function.cases) if not case.hidden]
        if not keep or len(keep) == len(function.cases):
            functions.append(function)
            continue
        left_out[function.name] = len(function.cases) - len(keep)
        functions.append(dataclasses.replace(
            function, cases=tuple(function.cases[i] for i in keep),
            inputs_messages=tuple(function.inputs_messages[i] for i in keep)))
    if not left_out:
        return StudentView(assignment, False, {})
    view = dataclasses.replace(
        assignment, functions=tuple(functions),
        payloads={function.name: payload(function) for function in functions})
    return StudentView(view, False, left_out)


def payload(function: GradedFunction) -> bytes:
    """What the function's process receives (as ``load_assignment`` builds it): its cases'
    inputs, the replay table and the outputs kept."""
    return codec.encode_trusted([list(function.inputs_messages), function.replay, _kept_outputs(function)])
