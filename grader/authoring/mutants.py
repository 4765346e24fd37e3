"""Mutants of a reference: every distinct one-place change the operators make to its graded functions.

``make_mutants(assignment)`` walks each graded function of the reference, applies every operator
of ``mutation_operators.OPERATORS`` at every node, and keeps each change that alters the code as a
``Mutant`` (its line, the statement before and after, the whole mutated function).
"""
from __future__ import annotations

import ast
import copy
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from grader.core.assignment import Assignment
from grader.authoring.mutation_operators import OPERATORS, Operator, Where


@dataclass(frozen=True)
class Mutant:
    function: str
    operator: str  # which kind of change (a key of OPERATORS)
    description: str  # the change in a few words: "`+` -> `-`"
    line: int  # in the reference file
    original: str  # the reference's statement, as written
    mutated: str  # the same statement after the change
    source: str  # the whole mutated function
    names: frozenset = frozenset()  # hint kinds that would name this change (empty: none expected)


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    verdict: str  # killed, survived, equivalent
    failed_cases: tuple[str, ...] = ()
    how: str = ""  # killed: "value" (wrong values), "shape" (wrong shapes or structure only), "error"
    # killed by wrong values: the hint on the first failing case, as the engine gives it (one case
    # at a time, hints.explain), and as hints.explain_cases gives it (confirmed on every case)
    hint: str = ""
    hint_kinds: tuple[str, ...] = ()
    named: bool = False  # the hint's kind is one that names this change (see Mutant.names)
    confirmed_hint: str = ""
    confirmed_kinds: tuple[str, ...] = ()
    confirmed_named: bool = False
    confirmed_complete: bool = False  # it reproduces every wrong output of every failing case
    hint_consistent: bool = True  # the engine's hint is the one worked out here, in-process
    reason: str = ""  # equivalent: why; survived: an input where it differs from the reference
    engine_agrees: bool = True  # running it in-process gives the engine's case verdicts


@dataclass(frozen=True)
class MutationReport:
    assignment: str
    reference: str  # the reference file, as shown
    results: tuple[MutantResult, ...]
    seconds: float
    engine: str

    def of(self, verdict: str, function: str | None = None) -> list[MutantResult]:
        return [r for r in self.results if r.verdict == verdict and function in (None, r.mutant.function)]

    @property
    def functions(self) -> list[str]:
        return list(dict.fromkeys(r.mutant.function for r in self.results))

    def kill_rate(self, function: str | None = None) -> float:
        killed, survived = len(self.of("killed", function)), len(self.of("survived", function))
        return killed / (killed + survived) if killed + survived else 1.0

    @property
    def by_value(self) -> list[MutantResult]:
        return [r for r in self.of("killed") if r.how == "value"]

    @property
    def disagreements(self) -> list[MutantResult]:
        return [r for r in self.results if not r.engine_agrees]


# --------------------------------------------------------------------------- making mutants


def make_mutants(assignment: Assignment, functions: Iterable[str] | None = None,
                 operators: dict[str, Operator] | None = None) -> list[Mutant]:
    """Every distinct mutant of the reference's graded functions (each changes the code)."""
    path = Path(inspect.getsourcefile(assignment.reference))
    source = path.read_text()
    tree = ast.parse(source)
    definitions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    mutants = []
    for name in functions or assignment.graded_names:
        if name not in definitions:
            raise KeyError(f"the reference has no function {name}")
        mutants.extend(_mutants_of(definitions[name], source, operators or OPERATORS,
                                   _value_kinds(assignment, name)))
    return mutants


