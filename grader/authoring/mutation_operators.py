"""The mutation operators: each takes a node of a reference function and yields small changes to it.

An operator yields ``(replacement node, description)`` or ``(replacement, description, names)``,
where ``names`` are the hint kinds that would name the change (see ``Mutant.names``).
``OPERATORS`` lists them by the name reports use.
"""
from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator


# --------------------------------------------------------------------------- operators


@dataclass
class Where:
    """What an operator may need to know about a node's surroundings."""
    function: ast.FunctionDef
    parents: list  # ancestors, outermost first
    statement: ast.stmt  # the innermost statement holding the node
    loops: list  # enclosing for loops, outermost first
    parameters: list[str]
    kinds: dict = field(default_factory=dict)  # "name" / "return:i" / "return:key" -> kind of value


# an operator yields (replacement node, description) or (replacement, description, names): the
# hint kinds that would name the change (see Mutant.names)
Operator = Callable[[ast.AST, Where], Iterator[tuple]]
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
