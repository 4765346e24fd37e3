"""Mutation testing: proof that an assignment's cases catch bugs.

Each graded function of the reference is changed in one small place at a time (a *mutant*): an
operator swapped, a term or factor dropped, a ``.T`` added or removed, an axis changed, a loop
range shifted, two arguments swapped, an output replaced by another variable, ``keepdims``
turned off, and a few more (``OPERATORS``). Each mutant becomes a notebook (the reference with
that one function mutated) and is graded by the real engine, in its own process like any
submission. A mutant is *killed* when some case fails. One that passes every case is checked
in-process against the reference on extra random inputs from the assignment's own case
builders: if some input tells them apart it is a *survivor*, reported with its line and with
that input, so an instructor can add the case; if none does it is *equivalent*, reported with the
reason (same outputs, outputs that are not compared, or a change below the tolerance).

The run also measures the hints: for mutants killed by wrong values (not by an error or a shape
alone), how often the report gives a hint, how often that hint names the change made (the
operator says which hint kinds would: ``Mutant.names``), and how often the named mistake
reproduces every wrong output on every failing case.

``run_mutation(assignment, zygote)`` returns a ``MutationReport``; ``format_report`` prints it.
"""
from __future__ import annotations

import ast
import copy
import importlib.util
import inspect
import os
import random
import re
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import nbformat
import numpy as np

from grader import codec, hints
from grader.assignment import Assignment, GradedFunction
from grader.compare import compare_return
from grader.grading import grade_notebook
from grader.zygote import Zygote

RANDOM_INPUTS = 24  # per builder, for telling survivors from equivalent mutants


# --------------------------------------------------------------------------- data


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


# --------------------------------------------------------------------------- operators


@dataclass
class _Where:
    """What an operator may need to know about a node's surroundings."""
    function: ast.FunctionDef
    parents: list  # ancestors, outermost first
    statement: ast.stmt  # the innermost statement holding the node
    loops: list  # enclosing for loops, outermost first
    parameters: list[str]
    kinds: dict = field(default_factory=dict)  # "name" / "return:i" / "return:key" -> kind of value


# an operator yields (replacement node, description) or (replacement, description, names): the
# hint kinds that would name the change (see Mutant.names)
Operator = Callable[[ast.AST, _Where], Iterator[tuple]]
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@", ast.Pow: "**"}
_SWAPPED = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.MatMult: ast.Mult}


def _text(node: ast.AST) -> str:
    return ast.unparse(node)


def swap_operator(node, where):
    """``+`` <-> ``-``, ``*`` <-> ``/``, ``@`` -> ``*``."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _SWAPPED:
        new = copy.copy(node)
        new.op = _SWAPPED[type(node.op)]()
        yield new, f"`{_SYMBOL[type(node.op)]}` -> `{_SYMBOL[type(new.op)]}`"


def drop_term(node, where):
    """``a + b`` -> ``a`` and -> ``b``; ``a - b`` -> ``a`` and -> ``-b``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        yield node.left, f"drop the term `{_text(node.right)}`", _dropped_names(node.right, where)
        right = node.right if isinstance(node.op, ast.Add) else ast.UnaryOp(ast.USub(), node.right)
        yield right, f"drop the term `{_text(node.left)}`", _dropped_names(node.left, where)


def _dropped_names(dropped, where) -> frozenset:
    """What a dropped term is, when it is one of two telling things: the running total of an
    accumulation (``dW = dW + g`` -> ``dW = g``), or a value carried back from the step before
    (``da[:, :, t] + da_prevt``)."""
    if not isinstance(dropped, ast.Name):
        return frozenset()
    statement = where.statement
    if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and _text(statement.targets[0]) == dropped.id):
        return frozenset({"not-accumulated"})
    if where.loops and dropped.id in _assigned(where.loops[-1].body):
        return frozenset({"no-feedback"})
    return frozenset()


def _assigned(body) -> set[str]:
    return {t.id for stmt in body for node in ast.walk(stmt) if isinstance(node, ast.Assign)
            for target in node.targets for t in ast.walk(target) if isinstance(t, ast.Name)}


