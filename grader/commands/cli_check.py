"""``grader check``: one notebook graded as the student will see it, before handing it in.

Starting the fork server (bubblewrap, then Python and numpy inside it) is the slowest part of a
check, so it goes first: a thread probes the sandbox at once and starts the server as soon as
the assignment is known, while this thread loads the assignment and the modules that grade and
draw the page. The notebook is read once, to choose its assignment and to grade it.
"""
from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

from grader.commands.cli import UsageError, no_sandbox, timeout_of


def check(arguments) -> int:
    path: Path = arguments.notebook
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    timeout = timeout_of(arguments)
    server = _ForkServerStart(path)
    try:
        from grader.grading import routing
        from grader.core.assignment import assignment_paths, bundled_assignments, load_assignment
        from grader.authoring.bundle import choose_bundle, load_bundle
        from grader.core.notebook import InvalidNotebook, read_notebook_bytes

        try:
            data = read_notebook_bytes(path)
        except InvalidNotebook:
            data = None  # grading reads it again, and says why it cannot
        # a student's machine: the bundle's public cases, graded without the reference
        bundle = choose_bundle(path, arguments.bundle, arguments.assignment)
        if bundle is None and arguments.assignment is None and routing.several_bundled():
            arguments.assignment = routing.assignment_of(data)
            if arguments.assignment is None:
                raise UsageError(f"{path}: cannot tell which assignment it is for (it defines no more graded "
                                 f"functions of one than of another): name it with --assignment "
                                 f"({', '.join(bundled_assignments())})")
        bundled = load_bundle(bundle, timeout=timeout) if bundle is not None else None
        server.start_for(bundled or assignment_paths(arguments.assignment))
        assignment = bundled or load_assignment(arguments.assignment, timeout=timeout)
        unknown = [name for name in arguments.function if name not in assignment.graded_names]
        if unknown:
            raise UsageError(f"{', '.join(unknown)} is not a graded function of {assignment.name} "
                             f"(graded: {', '.join(assignment.graded_names)})")
        from grader.grading.submission import grade_notebook
        from grader.core.student import student_view
        from grader.reports.terminal import format_result, use_colour
        if not arguments.no_html or arguments.gradescope:
            from grader.reports.writing import write_gradescope_json, write_submission_page
        if not arguments.no_html:
            from grader.reports.highlighting import lexed
            lexed("")  # builds Pygments' lexer (tens of ms of regular expressions) while the server boots
        # a student sees the public cases (hidden ones only where the spec allows); an
        # autograder writing Gradescope's file grades them all
        view = bundled or student_view(assignment)
        graded = assignment if arguments.gradescope else view.assignment
        zygote = server.zygote()
        result = grade_notebook(zygote, graded, path, path.stem, tuple(arguments.function), data=data)
    finally:
        server.stop()
    scope = None if arguments.gradescope else view.scope_for(arguments.function or None)
    print(format_result(result, colour=use_colour(sys.stdout), scope=scope), flush=True)
    if not arguments.no_html:
        html_path = arguments.html or path.with_name(path.stem + ".report.html")
        # no appendix: the student has the notebook open; a batch page carries it
        write_submission_page(html_path.parent, graded, result, filename=html_path.name, appendix=False)
        print(f"report: {html_path}")
    if arguments.gradescope:
        write_gradescope_json(arguments.gradescope, assignment, result)
    return 0 if result.all_passed else 1


class _ForkServerStart:
    """The fork server, started before it is known to be safe to start, and used only once it is.

    A thread probes the sandbox from the start (whether bubblewrap runs here, and as whom: that
    does not depend on what it hides). ``start_for`` starts the server at once in the sandbox the
    last check's probe chose; ``zygote()`` waits for this check's probe, and restarts the server
    in the sandbox it chose when the two differ. No child is forked, so no student code runs,
    before then."""

    def __init__(self, notebook: Path):
        self._notebook = notebook
        self._assignment = None
        self._zygote = None
        self._guess = _last_choice()
        self._probed = None
        self._reason = ""
        self._error: BaseException | None = None
        self._probe = threading.Thread(target=self._run_probe, name="sandbox-probe", daemon=True)
        self._probe.start()

    def _run_probe(self) -> None:
        try:
            from grader.execution.sandbox import find_sandbox
            self._probed, self._reason = find_sandbox([], [])
        except BaseException as error:  # raised again in the thread that asks for the server
            self._error = error

    def start_for(self, assignment) -> None:
        """``assignment``: an Assignment, its AssignmentPaths or a student bundle."""
        self._assignment = assignment
        if self._guess is not None:
            try:
                self._start(self._guess)
            except Exception:  # noqa: BLE001  (a guess that cannot start: the probe's choice will)
                self.stop()

    def zygote(self):
        self._probe.join()
        if self._error is not None:
            raise self._error
        choice = _choice(self._probed)
        if self._zygote is None or choice != self._guess:
            self.stop()
            self._start(choice)
        if choice != self._guess:
            _remember(choice)  # the next check starts its server at once in this one
        if not self._zygote.sandboxed:
            no_sandbox(self._reason, required=False, quiet=False)
        return self._zygote

    def _start(self, choice) -> None:
        from grader.execution.environment import zygote_for
        from grader.execution.sandbox import sandbox_of, secrets_of
        sandbox = None
        if choice is not None:
            sandbox = sandbox_of(choice[0], *secrets_of(self._assignment, [], [self._notebook]), choice[1])
        self._zygote = zygote_for(self._assignment, sandbox)

    def stop(self) -> None:
        """Stop the server, and wait for the probe (no process of the check outlives it)."""
        self._probe.join()
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None


def _choice(sandbox) -> tuple[str, int | None] | None:
    """What a probe chose: bubblewrap's path and the user it runs as; None: no sandbox."""
    return None if sandbox is None else (sandbox.bwrap, sandbox.user)


def _choice_file() -> Path:
    from grader.execution.sandbox import case_cache_folder
    return case_cache_folder() / "check-sandbox.json"


def _key() -> str:
    return f"{sys.executable}|{Path(__file__).resolve().parent}"


def _last_choice() -> tuple[str, int | None] | None:
    """The sandbox the last check's probe chose with this Python and grader (None: unknown, or
    none: a missing sandbox is never assumed)."""
    try:
        kept = json.loads(_choice_file().read_text())
        bwrap, user = kept[_key()]
        return (str(bwrap), None if user is None else int(user))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(choice) -> None:
    from grader.reports.export import written_atomically

    path = _choice_file()
    try:
        kept = json.loads(path.read_text()) if path.is_file() else {}
        kept = kept if isinstance(kept, dict) else {}
    except (OSError, ValueError):
        kept = {}
    if choice is None:
        kept.pop(_key(), None)
    else:
        kept[_key()] = list(choice)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with written_atomically(path) as handle:
            json.dump(kept, handle)
    except OSError:
        pass  # the next check probes before it starts, as the first did
