"""Seeded case builders for the convolution step-by-step assignment.

Contract
--------
Each builder is a plain function ``NAME(reference, *, seed, ...) -> dict``:

* ``reference`` is the trusted reference module, passed in by the grader. Builders use it only
  to produce caches (forward passes); they never import it.
* Every other argument is keyword-only and has a default; the defaults reproduce the 2021
  notebook's test cell for that function (``np.random.seed(1)`` and the same sizes).
* The returned dict holds the keyword arguments of the graded function (keys are its parameter
  names), so the grader calls ``fn(**case)``. ``mode=""`` leaves ``mode`` out of the call, so
  the function's default applies.
* Randomness comes only from ``np.random.seed(seed)`` followed by ``np.random.randn`` draws in
  the notebook's order, so the numbers are exactly the notebook's.
* Values are plain data: numpy arrays (float64, integer or boolean), Python numbers and
  numpy scalars, dicts with str keys, tuples and lists.
"""
import numpy as np


def _mode(inputs: dict, mode: str) -> dict:
    if mode:
        inputs["mode"] = mode
    return inputs


# --------------------------------------------------------------------------- convolution


def zero_pad_case(reference, *, seed=1, m=4, n_H=3, n_W=3, n_C=2, pad=2, integer=False):
    """Draws x (m, n_H, n_W, n_C); ``integer`` makes it whole numbers between -9 and 9."""
    np.random.seed(seed)
    if integer:
        x = np.random.randint(-9, 10, size=(m, n_H, n_W, n_C))
    else:
        x = np.random.randn(m, n_H, n_W, n_C)
    return {"X": x, "pad": pad}


def conv_single_step_case(reference, *, seed=1, f=4, f_W=None, n_C_prev=3):
    """Draws a_slice_prev, W (f, f_W, n_C_prev) and b (1, 1, 1), the notebook's order."""
    shape = (f, f if f_W is None else f_W, n_C_prev)
    np.random.seed(seed)
    a_slice_prev = np.random.randn(*shape)
    W = np.random.randn(*shape)
    b = np.random.randn(1, 1, 1)
    return {"a_slice_prev": a_slice_prev, "W": W, "b": b}


def _conv_inputs(m, n_H_prev, n_W_prev, n_C_prev, f, n_C, pad, stride):
    A_prev = np.random.randn(m, n_H_prev, n_W_prev, n_C_prev)
    W = np.random.randn(f, f, n_C_prev, n_C)
    b = np.random.randn(1, 1, 1, n_C)
    return {"A_prev": A_prev, "W": W, "b": b, "hparameters": {"pad": pad, "stride": stride}}


def conv_forward_case(reference, *, seed=1, m=2, n_H_prev=5, n_W_prev=7, n_C_prev=4, f=3, n_C=8,
                      pad=1, stride=2):
    """Draws A_prev, W, b; hparameters {"pad", "stride"}."""
    np.random.seed(seed)
    return _conv_inputs(m, n_H_prev, n_W_prev, n_C_prev, f, n_C, pad, stride)


def conv_backward_case(reference, *, seed=1, m=10, n_H_prev=4, n_W_prev=4, n_C_prev=3, f=2, n_C=8,
                       pad=2, stride=2, dZ="Z"):
    """Draws as ``conv_forward_case`` and runs the reference forward pass for the cache.

    ``dZ="Z"`` passes the forward output itself as dZ, as the notebook's cell does;
    ``dZ="random"`` draws dZ of Z's shape afterwards.
    """
    if pad < 1:
        raise ValueError("conv_backward is graded with pad >= 1 (the course's [pad:-pad])")
    np.random.seed(seed)
    inputs = _conv_inputs(m, n_H_prev, n_W_prev, n_C_prev, f, n_C, pad, stride)
    Z, cache = reference.conv_forward(**inputs)
    if dZ == "random":
        Z = np.random.randn(*Z.shape)
    return {"dZ": Z, "cache": cache}


# --------------------------------------------------------------------------- pooling


def pool_forward_case(reference, *, seed=1, m=2, n_H_prev=5, n_W_prev=5, n_C=3, f=3, stride=1,
                      mode="max"):
    """Draws A_prev; hparameters {"f", "stride"}; ``mode=""`` leaves the mode to its default."""
    np.random.seed(seed)
    A_prev = np.random.randn(m, n_H_prev, n_W_prev, n_C)
    return _mode({"A_prev": A_prev, "hparameters": {"stride": stride, "f": f}}, mode)


def create_mask_from_window_case(reference, *, seed=1, shape=(2, 3), negative=False, integer=False):
    """Draws x of ``shape``; ``negative`` makes every entry negative; ``integer`` makes it a
    shuffle of distinct integers (one maximum)."""
    np.random.seed(seed)
    shape = tuple(shape)
    if integer:
        x = np.random.permutation(int(np.prod(shape))).reshape(shape) - 3
    else:
        x = np.random.randn(*shape)
        if negative:
            x = -np.abs(x) - 0.5
    return {"x": x}


def distribute_value_case(reference, *, dz=2, shape=(2, 2), kind=""):
    """dz as given (an int or a float from the spec) or, with ``kind="numpy"``, as a numpy
    float64; shape a tuple, as the notebook passes it."""
    if kind == "numpy":
        dz = np.float64(dz)
    return {"dz": dz, "shape": tuple(shape)}


def pool_backward_case(reference, *, seed=1, m=5, n_H_prev=5, n_W_prev=3, n_C=2, f=2, stride=1,
                       mode="max"):
    """Draws A_prev, runs the reference forward pass (max) for the cache, then draws dA of the
    output's shape: the notebook's cell. ``mode=""`` leaves the mode to its default."""
    np.random.seed(seed)
    A_prev = np.random.randn(m, n_H_prev, n_W_prev, n_C)
    A, cache = reference.pool_forward(A_prev, {"stride": stride, "f": f})
    dA = np.random.randn(*A.shape)
    return _mode({"dA": dA, "cache": cache}, mode)