def drop_factor(node, where):
    """``a * b`` -> ``a`` and -> ``b``; ``a / b`` -> ``a``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        yield node.left, f"drop the factor `{_text(node.right)}`", _factor_names(node.right, node.left)
        yield node.right, f"drop the factor `{_text(node.left)}`", _factor_names(node.left, node.right)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        yield node.left, f"drop the divisor `{_text(node.right)}`", _factor_names(node.right, node.left)


def _factor_names(dropped, kept) -> frozenset:
    """A dropped derivative (``1 - a ** 2`` of tanh; ``1 - s`` next to ``s``, of a sigmoid) or a
    dropped bias correction (``1 - beta ** t``)."""
    text = _text(dropped)
    if re.fullmatch(r"1 - \w+ \*\* t", text):
        return frozenset({"bias-correction"})
    if re.fullmatch(r"1 - .+ \*\* 2", text):
        return frozenset({"derivative"})
    sigmoid = re.fullmatch(r"1 - (\w+)", text)
    if sigmoid and re.search(rf"\b{sigmoid.group(1)}\b", _text(kept)):
        return frozenset({"derivative"})
    return frozenset()


def swap_operands(node, where):
    """``a - b`` -> ``b - a`` (and ``/``, ``@``)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Sub, ast.Div, ast.MatMult)):
        if _text(node.left) != _text(node.right):
            yield ast.BinOp(node.right, node.op, node.left), f"swap the operands of `{_SYMBOL[type(node.op)]}`"


def _transposed(node):
    return ast.Attribute(node, "T", ast.Load())


def transpose(node, where):
    """Remove a ``.T``; add one to an operand of ``@`` or to a returned output."""
    if isinstance(node, ast.Attribute) and node.attr == "T":
        yield node.value, f"remove `.T` from `{_text(node.value)}`"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        for side in ("left", "right"):
            operand = getattr(node, side)
            if not (isinstance(operand, ast.Attribute) and operand.attr == "T"):
                new = copy.copy(node)
                setattr(new, side, _transposed(operand))
                yield new, f"transpose `{_text(operand)}`"
    if isinstance(node, ast.Return):
        for index, value in _returned(node):
            if isinstance(value, ast.Name):
                yield (_replace_returned(node, index, _transposed(value)), f"return `{value.id}.T`",
                       frozenset({"transposed"}))


_AXIS = frozenset({"sum-axis", "softmax-axis", "keepdims"})


def change_axis(node, where):
    """``axis=k`` -> another axis, or no axis at all."""
    if not isinstance(node, ast.Call):
        return
    for position, keyword in enumerate(node.keywords):
        if keyword.arg == "axis" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, int):
            for other in (0, 1):
                if other != keyword.value.value:
                    new = copy.copy(node)
                    new.keywords = list(node.keywords)
                    new.keywords[position] = ast.keyword("axis", ast.Constant(other))
                    yield new, f"axis={keyword.value.value} -> axis={other}", _AXIS
            new = copy.copy(node)
            new.keywords = [k for i, k in enumerate(node.keywords) if i != position]
            yield new, f"drop axis={keyword.value.value}", _AXIS


def drop_keepdims(node, where):
    """``keepdims=True`` -> ``keepdims=False``."""
    if isinstance(node, ast.Call):
        for position, keyword in enumerate(node.keywords):
            if keyword.arg == "keepdims" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True:
                new = copy.copy(node)
                new.keywords = list(node.keywords)
                new.keywords[position] = ast.keyword("keepdims", ast.Constant(False))
                yield new, "keepdims=True -> keepdims=False", frozenset({"keepdims"})


