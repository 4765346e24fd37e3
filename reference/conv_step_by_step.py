"""Reference solutions for "Convolutional Neural Networks: Step by Step".

Signatures, return structures and loops follow the course's notebooks (2017/2018 and the 2021
release): images are ``(m, n_H, n_W, n_C)``, filters ``(f, f, n_C_prev, n_C)``, biases
``(1, 1, 1, n_C)``. The larger functions call the smaller ones exactly where the course asks
students to (``conv_forward`` -> ``zero_pad``, ``conv_single_step``; ``conv_backward`` ->
``zero_pad``; ``pool_backward`` -> ``create_mask_from_window``, ``distribute_value``), so the
grader answers those calls of a student's code from the reference. Written for numpy 1.x and
2.x alike (no ``float()`` of a one-element array). No function mutates its arguments.
"""
import numpy as np


def zero_pad(X, pad):
    """``X`` (m, n_H, n_W, n_C) with ``pad`` zeros around each image's height and width."""
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)


def conv_single_step(a_slice_prev, W, b):
    """One filter on one slice: the sum of the elementwise product, plus the bias, as a scalar."""
    s = a_slice_prev * W
    Z = np.sum(s)
    return Z + np.asarray(b, dtype=np.float64).reshape(-1)[0]


def conv_forward(A_prev, W, b, hparameters):
    """The convolution layer's forward pass; returns ``Z, cache=(A_prev, W, b, hparameters)``."""
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])
    cache = (A_prev, W, b, hparameters)
    return Z, cache


def pool_forward(A_prev, hparameters, mode="max"):
    """The pooling layer's forward pass ("max" or "average"); returns ``A, cache=(A_prev, hparameters)``."""
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f = hparameters["f"]
    stride = hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    elif mode == "average":
                        A[i, h, w, c] = np.mean(a_prev_slice)
    cache = (A_prev, hparameters)
    return A, cache


def conv_backward(dZ, cache):
    """The convolution layer's backward pass; returns ``dA_prev, dW, db`` (db is (1, 1, 1, n_C)).

    As the course's hint, the padding is cut off with ``[pad:-pad]``: graded with ``pad >= 1``.
    """
    A_prev, W, b, hparameters = cache
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape
    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C_prev))
    dW = np.zeros((f, f, n_C_prev, n_C))
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]
    return dA_prev, dW, db


def create_mask_from_window(x):
    """A boolean mask of ``x``'s shape, True where ``x`` holds its maximum."""
    return x == np.max(x)


def distribute_value(dz, shape):
    """An array of ``shape`` (n_H, n_W) whose elements share ``dz`` equally."""
    n_H, n_W = shape
    average = dz / (n_H * n_W)
    return np.ones(shape) * average


def pool_backward(dA, cache, mode="max"):
    """The pooling layer's backward pass; returns ``dA_prev``, shaped like the layer's input."""
    A_prev, hparameters = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]
                    elif mode == "average":
                        da = dA[i, h, w, c]
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, (f, f))
    return dA_prev
