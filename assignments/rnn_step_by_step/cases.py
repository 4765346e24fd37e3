"""Seeded case builders for the RNN step-by-step assignment.

Contract
--------
Each builder is a plain function ``NAME(reference, *, seed, ...) -> dict``:

* ``reference`` is the trusted reference module, passed in by the grader. Builders use it only
  to produce caches (forward passes) and earlier Adam moments; they never import it.
* Every other argument is keyword-only and has a default; the defaults reproduce the 2021
  notebook's test cell for that function (``np.random.seed(1)`` and the same sizes).
* The returned dict holds the keyword arguments of the graded function (keys are its parameter
  names), so the grader calls ``fn(**case)``.
* Randomness comes only from ``np.random.seed(seed)`` followed by ``np.random.randn`` draws in
  the notebook's order, so the numbers are exactly the notebook's.
* Values are plain data: float64 numpy arrays, Python numbers, dicts with str keys, tuples
  and lists.
* ``weight_scale`` multiplies every W and b parameter after all draws (for saturation cases);
  it does not change the draws themselves.
"""
import inspect

import numpy as np

_RNN_FORWARD_ORDER = ("Waa", "Wax", "Wya", "ba", "by")
_RNN_BACKWARD_ORDER = ("Wax", "Waa", "Wya", "ba", "by")  # the backward cells swap Wax/Waa
_LSTM_GATES = ("f", "i", "o", "c")  # drawn W, b per gate in this order


def _rnn_parameters(order, n_x, n_a, n_y, weight_scale):
    shapes = {"Waa": (n_a, n_a), "Wax": (n_a, n_x), "Wya": (n_y, n_a), "ba": (n_a, 1), "by": (n_y, 1)}
    parameters = {name: np.random.randn(*shapes[name]) for name in order}
    return _scaled(parameters, weight_scale)


def _lstm_gate_parameters(n_x, n_a):
    parameters = {}
    for gate in _LSTM_GATES:
        parameters["W" + gate] = np.random.randn(n_a, n_a + n_x)
        parameters["b" + gate] = np.random.randn(n_a, 1)
    return parameters


def _lstm_parameters(n_x, n_a, n_y, weight_scale):
    parameters = _lstm_gate_parameters(n_x, n_a)
    parameters["Wy"] = np.random.randn(n_y, n_a)
    parameters["by"] = np.random.randn(n_y, 1)
    return _scaled(parameters, weight_scale)


def _scaled(parameters, weight_scale):
    return {name: value * weight_scale for name, value in parameters.items()}


# --------------------------------------------------------------------------- forward passes


def rnn_cell_forward_case(reference, *, seed=1, n_x=3, n_a=5, n_y=2, m=10, weight_scale=1.0):
    """Draws xt, a_prev, Waa, Wax, Wya, ba, by (notebook cell and order)."""
    np.random.seed(seed)
    xt = np.random.randn(n_x, m)
    a_prev = np.random.randn(n_a, m)
    parameters = _rnn_parameters(_RNN_FORWARD_ORDER, n_x, n_a, n_y, weight_scale)
    return {"xt": xt, "a_prev": a_prev, "parameters": parameters}


def rnn_forward_case(reference, *, seed=1, n_x=3, n_a=5, n_y=2, m=10, T_x=4, weight_scale=1.0):
    """Draws x, a0, Waa, Wax, Wya, ba, by.

    Also the order of ``public_tests.rnn_forward_test`` (seed=17, n_x=4, n_a=7, n_y=3, m=8, T_x=13).
    """
    np.random.seed(seed)
    x = np.random.randn(n_x, m, T_x)
    a0 = np.random.randn(n_a, m)
    parameters = _rnn_parameters(_RNN_FORWARD_ORDER, n_x, n_a, n_y, weight_scale)
    return {"x": x, "a0": a0, "parameters": parameters}


def lstm_cell_forward_case(reference, *, seed=1, n_x=3, n_a=5, n_y=2, m=10, weight_scale=1.0):
    """Draws xt, a_prev, c_prev, Wf, bf, Wi, bi, Wo, bo, Wc, bc, Wy, by.

    Also the order of ``public_tests.lstm_cell_forward_test`` (seed=212, n_x=4, n_a=7, n_y=3, m=8).
    """
    np.random.seed(seed)
    xt = np.random.randn(n_x, m)
    a_prev = np.random.randn(n_a, m)
    c_prev = np.random.randn(n_a, m)
    parameters = _lstm_parameters(n_x, n_a, n_y, weight_scale)
    return {"xt": xt, "a_prev": a_prev, "c_prev": c_prev, "parameters": parameters}