def shift_range(node, where):
    """In a for loop: ``range(n)`` -> ``range(1, n)`` and ``range(n - 1)``;
    ``range(a, b)`` -> ``range(a + 1, b)`` and ``range(a, b - 1)``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
            and where.loops and any(node is n for n in ast.walk(where.loops[-1].iter))):
        return
    # a skipped step leaves its values as they were: unchanged inputs, or zeros never written
    one, loop = ast.Constant(1), frozenset({"loop-range", "input", "zeros"})
    if len(node.args) == 1:
        (n,) = node.args
        yield ast.Call(node.func, [one, n], []), f"range({_text(n)}) -> range(1, {_text(n)})", loop
        yield (ast.Call(node.func, [ast.BinOp(n, ast.Sub(), one)], []),
               f"range({_text(n)}) -> range({_text(n)} - 1)", loop)
    elif len(node.args) == 2:
        a, b = node.args
        yield (ast.Call(node.func, [ast.BinOp(a, ast.Add(), one), b], []),
               f"range({_text(a)}, ...) -> range({_text(a)} + 1, ...)", loop)
        yield (ast.Call(node.func, [a, ast.BinOp(b, ast.Sub(), one)], []),
               f"range(..., {_text(b)}) -> range(..., {_text(b)} - 1)", loop)


def _pairs(count: int):
    if count <= 4:
        return [(i, j) for i in range(count) for j in range(i + 1, count)]
    return [(i, i + 1) for i in range(count - 1)]


def swap_arguments(node, where):
    """Swap two positional arguments of a call, or two items of a tuple argument
    (``np.zeros((n_a, m))``, ``np.concatenate((a_prev, xt))``)."""
    if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args):
        return
    for i, j in _pairs(len(node.args)):
        if _text(node.args[i]) != _text(node.args[j]):
            new = copy.copy(node)
            new.args = list(node.args)
            new.args[i], new.args[j] = node.args[j], node.args[i]
            yield new, f"swap the arguments `{_text(node.args[i])}` and `{_text(node.args[j])}`"
    if len(node.args) == 1 and isinstance(node.args[0], ast.Tuple):
        items = node.args[0].elts
        for i, j in _pairs(len(items)):
            if _text(items[i]) != _text(items[j]):
                swapped = list(items)
                swapped[i], swapped[j] = items[j], items[i]
                new = copy.copy(node)
                new.args = [ast.Tuple(swapped, ast.Load())]
                yield new, f"swap `{_text(items[i])}` and `{_text(items[j])}`"


def swap_unpacked(node, where):
    """``n_x, m, T_x = x.shape`` -> two of the names swapped."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple):
        names = node.targets[0].elts
        for i, j in _pairs(len(names)):
            swapped = list(names)
            swapped[i], swapped[j] = names[j], names[i]
            new = copy.copy(node)
            new.targets = [ast.Tuple(swapped, ast.Store())]
            yield new, f"unpack into `{_text(names[j])}` and `{_text(names[i])}` swapped"


def _returned(node: ast.Return) -> list[tuple[int, ast.expr]]:
    if isinstance(node.value, ast.Tuple):
        return list(enumerate(node.value.elts))
    if isinstance(node.value, ast.Dict):
        return [(i, v) for i, (k, v) in enumerate(zip(node.value.keys, node.value.values)) if k is not None]
    return []


def _replace_returned(node: ast.Return, index: int, value: ast.expr) -> ast.Return:
    new = copy.deepcopy(node)
    if isinstance(new.value, ast.Tuple):
        new.value.elts[index] = value
    else:
        new.value.values[index] = value
    return new


def replace_output(node, where):
    """Return another output, or an argument, of the same kind (an array with as many axes, a
    dict, ...) in an output's place."""
    if not isinstance(node, ast.Return):
        return
    items = _returned(node)
    keys = [_key(node, index) for index, _ in items]
    for (index, value), key in zip(items, keys):
        others = [(other, where.kinds.get(f"return:{k}")) for (i, other), k in zip(items, keys) if i != index]
        others += [(ast.Name(p, ast.Load()), where.kinds.get(p)) for p in where.parameters]
        kind = where.kinds.get(f"return:{key}")
        seen = {_text(value)}
        for other, other_kind in others:
            if _text(other) in seen or (kind and other_kind and kind != other_kind):
                continue
            seen.add(_text(other))
            yield (_replace_returned(node, index, other), f"return `{_text(other)}` in place of `{_text(value)}`",
                   frozenset({"other-output", "input", "wrong-variable"}))


def _key(node: ast.Return, index: int):
    if isinstance(node.value, ast.Dict) and isinstance(node.value.keys[index], ast.Constant):
        return node.value.keys[index].value
    return index


def initial_value(node, where):
    """Inside a loop, a variable carried from step to step passed as an argument is replaced by
    the value it starts with (``rnn_cell_forward(..., a_next, ...)`` -> ``a0``)."""
    if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and where.loops):
        return
    if not any(isinstance(p, ast.Call) for p in where.parents):
        return
    loop = where.loops[-1]
    assigned_in_loop = {t.id for stmt in ast.walk(loop) if isinstance(stmt, ast.Assign)
                        for target in stmt.targets for t in ast.walk(target) if isinstance(t, ast.Name)}
    if node.id not in assigned_in_loop:
        return
    initial = None
    for stmt in where.function.body:
        if stmt is loop:
            break
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id == node.id):
            initial = stmt.value
    else:
        return  # the loop is not at the function's top level
    if initial is not None:
        yield (copy.deepcopy(initial), f"`{node.id}` -> its initial value `{_text(initial)}`",
               frozenset({"a0-every-step", "no-feedback", "initial-state"}))