def _value_kinds(assignment: Assignment, name: str) -> dict[str, str]:
    """What each argument and each returned value is on the function's first case."""
    function = assignment.function(name)
    case = function.cases[0]
    kinds = {parameter.name: _kind(parameter.default)
             for parameter in inspect.signature(getattr(assignment.reference, name)).parameters.values()
             if parameter.default is not inspect.Parameter.empty}
    kinds.update({key: _kind(value) for key, value in case.inputs.items()})
    if function.returns is None:
        kinds.update({f"return:{key}": _kind(value) for key, value in case.expected.items()})
    else:
        kinds.update({f"return:{index}": _kind(value) for index, value in enumerate(case.expected)})
    return kinds


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array of {value.ndim} axes"
    if isinstance(value, (bool, int, float, np.generic)):
        return "number"
    return type(value).__name__


def _mutants_of(function: ast.FunctionDef, source: str, operators: dict[str, Operator],
                kinds: dict[str, str]) -> list[Mutant]:
    function = copy.deepcopy(function)
    if function.body and isinstance(function.body[0], ast.Expr) and isinstance(function.body[0].value, ast.Constant):
        function.body = function.body[1:] or [ast.Pass()]  # the docstring is not code
    original = ast.unparse(function)
    parameters = [a.arg for a in function.args.args]
    seen, mutants = {original}, []
    for path, node, where in _walk(function, parameters, kinds):
        for operator_name, operator in operators.items():
            for replacement, description, *names in operator(node, where):
                mutated = copy.deepcopy(function)
                _replace(mutated, path, copy.deepcopy(replacement))
                ast.fix_missing_locations(mutated)
                text = ast.unparse(mutated)
                if text in seen:
                    continue
                seen.add(text)
                statement_path = path[:len(path) - _depth_to_statement(function, path)]
                mutants.append(Mutant(
                    function.name, operator_name, description, where.statement.lineno,
                    _original_statement(source, where.statement),
                    _statement_text(_at(mutated, statement_path)), text,
                    frozenset(names[0]) if names else frozenset()))
    return mutants


def _walk(function: ast.FunctionDef, parameters, kinds):
    """(path, node, where) for every node of the function's body; a path is [(field, index), ...]."""
    def visit(node, path, parents, statement, loops):
        if isinstance(node, ast.stmt):
            statement = node
        if node is not function:
            yield path, node, Where(function, parents, statement, loops, parameters, kinds)
        if isinstance(node, ast.For):
            loops = loops + [node]
        for name, value in ast.iter_fields(node):
            if node is function and name in ("decorator_list", "args", "returns", "type_comment"):
                continue
            children = value if isinstance(value, list) else [value]
            for index, child in enumerate(children):
                if isinstance(child, ast.AST) and not isinstance(child, (ast.expr_context, ast.operator)):
                    step = (name, index if isinstance(value, list) else None)
                    yield from visit(child, path + [step], parents + [node], statement, loops)
    yield from visit(function, [], [], function, [])


def _at(root, path):
    node = root
    for name, index in path:
        node = getattr(node, name) if index is None else getattr(node, name)[index]
    return node


def _replace(root, path, replacement):
    parent = _at(root, path[:-1])
    name, index = path[-1]
    if index is None:
        setattr(parent, name, replacement)
    else:
        getattr(parent, name)[index] = replacement


def _depth_to_statement(root, path) -> int:
    """How many steps up the path the innermost statement is."""
    for up in range(len(path) + 1):
        if isinstance(_at(root, path[:len(path) - up]), ast.stmt):
            return up
    return len(path)


def _statement_text(statement) -> str:
    if isinstance(statement, ast.For):
        return f"for {ast.unparse(statement.target)} in {ast.unparse(statement.iter)}:"
    if isinstance(statement, (ast.If, ast.While)):
        return f"{type(statement).__name__.lower()} {ast.unparse(statement.test)}:"
    return ast.unparse(statement)


def _original_statement(source: str, statement) -> str:
    lines = source.splitlines()
    if isinstance(statement, (ast.For, ast.If, ast.While, ast.FunctionDef)):
        return lines[statement.lineno - 1].strip()
    text = "\n".join(lines[statement.lineno - 1:statement.end_lineno])
    return " ".join(part.strip() for part in text.splitlines())