def lstm_forward_case(reference, *, seed=1, n_x=3, n_a=5, n_y=2, m=10, T_x=7, weight_scale=1.0):
    """Draws x, a0, Wf, bf, Wi, bi, Wo, bo, Wc, bc, Wy, by.

    Also the order of ``public_tests.lstm_forward_test`` (seed=45, n_x=4, n_a=3, n_y=2, m=13, T_x=16).
    """
    np.random.seed(seed)
    x = np.random.randn(n_x, m, T_x)
    a0 = np.random.randn(n_a, m)
    parameters = _lstm_parameters(n_x, n_a, n_y, weight_scale)
    return {"x": x, "a0": a0, "parameters": parameters}


# --------------------------------------------------------------------------- backward passes


def rnn_cell_backward_case(reference, *, seed=1, n_x=3, n_a=5, n_y=2, m=10, weight_scale=1.0):
    """Draws xt, a_prev, Wax, Waa, Wya, ba, by (2021 order), runs the reference forward, then da_next."""
    np.random.seed(seed)
    xt = np.random.randn(n_x, m)
    a_prev = np.random.randn(n_a, m)
    parameters = _rnn_parameters(_RNN_BACKWARD_ORDER, n_x, n_a, n_y, weight_scale)
    _, _, cache = reference.rnn_cell_forward(xt, a_prev, parameters)
    da_next = np.random.randn(n_a, m)
    return {"da_next": da_next, "cache": cache}


def rnn_backward_case(reference, *, seed=1, n_x=3, n_a=5, n_y=2, m=10, T_x=4, weight_scale=1.0):
    """Draws x, a0, Wax, Waa, Wya, ba, by, runs the reference forward, then da (n_a, m, T_x)."""
    np.random.seed(seed)
    x = np.random.randn(n_x, m, T_x)
    a0 = np.random.randn(n_a, m)
    parameters = _rnn_parameters(_RNN_BACKWARD_ORDER, n_x, n_a, n_y, weight_scale)
    _, _, caches = reference.rnn_forward(x, a0, parameters)
    da = np.random.randn(n_a, m, T_x)
    return {"da": da, "caches": caches}


def lstm_cell_backward_case(reference, *, seed=1, n_x=3, n_a=5, n_y=2, m=10, weight_scale=1.0):
    """Draws as ``lstm_cell_forward_case``, runs the reference forward, then da_next, dc_next."""
    inputs = lstm_cell_forward_case(reference, seed=seed, n_x=n_x, n_a=n_a, n_y=n_y, m=m,
                                    weight_scale=weight_scale)
    _, _, _, cache = reference.lstm_cell_forward(**inputs)
    da_next = np.random.randn(n_a, m)
    dc_next = np.random.randn(n_a, m)
    return {"da_next": da_next, "dc_next": dc_next, "cache": cache}


def lstm_backward_case(reference, *, seed=1, n_x=3, n_a=5, n_y=2, m=10, T_x=7, T_da=4,
                       weight_scale=1.0):
    """The 2021/v3a cell: x, a0, Wf, bf, Wi, bi, Wo, bo, Wc, bc drawn; Wy, by zeros (no draw).

    Runs the reference forward over all ``T_x`` steps, then draws da of shape (n_a, m, T_da):
    the notebook uses only 4 of its 7 steps. ``T_da=None`` means ``T_x``.
    """
    if T_da is None:
        T_da = T_x
    np.random.seed(seed)
    x = np.random.randn(n_x, m, T_x)
    a0 = np.random.randn(n_a, m)
    parameters = _lstm_gate_parameters(n_x, n_a)
    parameters["Wy"] = np.zeros((n_y, n_a))
    parameters["by"] = np.zeros((n_y, 1))
    parameters = _scaled(parameters, weight_scale)
    _, _, _, caches = reference.lstm_forward(x, a0, parameters)
    da = np.random.randn(n_a, m, T_da)
    return {"da": da, "caches": caches}