def index_zero(node, where):
    """``x[:, :, t]`` -> ``x[:, :, 0]`` where ``t`` is a loop variable."""
    if not (isinstance(node, ast.Subscript) and where.loops):
        return
    loop_names = {t.id for loop in where.loops for t in ast.walk(loop.target) if isinstance(t, ast.Name)}
    index = node.slice
    items = index.elts if isinstance(index, ast.Tuple) else [index]
    for position, item in enumerate(items):
        if isinstance(item, ast.Name) and item.id in loop_names:
            new = copy.deepcopy(node)
            if isinstance(index, ast.Tuple):
                new.slice.elts[position] = ast.Constant(0)
            else:
                new.slice = ast.Constant(0)
            reads = isinstance(node.ctx, ast.Load)  # x[:, :, 0] read at every step; not a[:, :, 0] = ...
            yield new, f"index 0 in place of `{item.id}`", frozenset({"step-zero"} if reads else ())


def swap_slice(node, where):
    """``v[:k]`` <-> ``v[k:]``."""
    if isinstance(node, ast.Slice) and node.step is None and (node.lower is None) != (node.upper is None):
        bound = node.lower or node.upper
        yield (ast.Slice(node.upper, node.lower, None),
               f"`[{'' if node.lower is None else _text(bound)}:{'' if node.upper is None else _text(bound)}]`"
               f" -> `[{'' if node.upper is None else _text(bound)}:{'' if node.lower is None else _text(bound)}]`")


OPERATORS: dict[str, Operator] = {
    "swap operator": swap_operator,
    "drop term": drop_term,
    "drop factor": drop_factor,
    "swap operands": swap_operands,
    "transpose": transpose,
    "change axis": change_axis,
    "keepdims": drop_keepdims,
    "shift loop range": shift_range,
    "swap arguments": swap_arguments,
    "swap unpacked names": swap_unpacked,
    "replace output": replace_output,
    "initial value": initial_value,
    "index 0": index_zero,
    "swap slice": swap_slice,
}


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
            yield path, node, _Where(function, parents, statement, loops, parameters, kinds)
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


# --------------------------------------------------------------------------- running


def run_mutation(assignment: Assignment, zygote: Zygote | None, functions: Iterable[str] | None = None,
                 limit: int | None = None, *, jobs: int | None = None,
                 random_inputs: int = RANDOM_INPUTS, seed: int = 0) -> MutationReport:
    """Grade every mutant (at most ``limit`` per function, spread over the operators) and
    sort it: killed, survived or equivalent.

    With a ``zygote`` each mutant is graded by the engine (``grade_notebook``) like a
    submission; without one, in this process (faster, and the same verdicts: every
    ``MutantResult.engine_agrees`` says so when both run). Either way each mutant also runs in
    this process (for the hint figures, and to tell survivors from equivalent mutants): the
    mutants are the reference's own code, and no operator can make a loop unbounded (only
    ``for`` loops over ``range`` are shifted; the reference has no ``while``).
    """
    started = time.perf_counter()
    functions = list(functions or assignment.graded_names)
    mutants = make_mutants(assignment, functions)
    if limit is not None:
        mutants = _spread(mutants, limit)
    builders = _builders(assignment)
    rng = random.Random(seed)
    extra = {name: _random_inputs(assignment, assignment.function(name), builders, random_inputs,
                                  random.Random(rng.random()))
             for name in functions}
    around = {name: _notebook_around(assignment, name) for name in functions}
    with tempfile.TemporaryDirectory(prefix="grader-mutants-") as folder:
        def judge(numbered):
            number, mutant = numbered
            return _judge(assignment, zygote, mutant, Path(folder) / f"mutant{number}.ipynb",
                          extra[mutant.function], around[mutant.function])
        workers = max(1, jobs or os.cpu_count() or 1) if zygote is not None else 1
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(judge, enumerate(mutants)))
    reference = Path(inspect.getsourcefile(assignment.reference))
    try:
        shown = str(reference.resolve().relative_to(Path.cwd()))
    except ValueError:
        shown = reference.name
    return MutationReport(assignment.name, shown, tuple(results), time.perf_counter() - started,
                          "fork server (grade_notebook)" if zygote is not None else "in-process")


