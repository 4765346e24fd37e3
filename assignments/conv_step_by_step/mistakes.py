"""Known mistakes in the convolution assignment, each recomputed from the reference with the
mistake applied.

The grader says a mistake's words only when its computation reproduces the student's values
(output by output, within the function's tolerance); see ``grader/feedback/hints.py``. Generic mistakes
(transposed, a dropped or extra axis, the sign flipped, a constant factor, another output or an
input returned) are detected there for every function; this file holds the ones that need the
assignment's own loops and formulas.

``compute`` is called as ``compute(reference, **case_inputs)`` and returns what the mistaken
code returns. Words: what is wrong, then what to do, as a TA would say them, never the corrected
line itself.
"""
from functools import partial

import numpy as np

from grader.hints import ErrorHint, Mistake


def _corner(position, stride, strided):
    return position * stride if strided else position


# --------------------------------------------------------------------------- the mistaken code


def _conv_single_step(reference, a_slice_prev, W, b, *, bias="once"):
    products = a_slice_prev * W
    if bias == "per-element":
        return np.sum(products + b)
    return np.sum(products) + b  # "array": b's shape (1, 1, 1) survives


def _conv_forward(reference, A_prev, W, b, hparameters, *, sizes_strided=True, windows_strided=True):
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    step = stride if sizes_strided else 1
    n_H = (n_H_prev - f + 2 * pad) // step + 1
    n_W = (n_W_prev - f + 2 * pad) // step + 1
    padded = reference.zero_pad(A_prev, pad)
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            top = _corner(h, stride, windows_strided)
            for w in range(n_W):
                left = _corner(w, stride, windows_strided)
                window = padded[i, top:top + f, left:left + f, :]
                if window.shape[:2] != (f, f):
                    raise ValueError("the window runs off the padded input")
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(window * W[:, :, :, c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)


def _pool_forward(reference, A_prev, hparameters, mode="max", *, sizes_strided=True, windows_strided=True):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    step = stride if sizes_strided else 1
    n_H = (n_H_prev - f) // step + 1
    n_W = (n_W_prev - f) // step + 1
    A = np.zeros((m, n_H, n_W, n_C))
    pool = {"max": np.max, "average": np.mean}[mode]
    for h in range(n_H):
        top = _corner(h, stride, windows_strided)
        for w in range(n_W):
            left = _corner(w, stride, windows_strided)
            window = A_prev[:, top:top + f, left:left + f, :]
            A[:, h, w, :] = pool(window, axis=(1, 2))
    return A, (A_prev, hparameters)


def _conv_backward(reference, dZ, cache, *, windows_strided=True):
    A_prev, W, b, hparameters = cache
    f = W.shape[0]
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    for i in range(m):
        for h in range(n_H):
            top = _corner(h, stride, windows_strided)
            for w in range(n_W):
                left = _corner(w, stride, windows_strided)
                for c in range(n_C):
                    dA_pad[i, top:top + f, left:left + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += A_pad[i, top:top + f, left:left + f, :] * dZ[i, h, w, c]
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, n_C)
    return dA_pad[:, pad:-pad, pad:-pad, :], dW, db


def _pool_backward(reference, dA, cache, mode="max", *, windows_strided=True):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            top = _corner(h, stride, windows_strided)
            for w in range(n_W):
                left = _corner(w, stride, windows_strided)
                for c in range(n_C):
                    if mode == "max":
                        piece = A_prev[i, top:top + f, left:left + f, c]
                        dA_prev[i, top:top + f, left:left + f, c] += (piece == np.max(piece)) * dA[i, h, w, c]
                    elif mode == "average":
                        dA_prev[i, top:top + f, left:left + f, c] += dA[i, h, w, c] / (f * f)
    return dA_prev


def _distribute_value(reference, dz, shape, *, divide_by="product", fixed_shape=None):
    n_H, n_W = shape
    cells = n_H + n_W if divide_by == "sum" else n_H * n_W
    return np.ones(fixed_shape or shape) * (dz / cells)


def _zero_pad(reference, X, pad, *, fixed_pad=2):
    return np.pad(X, ((0, 0), (fixed_pad, fixed_pad), (fixed_pad, fixed_pad), (0, 0)))


def _mistake(function, words, implementation, kind, **options):
    return Mistake(function, words, partial(implementation, **options), kind)


_STRIDE_IGNORED = ("the stride is ignored: the output's height and width, and the corners of each "
                   "window, are worked out as if the stride were 1. Divide by the stride in the size "
                   "formula, and move the window by stride rows (or columns) for each output step")
_WINDOWS_NOT_STRIDED = ("the windows move by one row (or column) per output step, not by the stride: "
                        "the corners of the window for output position (h, w) are that position scaled "
                        "by the stride, as in the forward pass")

# --------------------------------------------------------------------------- the catalogue

MISTAKES = [
    _mistake("zero_pad",
             "the padding is always 2, whatever pad is: the notebook's test pads by 2, other calls do "
             "not. Pad the height and width by the pad argument",
             _zero_pad, "hard-coded-size", fixed_pad=2),
    _mistake("conv_single_step",
             "Z is an array of shape (1, 1, 1), not a number: b has that shape, and adding it to the sum "
             "keeps it. Cast b to a float (take its single element) so that Z is a scalar",
             _conv_single_step, "scalar-as-array", bias="array"),
    _mistake("conv_single_step",
             "the bias is added to every product of the slice and the filter, so it counts once per "
             "element of the window: add b once, to the sum of the products",
             _conv_single_step, "bias-per-element", bias="per-element"),
    _mistake("conv_forward", _STRIDE_IGNORED, _conv_forward, "stride-ignored",
             sizes_strided=False, windows_strided=False),
    _mistake("conv_forward", _WINDOWS_NOT_STRIDED, _conv_forward, "window-not-strided", windows_strided=False),
    _mistake("pool_forward", _STRIDE_IGNORED, _pool_forward, "stride-ignored",
             sizes_strided=False, windows_strided=False),
    _mistake("pool_forward", _WINDOWS_NOT_STRIDED, _pool_forward, "window-not-strided", windows_strided=False),
    _mistake("conv_backward", _WINDOWS_NOT_STRIDED, _conv_backward, "window-not-strided", windows_strided=False),
    _mistake("pool_backward", _WINDOWS_NOT_STRIDED, _pool_backward, "window-not-strided", windows_strided=False),
    _mistake("distribute_value",
             "dz is divided by n_H + n_W: it is shared among all the n_H times n_W entries of the window, "
             "so divide by their number (the two agree only for a 2x2 window)",
             _distribute_value, "sum-for-product", divide_by="sum"),
    _mistake("distribute_value",
             "the result is 2x2 whatever shape is asked for: build it with the shape argument",
             _distribute_value, "hard-coded-size", fixed_shape=(2, 2)),
]

ERROR_HINTS = [
    ErrorHint(r"only 0-dimensional arrays can be converted to Python scalars",
              "float() of an array works only on an array without axes under numpy 2, and b has shape "
              "(1, 1, 1): take out its single element first (numpy's item method, or indexing each of "
              "its three axes) and add that to the sum. The course's numpy 1.x still accepted float(b)",
              "conv_single_step", "float-of-array"),
    ErrorHint(r"setting an array element with a sequence",
              "one element of the output gets an array: conv_single_step must return a number, not an "
              "array of shape (1, 1, 1)", "conv_forward", "scalar-as-array"),
    # a window of fixed size (2x2) meets a 3x3 one: numpy's broadcasting error
    ErrorHint(r"could not be broadcast|non-broadcastable output operand",
              "a window and what is added to it have different shapes: a window is f by f (f from "
              "hparameters) and starts at the output position scaled by the stride", None, "window-shape"),
]