# --------------------------------------------------------------------------- Adam


def _layer_arrays(layers, prefix, scale=1.0):
    """Draw ``{prefix}W{l}`` (rows, cols) then ``{prefix}b{l}`` (rows, 1) for each layer."""
    arrays = {}
    for l, (rows, cols) in enumerate(layers, start=1):
        arrays[f"{prefix}W{l}"] = np.random.randn(rows, cols) * scale
        arrays[f"{prefix}b{l}"] = np.random.randn(rows, 1) * scale
    return arrays


def initialize_adam_case(reference, *, seed=1, layers=[[2, 3], [3, 3]]):
    """Draws W1 (rows, cols), b1 (rows, 1), W2, b2, ... for each ``[rows, cols]`` in ``layers``."""
    np.random.seed(seed)
    return {"parameters": _layer_arrays(layers, "")}


def update_parameters_with_adam_case(reference, *, seed=1, layers=[[2, 3], [3, 3]], t=2,
                                     grad_scale=1.0, learning_rate=0.01, prior_steps=None):
    """Parameters and grads for Adam step ``t``, with moments ``v, s`` from earlier steps.

    Draw order: W1, b1, W2, b2, ... (as ``initialize_adam_case``), then dW1, db1, dW2, db2, ...
    (randn times ``grad_scale``). ``v, s`` start at ``reference.initialize_adam`` and are advanced
    by ``prior_steps`` earlier reference Adam steps numbered ``t - prior_steps .. t - 1``, each on
    freshly drawn grads (drawn after the step-``t`` grads, same way). The parameters returned are
    the originally drawn ones. ``prior_steps=None`` means ``t - 1``; ``prior_steps=0`` with ``t=2``
    gives fresh ``v, s`` at ``t=2``, the example of ASSIGNMENT_RNN.md section 1.
    """
    if prior_steps is None:
        prior_steps = t - 1
    if not 0 <= prior_steps <= t - 1:
        raise ValueError(f"prior_steps must be between 0 and t-1={t - 1}, got {prior_steps}")
    np.random.seed(seed)
    parameters = _layer_arrays(layers, "")
    grads = _layer_arrays(layers, "d", grad_scale)
    v, s = reference.initialize_adam(parameters)
    walked = parameters
    for step in range(t - prior_steps, t):
        earlier_grads = _layer_arrays(layers, "d", grad_scale)
        walked, v, s = reference.update_parameters_with_adam(walked, earlier_grads, v, s, step,
                                                             learning_rate=learning_rate)
    return {"parameters": parameters, "grads": grads, "v": v, "s": s, "t": t,
            "learning_rate": learning_rate}


# --------------------------------------------------------------------------- grader mutate


def random_arguments(builder, arguments: dict, rng) -> dict:
    """New arguments for a builder, for ``grader mutate``'s search for inputs that tell a mutant
    from the reference: another seed and, where the builder takes them, other sizes (``rng`` is
    a ``random.Random``); anything else as the case had it."""
    accepted = inspect.signature(builder).parameters
    chosen = dict(arguments)
    sizes = {"n_x": (1, 6), "n_a": (1, 6), "n_y": (1, 5), "m": (1, 5), "T_x": (1, 6)}
    for name, (low, high) in sizes.items():
        if name in accepted:
            chosen[name] = rng.randint(low, high)
    if "seed" in accepted:
        chosen["seed"] = rng.randint(100, 10**6)
    if "T_da" in accepted:
        chosen["T_da"] = rng.randint(1, chosen.get("T_x", accepted["T_x"].default if "T_x" in accepted else 1))
    if "weight_scale" in accepted:
        chosen["weight_scale"] = rng.choice([1.0, 1.0, 0.5, 3.0])
    if "layers" in accepted:
        chosen["layers"] = [[rng.randint(1, 5), rng.randint(1, 5)] for _ in range(rng.randint(1, 3))]
    if "t" in accepted:
        chosen["t"] = rng.randint(1, 5)
        chosen.pop("prior_steps", None)
    if "grad_scale" in accepted:
        chosen["grad_scale"] = rng.choice([1.0, 1.0, 1e-2, 1e-5])
    return chosen