def _spread(mutants: list[Mutant], limit: int) -> list[Mutant]:
    """At most ``limit`` mutants per function, taking the operators in turn."""
    chosen = []
    for name in dict.fromkeys(m.function for m in mutants):
        queues: dict[str, list[Mutant]] = {}
        for mutant in mutants:
            if mutant.function == name:
                queues.setdefault(mutant.operator, []).append(mutant)
        picked = []
        while len(picked) < limit and any(queues.values()):
            for queue in queues.values():
                if queue and len(picked) < limit:
                    picked.append(queue.pop(0))
        chosen.extend(sorted(picked, key=mutants.index))
    return chosen


def _judge(assignment, zygote, mutant: Mutant, path: Path, extra, around) -> MutantResult:
    function = assignment.function(mutant.function)
    implementation = _load(assignment, mutant)
    local = [_run_case(function, implementation, case.inputs, case.expected) for case in function.cases]
    if zygote is not None:
        _write_notebook(mutant, around, path)
        graded = _grade(zygote, assignment, path, mutant.function)
        statuses = [case.status for case in graded.cases]
        engine_hints = [case.hint for case in graded.cases]
        kinds = [{m.kind for m in case.mismatches} for case in graded.cases]
    else:
        statuses = [status for status, _ in local]
        engine_hints = [hints.explain(assignment, function, case, value) if status == "failed" else ""
                        for case, (status, value) in zip(function.cases, local)]
        kinds = [{m.kind for m in compare_return(function, case.expected, value)} if status == "failed" else set()
                 for case, (status, value) in zip(function.cases, local)]
    agrees = statuses == [status for status, _ in local]
    failed = tuple(case.name for case, status in zip(function.cases, statuses) if status != "passed")
    if failed:
        return _killed(assignment, function, mutant, statuses, engine_hints, kinds, local, failed, agrees)
    different = _tell_apart(assignment, function, implementation, extra)
    if different:
        return MutantResult(mutant, "survived", reason=different, engine_agrees=agrees)
    return MutantResult(mutant, "equivalent", reason=_why_equivalent(assignment, function, implementation, extra),
                        engine_agrees=agrees)


def _killed(assignment, function, mutant, statuses, engine_hints, kinds, local, failed, agrees) -> MutantResult:
    if any(status not in ("passed", "failed") for status in statuses):
        return MutantResult(mutant, "killed", failed, "error", engine_agrees=agrees)
    first = statuses.index("failed")
    if not kinds[first] & {"values", "nonfinite"}:
        return MutantResult(mutant, "killed", failed, "shape", engine_hints[first], engine_agrees=agrees)
    values = [value if engine in ("passed", "failed") and status == engine else None
              for engine, (status, value) in zip(statuses, local)]
    alone = hints.diagnose(assignment, function, function.cases[first], values[first]) \
        if values[first] is not None else None  # what grading says today, one case at a time
    confirmed = hints.diagnose_cases(assignment, function, values)
    failing = [d for d, status in zip(confirmed, statuses) if status == "failed"]
    complete = bool(failing) and all(d is not None and d.complete for d in failing)
    kinds_alone = tuple(alone.kinds) if alone else ()
    kinds_confirmed = tuple(confirmed[first].kinds) if confirmed[first] else ()
    return MutantResult(
        mutant, "killed", failed, "value", engine_hints[first], kinds_alone,
        bool(set(kinds_alone) & mutant.names),
        confirmed[first].text if confirmed[first] else "", kinds_confirmed,
        bool(set(kinds_confirmed) & mutant.names), complete,
        # grading gives the one-case hint today, the confirmed one once it calls explain_cases
        engine_hints[first] in ((alone.text if alone else ""), confirmed[first].text if confirmed[first] else ""),
        engine_agrees=agrees)


def _load(assignment: Assignment, mutant: Mutant):
    """The mutated function, defined among the reference's own helpers (its calls to other graded
    functions reach the reference, as the engine's stand-ins do)."""
    namespace = dict(vars(assignment.reference))
    try:
        exec(compile(mutant.source, f"<mutant of {mutant.function}>", "exec"), namespace)  # noqa: S102
        return namespace[mutant.function]
    except Exception as error:  # noqa: BLE001  (then every call fails, as the engine would say)
        failure = error

        def broken(**_):
            raise failure
        return broken


def _run_case(function: GradedFunction, implementation, inputs: dict, expected):
    """("passed" | "failed" | "error", the value as the grader sees it)."""
    try:
        with np.errstate(all="ignore"):
            value = implementation(**copy.deepcopy(inputs))
        value = codec.decode(codec.encode(_compared_part(function, value)))
    except Exception as error:  # noqa: BLE001
        return "error", f"{type(error).__name__}: {error}"
    try:
        return ("failed" if compare_return(function, expected, value) else "passed"), value
    except Exception:  # noqa: BLE001  (a comparison the engine would also fail on)
        return "failed", value


def _compared_part(function: GradedFunction, value):
    """As the child sends it: the outputs that are not compared become None."""
    if function.single:
        return (value,)
    if function.returns is None:
        return {k: value[k] for k in function.compare if k in value} if type(value) is dict else value
    if type(value) in (tuple, list) and len(value) == len(function.returns):
        kept = [function.returns.index(name) for name in function.compare]
        pruned = [value[i] if i in kept else None for i in range(len(value))]
        return tuple(pruned) if type(value) is tuple else pruned
    return value


def _notebook_around(assignment: Assignment, function: str) -> tuple[str, str]:
    """The reference module's text before and after the function: a mutant's notebook is one
    code cell of the reference with that function replaced. Worked out once, before the threads
    start (ast.parse in two threads at once can fail on Python 3.11: CPython gh-106905)."""
    reference = Path(inspect.getsourcefile(assignment.reference))
    source = reference.read_text()
    lines = source.splitlines()
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == function)
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return "\n".join(lines[:start - 1]), "\n".join(lines[node.end_lineno:])


def _write_notebook(mutant: Mutant, around: tuple[str, str], path: Path) -> None:
    before, after = around
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"{before}\n{mutant.source}\n{after}")]
    nbformat.write(notebook, str(path))


def _grade(zygote, assignment, path: Path, function: str):
    """The engine's verdict on the mutant's notebook. Grading parses the notebook (ast.parse);
    on Python 3.11 two threads parsing at once can raise a spurious SystemError (CPython
    gh-106905), so that one error is retried."""
    for attempt in range(5):
        try:
            return grade_notebook(zygote, assignment, path, path.stem, (function,)).functions[0]
        except SystemError as error:
            if "recursion depth mismatch" not in str(error) or attempt == 4:
                raise
            time.sleep(0.01 * (attempt + 1))


# --------------------------------------------------------------------------- equivalence


def _builders(assignment: Assignment):
    spec = tomllib.loads((assignment.directory / "spec.toml").read_text())
    path = assignment.directory / spec["cases"]
    module_spec = importlib.util.spec_from_file_location(f"_grader_mutation_cases_{assignment.name}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def _random_arguments(builders, builder, arguments: dict, rng: random.Random) -> dict:
    """New arguments for a case builder: the cases module's own ``random_arguments(builder,
    arguments, rng)`` when it has one (it knows its sizes), else another seed."""
    own = getattr(builders, "random_arguments", None)
    if callable(own):
        return own(builder, arguments, rng)
    chosen = dict(arguments)
    if "seed" in inspect.signature(builder).parameters:
        chosen["seed"] = rng.randint(100, 10**6)
    return chosen


def _random_inputs(assignment, function: GradedFunction, builders, count: int, rng: random.Random):
    """[(description, inputs, expected full return)] on ``count`` random arguments per builder."""
    found = []
    for builder_name in dict.fromkeys(case.builder for case in function.cases):
        builder = getattr(builders, builder_name)
        arguments = next(case.arguments for case in function.cases if case.builder == builder_name)
        for _ in range(count):
            chosen = _random_arguments(builders, builder, arguments, rng)
            try:
                inputs = codec.decode(codec.encode(builder(assignment.reference, **chosen)))
                expected = getattr(assignment.reference, function.name)(**copy.deepcopy(inputs))
            except Exception:  # noqa: BLE001  (arguments the builder cannot take)
                continue
            found.append((f"args = {_toml(chosen)} (builder {builder_name})", inputs, expected))
    return found


def _toml(value) -> str:
    """A value as TOML, to paste into a case of spec.toml."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    return repr(value)


def _tell_apart(assignment, function, implementation, extra) -> str:
    """An input on which the mutant's compared outputs differ from the reference's, or ""."""
    for description, inputs, expected in extra:
        status, value = _run_case(function, implementation, inputs, _plain_compared(function, expected))
        if status == "error":
            return f"raises on {description}: {value}"[:400]
        if status == "failed":
            mismatches = compare_return(function, _plain_compared(function, expected), value)
            return f"differs on {description}: {mismatches[0].message}"[:400]
    return ""


def _plain_compared(function, value):
    return codec.decode(codec.encode(_compared_part(function, value)))


def _why_equivalent(assignment, function, implementation, extra) -> str:
    uncompared, largest = set(), 0.0
    for _, inputs, expected in extra:
        expected = function.as_returned(expected)  # held as the engine holds it, like the value
        try:
            with np.errstate(all="ignore"):
                value = function.as_returned(implementation(**copy.deepcopy(inputs)))
        except Exception:  # noqa: BLE001
            continue
        names = function.returns or tuple(expected)
        for index, name in enumerate(names):
            want = expected[index] if function.returns else expected.get(name)
            got = value[index] if function.returns else value.get(name)
            difference = _difference(want, got)
            if name not in function.compare and difference:
                uncompared.add(name)
            elif name in function.compare and np.isfinite(difference):
                largest = max(largest, difference)
    count = len(extra)
    if uncompared:
        return (f"changes only {hints.join(sorted(uncompared))}, which the spec does not compare; "
                f"the compared outputs agree on {count} random inputs")
    if largest > 0:
        return (f"differs from the reference by at most {largest:.2g} on {count} random inputs, "
                f"within the tolerance (rtol={function.tolerance.rtol:g}, atol={function.tolerance.atol:g})")
    return f"returns exactly the reference's outputs on {count} random inputs"


def _difference(want, got) -> float:
    """The largest absolute difference between two plain values (inf when they do not line up)."""
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(want) != set(got):
            return float("inf")
        return max([_difference(want[k], got[k]) for k in want], default=0.0)
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(want) != len(got):
            return float("inf")
        return max([_difference(w, g) for w, g in zip(want, got)], default=0.0)
    if isinstance(want, (np.ndarray, np.generic, int, float)):
        want, got = np.asarray(want, dtype=float), np.asarray(got, dtype=float)
        if want.shape != got.shape:
            return float("inf")
        if want.size == 0:
            return 0.0
        with np.errstate(invalid="ignore"):
            return float(np.nanmax(np.abs(want - got))) if np.isfinite(got).all() else float("inf")
    return 0.0 if want is got or want == got else float("inf")


# --------------------------------------------------------------------------- the report


def format_report(report: MutationReport, verbose: bool = False) -> str:
    """The report as text: a table per function, then every survivor with its line, the
    equivalent mutants with the reason, and the hint figures."""
    lines = [f"Mutation testing of {report.assignment}: {len(report.results)} mutants of "
             f"{len(report.functions)} functions in {report.seconds:.1f} s ({report.engine})", ""]
    header = f"{'function':<30} {'mutants':>7} {'killed':>7} {'survived':>8} {'equivalent':>10} {'kill rate':>9}"
    lines += [header, "-" * len(header)]
    for name in report.functions + [None]:
        total = [r for r in report.results if name in (None, r.mutant.function)]
        lines.append(f"{name or 'total':<30} {len(total):>7} {len(report.of('killed', name)):>7} "
                     f"{len(report.of('survived', name)):>8} {len(report.of('equivalent', name)):>10} "
                     f"{report.kill_rate(name):>8.1%}")
    survivors = report.of("survived")
    lines += ["", f"Survivors: {len(survivors)}" + (" (no case fails; add one that tells each apart)"
                                                      if survivors else "")]
    for result in survivors:
        lines += _describe(report, result, result.reason)
    equivalent = report.of("equivalent")
    lines += ["", f"Equivalent mutants: {len(equivalent)} (no input tells them from the reference)"]
    for result in equivalent:
        lines += _describe(report, result, result.reason)
    lines += [""] + _hint_lines(report)
    if verbose:
        lines += ["", "Killed by wrong values, without a confirmed hint (candidates for the catalogue):"]
        for result in report.by_value:
            if not result.confirmed_hint:
                lines += _describe(report, result, "fails: " + ", ".join(result.failed_cases))
        lines += ["", "Confirmed hints:"]
        for result in report.by_value:
            if result.confirmed_hint:
                mark = "" if not result.mutant.names else (" [names it]" if result.confirmed_named
                                                           else " [does not name it]")
                lines += _describe(report, result, f"hint{mark}: {result.confirmed_hint}")
    return "\n".join(lines)


def _hint_lines(report: MutationReport) -> list[str]:
    killed, by_value = report.of("killed"), report.by_value
    shapes = [r for r in killed if r.how == "shape"]
    nameable = [r for r in by_value if r.mutant.names]
    lines = [f"Hints: of {len(killed)} killed mutants, {len(by_value)} fail by wrong values, "
             f"{len(shapes)} by shapes or structure alone (the report says which) and "
             f"{len(killed) - len(by_value) - len(shapes)} by an error."]
    for title, hint, named in (("one case at a time (hints.explain, as grading calls it)", "hint", "named"),
                               ("confirmed on every case (hints.explain_cases)", "confirmed_hint",
                                "confirmed_named")):
        hinted = [r for r in by_value if getattr(r, hint)]
        right = [r for r in nameable if getattr(r, named)]
        lines += [f"  {title}:",
                  f"    a hint for {len(hinted)} of the {len(by_value)} ({_percent(len(hinted), len(by_value))}); "
                  f"the hint names the change made for {len(right)} of the {len(nameable)} whose change "
                  f"the catalogue has a name for ({_percent(len(right), len(nameable))})"]
    confirmed = [r for r in by_value if r.confirmed_hint]
    complete = [r for r in confirmed if r.confirmed_complete]
    lines.append(f"  of the confirmed hints, {len(complete)} ({_percent(len(complete), len(confirmed))}) "
                 f"reproduce every wrong output on every failing case; the rest explain some outputs")
    inconsistent = [r for r in by_value if not r.hint_consistent]
    if inconsistent or report.disagreements:
        lines.append(f"  in-process check: {len(report.disagreements)} verdicts and "
                     f"{len(inconsistent)} hints differ from the engine's")
    kinds: dict[str, int] = {}
    for result in confirmed:
        for kind in result.confirmed_kinds:
            kinds[kind] = kinds.get(kind, 0) + 1
    if kinds:
        lines.append("  confirmed hints by kind: " + ", ".join(
            f"{kind} {count}" for kind, count in sorted(kinds.items(), key=lambda item: -item[1])))
    return lines


def _describe(report: MutationReport, result: MutantResult, why: str) -> list[str]:
    mutant = result.mutant
    return [f"  {mutant.function}  {report.reference}:{mutant.line}  {mutant.operator}: {mutant.description}",
            f"      was: {mutant.original}",
            f"      now: {mutant.mutated}",
            f"      {why}"]


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "n/a"


# --------------------------------------------------------------------------- the command


def report_to_dict(report: MutationReport) -> dict:
    """The report as plain data (for ``--json``): figures per function and every mutant."""
    functions = {}
    for name in report.functions:
        functions[name] = {"mutants": len([r for r in report.results if r.mutant.function == name]),
                           "killed": len(report.of("killed", name)), "survived": len(report.of("survived", name)),
                           "equivalent": len(report.of("equivalent", name)), "kill_rate": report.kill_rate(name)}
    return {
        "assignment": report.assignment, "reference": report.reference, "engine": report.engine,
        "seconds": round(report.seconds, 3), "kill_rate": report.kill_rate(), "functions": functions,
        "mutants": [{"function": r.mutant.function, "operator": r.mutant.operator,
                     "description": r.mutant.description, "line": r.mutant.line,
                     "original": r.mutant.original, "mutated": r.mutant.mutated, "verdict": r.verdict,
                     "failed_cases": list(r.failed_cases), "how": r.how, "hint": r.hint,
                     "confirmed_hint": r.confirmed_hint, "hint_kinds": list(r.confirmed_kinds),
                     "reason": r.reason} for r in report.results],
    }


def command(assignment: Assignment, *, functions=(), limit: int | None = None, jobs: int | None = None,
            in_process: bool = False, json_path: Path | None = None, verbose: bool = False,
            out=None) -> int:
    """``grader mutate``: run, print the report, optionally write it as JSON. Exit status 0 when
    every mutant that is not equivalent is killed, 1 when some survive."""
    import json
    import sys

    from grader.assignment import AssignmentError

    unknown = [name for name in functions if name not in assignment.graded_names]
    if unknown:
        raise AssignmentError(f"{', '.join(unknown)}: not a graded function of {assignment.name} "
                              f"({', '.join(assignment.graded_names)})")
    if limit is not None and limit < 1:
        raise AssignmentError("--limit must be at least 1")
    if in_process:
        report = run_mutation(assignment, None, functions or None, limit, jobs=jobs)
    else:
        with Zygote(None) as zygote:  # the mutants are the reference's own code: no sandbox needed
            report = run_mutation(assignment, zygote, functions or None, limit, jobs=jobs)
    print(format_report(report, verbose), file=out or sys.stdout)
    if json_path is not None:
        Path(json_path).write_text(json.dumps(report_to_dict(report), indent=1))
    return 0 if not report.of("survived") else 1
