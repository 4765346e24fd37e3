"""Write the convolution assignment's solution notebook and its sample submissions.

    python tools/make_conv_notebooks.py            # write them
    python tools/make_conv_notebooks.py --check    # re-run them and compare with what is stored

The notebooks follow the layout of the course's "Convolutional Neural Networks: Step by Step"
(course 4, week 1): the numbered sections, an import cell, and for each of the eight functions a
``# GRADED FUNCTION: name`` cell (docstring, the code between ``### START CODE HERE ###`` and
``### END CODE HERE ###``) followed by the notebook's own test cell, which prints the values the
course's tables show. ``assignments/conv_step_by_step/solution.ipynb`` is the instructor's
notebook (``grader release`` empties its code regions for students); every sample under
``submissions/conv_*/`` is that notebook with the replacements ``VARIANTS`` lists, each of which
must match exactly once. Every notebook is run top to bottom here, as a student would run it,
with ``provided/`` on ``sys.path``; what it prints is stored in its cells. A cell that raises is
stored with its error, as Jupyter would show it. Nothing here imports ``reference/``.
"""
import argparse
import builtins
import contextlib
import io
import sys
import traceback
from pathlib import Path

import nbformat

import notebook_variants

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "conv_step_by_step"
SOLUTION = ASSIGNMENT / "solution.ipynb"
SUBMISSIONS = ROOT / "submissions"
NB_NAME = "Convolution_model_Step_by_Step.ipynb"

CELLS = [
    ("title", "markdown", """# Convolutional Neural Networks: Step by Step

In this assignment you build the two layers a convolutional network is made of, the convolution
(CONV) and the pooling (POOL) layer, in numpy: their forward passes and, at the end, their
backward passes.

**Notation**:
- Superscript $[l]$ denotes an object of the $l^{th}$ layer; superscript $(i)$ the $i^{th}$ example.
- $n_H$, $n_W$ and $n_C$ are the height, width and number of channels of a layer's output;
  $n_{H_{prev}}$, $n_{W_{prev}}$ and $n_{C_{prev}}$ those of its input."""),
    ("packages-md", "markdown", """<a name='1'></a>
## 1 - Packages

`np.random.seed(1)` keeps the random draws of the test cells the same from run to run."""),
    ("imports", "code", """import numpy as np
import h5py
import matplotlib.pyplot as plt
from public_tests import *

%matplotlib inline
np.random.seed(1)"""),
    ("outline", "markdown", """<a name='2'></a>
## 2 - Outline of the Assignment

- Convolution functions: zero padding, one step of convolution, the forward pass, the backward pass.
- Pooling functions: the forward pass, the mask of a window's maximum, distributing a value over
  a window, the backward pass."""),
    ("zero-pad-md", "markdown", """<a name='3'></a>
## 3 - Convolutional Neural Networks

<a name='3-1'></a>
### 3.1 - Zero-Padding

Padding adds zeros around the border of an image, so a convolution can keep the image's height
and width and use the pixels at its edges as much as the others.

<a name='ex-1'></a>
### Exercise 1 - zero_pad

Pad every image of the batch `X` with `pad` zeros on the height and width axes only (not the
examples, not the channels). `np.pad` does it."""),
    ("zero_pad", "code", '''# GRADED FUNCTION: zero_pad

def zero_pad(X, pad):
    """
    Pad with zeros all images of the dataset X, on their height and width.

    Argument:
    X -- python numpy array of shape (m, n_H, n_W, n_C), a batch of m images
    pad -- integer, amount of padding around each image on vertical and horizontal dimensions

    Returns:
    X_pad -- padded images of shape (m, n_H + 2 * pad, n_W + 2 * pad, n_C)
    """
    ### START CODE HERE ### (≈ 1 line)
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=(0, 0))
    ### END CODE HERE ###

    return X_pad'''),
    ("test-zero_pad", "code", """np.random.seed(1)
x = np.random.randn(4, 3, 3, 2)
x_pad = zero_pad(x, 2)
print ("x.shape =\\n", x.shape)
print ("x_pad.shape =\\n", x_pad.shape)
print ("x[1,1] =\\n", x[1, 1])
print ("x_pad[1,1] =\\n", x_pad[1, 1])

zero_pad_test(zero_pad)"""),
    ("conv-single-md", "markdown", """<a name='3-2'></a>
### 3.2 - Single Step of Convolution

One step of a convolution applies one filter at one position: it multiplies the slice of the
input under the filter by the filter, element by element, sums the products and adds the bias.
The result is one number.

<a name='ex-2'></a>
### Exercise 2 - conv_single_step

`b` has shape (1, 1, 1): cast it to a float so that `Z` is a scalar, not an array."""),
    ("conv_single_step", "code", '''# GRADED FUNCTION: conv_single_step

def conv_single_step(a_slice_prev, W, b):
    """
    Apply one filter defined by parameters W on a single slice (a_slice_prev) of the output activation
    of the previous layer.

    Arguments:
    a_slice_prev -- slice of input data of shape (f, f, n_C_prev)
    W -- Weight parameters contained in a window - matrix of shape (f, f, n_C_prev)
    b -- Bias parameters contained in a window - matrix of shape (1, 1, 1)

    Returns:
    Z -- a scalar value, the result of convolving the sliding window (W, b) on a slice x of the input data
    """
    ### START CODE HERE ### (≈ 3 lines of code)
    # Element-wise product between a_slice_prev and W. Do not add the bias yet.
    s = np.multiply(a_slice_prev, W)
    # Sum over all entries of the volume s.
    Z = np.sum(s)
    # Add bias b to Z. Cast b to a float() so that Z results in a scalar value.
    Z = Z + float(np.squeeze(b))
    ### END CODE HERE ###

    return Z'''),
    ("test-conv_single_step", "code", """np.random.seed(1)
a_slice_prev = np.random.randn(4, 4, 3)
W = np.random.randn(4, 4, 3)
b = np.random.randn(1, 1, 1)

Z = conv_single_step(a_slice_prev, W, b)
print("Z =", Z)
conv_single_step_test(conv_single_step)"""),
    ("conv-forward-md", "markdown", """<a name='3-3'></a>
### 3.3 - Convolutional Neural Networks - Forward Pass

The forward pass slides each of the `n_C` filters over the padded input, `stride` positions at a
time, and stacks the results. Its output has

$$ n_H = \\Bigl\\lfloor \\frac{n_{H_{prev}} - f + 2 \\times pad}{stride} \\Bigr\\rfloor +1, \\qquad
n_W = \\Bigl\\lfloor \\frac{n_{W_{prev}} - f + 2 \\times pad}{stride} \\Bigr\\rfloor +1 $$

<a name='ex-3'></a>
### Exercise 3 - conv_forward

Loop over the examples, the output's rows and columns, and the filters. The corners of each
window are the output position scaled by the stride. Use `conv_single_step` for each window and
`zero_pad` for the padding."""),
    ("conv_forward", "code", '''# GRADED FUNCTION: conv_forward

def conv_forward(A_prev, W, b, hparameters):
    """
    Implements the forward propagation for a convolution function

    Arguments:
    A_prev -- output activations of the previous layer, numpy array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- Weights, numpy array of shape (f, f, n_C_prev, n_C)
    b -- Biases, numpy array of shape (1, 1, 1, n_C)
    hparameters -- python dictionary containing "stride" and "pad"

    Returns:
    Z -- conv output, numpy array of shape (m, n_H, n_W, n_C)
    cache -- cache of values needed for the conv_backward() function
    """
    ### START CODE HERE ###
    # Retrieve dimensions from A_prev's shape (≈1 line)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    # Retrieve dimensions from W's shape (≈1 line)
    (f, f, n_C_prev, n_C) = W.shape
    # Retrieve information from "hparameters" (≈2 lines)
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    # Compute the dimensions of the CONV output volume using the formula given above.
    # Hint: use int() to apply the 'floor' operation. (≈2 lines)
    n_H = int((n_H_prev - f + 2 * pad) / stride) + 1
    n_W = int((n_W_prev - f + 2 * pad) / stride) + 1
    # Initialize the output volume Z with zeros. (≈1 line)
    Z = np.zeros((m, n_H, n_W, n_C))
    # Create A_prev_pad by padding A_prev
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):                         # loop over the batch of training examples
        a_prev_pad = A_prev_pad[i]             # Select ith training example's padded activation
        for h in range(n_H):                   # loop over vertical axis of the output volume
            # Find the vertical start and end of the current "slice" (≈2 lines)
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):               # loop over horizontal axis of the output volume
                # Find the horizontal start and end of the current "slice" (≈2 lines)
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):           # loop over channels (= #filters) of the output volume
                    # Use the corners to define the (3D) slice of a_prev_pad (See Hint above the cell). (≈1 line)
                    a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    # Convolve the (3D) slice with the correct filter W and bias b, to get back one output neuron. (≈3 line)
                    weights = W[:, :, :, c]
                    biases = b[:, :, :, c]
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, weights, biases)
    ### END CODE HERE ###

    # Save information in "cache" for the backprop
    cache = (A_prev, W, b, hparameters)

    return Z, cache'''),
    ("test-conv_forward", "code", """np.random.seed(1)
A_prev = np.random.randn(2, 5, 7, 4)
W = np.random.randn(3, 3, 4, 8)
b = np.random.randn(1, 1, 1, 8)
hparameters = {"pad" : 1,
               "stride": 2}

Z, cache_conv = conv_forward(A_prev, W, b, hparameters)
z_mean = np.mean(Z)
z_0_2_1 = Z[0, 2, 1]
cache_0_1_2_3 = cache_conv[0][1][2][3]
print("Z's mean =\\n", z_mean)
print("Z[0,2,1] =\\n", z_0_2_1)
print("cache_conv[0][1][2][3] =\\n", cache_0_1_2_3)

conv_forward_test_1(z_mean, z_0_2_1, cache_0_1_2_3)
conv_forward_test_2(conv_forward)"""),
    ("pool-md", "markdown", """<a name='4'></a>
## 4 - Pooling Layer

Pooling shrinks the height and width of its input, one channel at a time: max pooling keeps the
largest value of each `f` by `f` window, average pooling its mean. It has no parameters to learn,
only the hyperparameters `f` and `stride`. Its output has

$$ n_H = \\Bigl\\lfloor \\frac{n_{H_{prev}} - f}{stride} \\Bigr\\rfloor +1, \\qquad
n_W = \\Bigl\\lfloor \\frac{n_{W_{prev}} - f}{stride} \\Bigr\\rfloor +1, \\qquad n_C = n_{C_{prev}} $$

<a name='4-1'></a>
### 4.1 - Forward Pooling

<a name='ex-4'></a>
### Exercise 4 - pool_forward"""),
    ("pool_forward", "code", '''# GRADED FUNCTION: pool_forward

def pool_forward(A_prev, hparameters, mode = "max"):
    """
    Implements the forward pass of the pooling layer

    Arguments:
    A_prev -- Input data, numpy array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- python dictionary containing "f" and "stride"
    mode -- the pooling mode you would like to use, defined as a string ("max" or "average")

    Returns:
    A -- output of the pool layer, a numpy array of shape (m, n_H, n_W, n_C)
    cache -- cache used in the backward pass of the pooling layer, contains the input and hparameters
    """
    ### START CODE HERE ###
    # Retrieve dimensions from the input shape
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    # Retrieve hyperparameters from "hparameters"
    f = hparameters["f"]
    stride = hparameters["stride"]
    # Define the dimensions of the output
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    n_C = n_C_prev
    # Initialize output matrix A
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):                         # loop over the training examples
        for h in range(n_H):                   # loop on the vertical axis of the output volume
            # Find the vertical start and end of the current "slice" (≈2 lines)
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):               # loop on the horizontal axis of the output volume
                # Find the horizontal start and end of the current "slice" (≈2 lines)
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range (n_C):          # loop over the channels of the output volume
                    # Use the corners to define the current slice on the ith training example of A_prev, channel c. (≈1 line)
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    # Compute the pooling operation on the slice.
                    # Use an if statement to differentiate the modes.
                    # Use np.max and np.mean.
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    elif mode == "average":
                        A[i, h, w, c] = np.mean(a_prev_slice)
    ### END CODE HERE ###

    # Store the input and hparameters in "cache" for pool_backward()
    cache = (A_prev, hparameters)

    return A, cache'''),
    ("test-pool_forward", "code", """# Case 1: stride of 1
np.random.seed(1)
A_prev = np.random.randn(2, 5, 5, 3)
hparameters = {"stride" : 1, "f": 3}

A, cache = pool_forward(A_prev, hparameters, mode = "max")
print("mode = max")
print("A.shape = " + str(A.shape))
print("A[1, 1] =\\n", A[1, 1])
A, cache = pool_forward(A_prev, hparameters, mode = "average")
print("mode = average")
print("A.shape = " + str(A.shape))
print("A[1, 1] =\\n", A[1, 1])

pool_forward_test_1(pool_forward)"""),
    ("test-pool_forward-2", "code", """# Case 2: stride of 2
np.random.seed(1)
A_prev = np.random.randn(2, 5, 5, 3)
hparameters = {"stride" : 2, "f": 3}

A, cache = pool_forward(A_prev, hparameters)
print("mode = max")
print("A.shape = " + str(A.shape))
print("A[0] =\\n", A[0])
print()

A, cache = pool_forward(A_prev, hparameters, mode = "average")
print("mode = average")
print("A.shape = " + str(A.shape))
print("A[1] =\\n", A[1])

pool_forward_test_2(pool_forward)"""),
    ("backprop-md", "markdown", """<a name='5'></a>
## 5 - Backpropagation in Convolutional Neural Networks

<a name='5-1'></a>
### 5.1 - Convolutional Layer Backward Pass

Each output `Z[i, h, w, c]` came from one window of the padded input and one filter, so its
gradient `dZ[i, h, w, c]` flows back to both: the window's part of `dA_prev` gets the filter
times `dZ[i, h, w, c]`, the filter's gradient `dW[:, :, :, c]` gets the window times
`dZ[i, h, w, c]`, and `db[:, :, :, c]` gets `dZ[i, h, w, c]` itself. Windows that overlap add up.
At the end, cut the padding off the padded gradient: `da_prev_pad[pad:-pad, pad:-pad, :]`.

<a name='ex-5'></a>
### Exercise 5 - conv_backward"""),
    ("conv_backward", "code", '''# GRADED FUNCTION: conv_backward

def conv_backward(dZ, cache):
    """
    Implement the backward propagation for a convolution function

    Arguments:
    dZ -- gradient of the cost with respect to the output of the conv layer (Z), numpy array of shape (m, n_H, n_W, n_C)
    cache -- cache of values needed for the conv_backward(), output of conv_forward()

    Returns:
    dA_prev -- gradient of the cost with respect to the input of the conv layer (A_prev),
               numpy array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    dW -- gradient of the cost with respect to the weights of the conv layer (W)
          numpy array of shape (f, f, n_C_prev, n_C)
    db -- gradient of the cost with respect to the biases of the conv layer (b)
          numpy array of shape (1, 1, 1, n_C)
    """
    ### START CODE HERE ###
    # Retrieve information from "cache"
    (A_prev, W, b, hparameters) = cache
    # Retrieve dimensions from A_prev's shape
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    # Retrieve dimensions from W's shape
    (f, f, n_C_prev, n_C) = W.shape
    # Retrieve information from "hparameters"
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    # Retrieve dimensions from dZ's shape
    (m, n_H, n_W, n_C) = dZ.shape
    # Initialize dA_prev, dW, db with the correct shapes
    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C_prev))
    dW = np.zeros((f, f, n_C_prev, n_C))
    db = np.zeros((1, 1, 1, n_C))
    # Pad A_prev and dA_prev
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):                       # loop over the training examples
        # select ith training example from A_prev_pad and dA_prev_pad
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):                   # loop over vertical axis of the output volume
            for w in range(n_W):               # loop over horizontal axis of the output volume
                for c in range(n_C):           # loop over the channels of the output volume
                    # Find the corners of the current "slice"
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    # Use the corners to define the slice from a_prev_pad
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    # Update gradients for the window and the filter's parameters using the code formulas given above
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        # Set the ith training example's dA_prev to the unpadded da_prev_pad
        dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]
    ### END CODE HERE ###

    # Making sure your output shape is correct
    assert(dA_prev.shape == (m, n_H_prev, n_W_prev, n_C_prev))

    return dA_prev, dW, db'''),
    ("test-conv_backward", "code", """# conv_forward makes the Z and cache_conv that conv_backward is tested on
np.random.seed(1)
A_prev = np.random.randn(10, 4, 4, 3)
W = np.random.randn(2, 2, 3, 8)
b = np.random.randn(1, 1, 1, 8)
hparameters = {"pad" : 2,
               "stride": 2}
Z, cache_conv = conv_forward(A_prev, W, b, hparameters)

# Test conv_backward
dA, dW, db = conv_backward(Z, cache_conv)

print("dA_mean =", np.mean(dA))
print("dW_mean =", np.mean(dW))
print("db_mean =", np.mean(db))

assert type(dA) == np.ndarray, "Output must be a np.ndarray"
assert type(dW) == np.ndarray, "Output must be a np.ndarray"
assert type(db) == np.ndarray, "Output must be a np.ndarray"
assert dA.shape == (10, 4, 4, 3), f"Wrong shape for dA  {dA.shape} != (10, 4, 4, 3)"
assert dW.shape == (2, 2, 3, 8), f"Wrong shape for dW {dW.shape} != (2, 2, 3, 8)"
assert db.shape == (1, 1, 1, 8), f"Wrong shape for db {db.shape} != (1, 1, 1, 8)"
assert np.isclose(np.mean(dA), 1.4524377), "Wrong values for dA"
assert np.isclose(np.mean(dW), 1.7269914), "Wrong values for dW"
assert np.isclose(np.mean(db), 7.8392325), "Wrong values for db"

print("\\033[92m All tests passed.")"""),
    ("mask-md", "markdown", """<a name='5-2'></a>
## 5.2 Pooling Layer - Backward Pass

<a name='5-2-1'></a>
### 5.2.1 Max Pooling - Backward Pass

Only the largest entry of each window reached the output, so only it gets the gradient. A mask of
the window, True where the maximum is and False elsewhere, says where.

<a name='ex-6'></a>
### Exercise 6 - create_mask_from_window"""),
    ("create_mask_from_window", "code", '''# GRADED FUNCTION: create_mask_from_window

def create_mask_from_window(x):
    """
    Creates a mask from an input matrix x, to identify the max entry of x.

    Arguments:
    x -- Array of shape (f, f)

    Returns:
    mask -- Array of the same shape as window, contains a True at the position corresponding to the max entry of x.
    """
    ### START CODE HERE ### (≈1 line)
    mask = (x == np.max(x))
    ### END CODE HERE ###

    return mask'''),
    ("test-create_mask_from_window", "code", """np.random.seed(1)
x = np.random.randn(2, 3)
mask = create_mask_from_window(x)
print('x = ', x)
print("mask = ", mask)

x = np.array([[-1, 2, 3],
              [2, -3, 2],
              [1, 5, -2]])

y = np.array([[False, False, False],
     [False, False, False],
     [False, True, False]])
mask = create_mask_from_window(x)

assert type(mask) == np.ndarray, "Output must be a np.ndarray"
assert mask.shape == x.shape, "Input and output shapes must match"
assert np.allclose(mask, y), "Wrong output. The True value must be at position (2, 1)"

print("\\033[92m All tests passed.")"""),
    ("distribute-md", "markdown", """<a name='5-2-2'></a>
### 5.2.2 - Average Pooling - Backward Pass

Every entry of an average-pooling window counted equally, so the gradient `dz` of its output is
shared equally among them: each of the window's `n_H * n_W` entries gets an equal part.

<a name='ex-7'></a>
### Exercise 7 - distribute_value"""),
    ("distribute_value", "code", '''# GRADED FUNCTION: distribute_value

def distribute_value(dz, shape):
    """
    Distributes the input value in the matrix of dimension shape

    Arguments:
    dz -- input scalar
    shape -- the shape (n_H, n_W) of the output matrix for which we want to distribute the value of dz

    Returns:
    a -- Array of size (n_H, n_W) for which we distributed the value of dz
    """
    ### START CODE HERE ###
    # Retrieve dimensions from shape (≈1 line)
    (n_H, n_W) = shape
    # Compute the value to distribute on the matrix (≈1 line)
    average = dz / (n_H * n_W)
    # Create a matrix where every entry is the "average" value (≈1 line)
    a = np.ones(shape) * average
    ### END CODE HERE ###

    return a'''),
    ("test-distribute_value", "code", """a = distribute_value(2, (2, 2))
print('distributed value =', a)


assert type(a) == np.ndarray, "Output must be a np.ndarray"
assert a.shape == (2, 2), f"Wrong shape {a.shape} != (2, 2)"
assert np.sum(a) == 2, "Values must sum to 2"

a = distribute_value(100, (10, 10))
assert type(a) == np.ndarray, "Output must be a np.ndarray"
assert a.shape == (10, 10), f"Wrong shape {a.shape} != (10, 10)"
assert np.sum(a) == 100, "Values must sum to 100"

print("\\033[92m All tests passed.")"""),
    ("pool-backward-md", "markdown", """<a name='5-2-3'></a>
### 5.2.3 Putting it Together: Pooling Backward

Loop over the output as the forward pass did, with the same window corners; for each window add
its share of `dA[i, h, w, c]` to `dA_prev`: through the mask for max pooling, spread evenly with
`distribute_value` for average pooling.

<a name='ex-8'></a>
### Exercise 8 - pool_backward"""),
    ("pool_backward", "code", '''# GRADED FUNCTION: pool_backward

def pool_backward(dA, cache, mode = "max"):
    """
    Implements the backward pass of the pooling layer

    Arguments:
    dA -- gradient of cost with respect to the output of the pooling layer, same shape as A
    cache -- cache output from the forward pass of the pooling layer, contains the layer's input and hparameters
    mode -- the pooling mode you would like to use, defined as a string ("max" or "average")

    Returns:
    dA_prev -- gradient of cost with respect to the input of the pooling layer, same shape as A_prev
    """
    ### START CODE HERE ###
    # Retrieve information from cache (≈1 line)
    (A_prev, hparameters) = cache
    # Retrieve hyperparameters from "hparameters" (≈2 lines)
    stride = hparameters["stride"]
    f = hparameters["f"]
    # Retrieve dimensions from A_prev's shape and dA's shape (≈2 lines)
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    m, n_H, n_W, n_C = dA.shape
    # Initialize dA_prev with zeros (≈1 line)
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m): # loop over the training examples
        # select training example from A_prev (≈1 line)
        a_prev = A_prev[i]
        for h in range(n_H):                   # loop on the vertical axis
            for w in range(n_W):               # loop on the horizontal axis
                for c in range(n_C):           # loop over the channels (depth)
                    # Find the corners of the current "slice" (≈4 lines)
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    # Compute the backward propagation in both modes.
                    if mode == "max":
                        # Use the corners and "c" to define the current slice from a_prev (≈1 line)
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        # Create the mask from a_prev_slice (≈1 line)
                        mask = create_mask_from_window(a_prev_slice)
                        # Set dA_prev to be dA_prev + (the mask multiplied by the correct entry of dA) (≈1 line)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]
                    elif mode == "average":
                        # Get the value da from dA (≈1 line)
                        da = dA[i, h, w, c]
                        # Define the shape of the filter as fxf (≈1 line)
                        shape = (f, f)
                        # Distribute it to get the correct slice of dA_prev. i.e. Add the distributed value of da. (≈1 line)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, shape)
    ### END CODE HERE ###

    # Making sure your output shape is correct
    assert(dA_prev.shape == A_prev.shape)

    return dA_prev'''),
    ("test-pool_backward", "code", """np.random.seed(1)
A_prev = np.random.randn(5, 5, 3, 2)
hparameters = {"stride" : 1, "f": 2}
A, cache = pool_forward(A_prev, hparameters)
print(A.shape)
print(cache[0].shape)
dA = np.random.randn(5, 4, 2, 2)

dA_prev1 = pool_backward(dA, cache, mode = "max")
print("mode = max")
print('mean of dA = ', np.mean(dA))
print('dA_prev1[1,1] = ', dA_prev1[1, 1])
print()
dA_prev2 = pool_backward(dA, cache, mode = "average")
print("mode = average")
print('mean of dA = ', np.mean(dA))
print('dA_prev2[1,1] = ', dA_prev2[1, 1])

assert type(dA_prev1) == np.ndarray, "Wrong type"
assert dA_prev1.shape == (5, 5, 3, 2), f"Wrong shape {dA_prev1.shape} != (5, 5, 3, 2)"
assert np.allclose(dA_prev1[1, 1], [[0, 0],
                                    [ 5.05844394, -1.68282702],
                                    [ 0, 0]]), "Wrong values for mode max"
assert np.allclose(dA_prev2[1, 1], [[0.08485462,  0.2787552],
                                    [1.26461098, -0.25749373],
                                    [1.17975636, -0.53624893]]), "Wrong values for mode average"
print("\\033[92m All tests passed.")"""),
    ("congratulations", "markdown", """**Congratulations!** You have built the convolution and pooling layers of a convolutional
network, forward and backward, in numpy."""),
]

FUNCTIONS = ["zero_pad", "conv_single_step", "conv_forward", "pool_forward", "conv_backward",
             "create_mask_from_window", "distribute_value", "pool_backward"]

# (cell id, exact old text, new text); each old text must occur exactly once in its cell
VARIANTS = {
    "correct": [],
    # the course's line as numpy 1.x ran it: numpy 2 refuses float() of a (1, 1, 1) array
    "float_cast": [
        ("conv_single_step", "Z = Z + float(np.squeeze(b))", "Z = Z + float(b)"),
    ],
    "stride_ignored": [  # output sizes and windows as if the stride were 1
        ("conv_forward", "n_H = int((n_H_prev - f + 2 * pad) / stride) + 1", "n_H = n_H_prev - f + 2 * pad + 1"),
        ("conv_forward", "n_W = int((n_W_prev - f + 2 * pad) / stride) + 1", "n_W = n_W_prev - f + 2 * pad + 1"),
        ("conv_forward", "vert_start = h * stride", "vert_start = h"),
        ("conv_forward", "horiz_start = w * stride", "horiz_start = w"),
        ("pool_forward", "n_H = int(1 + (n_H_prev - f) / stride)", "n_H = int(1 + (n_H_prev - f))"),
        ("pool_forward", "n_W = int(1 + (n_W_prev - f) / stride)", "n_W = int(1 + (n_W_prev - f))"),
        ("pool_forward", "vert_start = h * stride", "vert_start = h"),
        ("pool_forward", "horiz_start = w * stride", "horiz_start = w"),
    ],
    "window_not_strided": [  # the right output sizes, windows that step by one
        ("pool_backward", "vert_start = h * stride", "vert_start = h"),
        ("pool_backward", "horiz_start = w * stride", "horiz_start = w"),
        ("conv_backward", "vert_start = h * stride", "vert_start = h"),
        ("conv_backward", "horiz_start = w * stride", "horiz_start = w"),
    ],
    "bias_per_element": [
        ("conv_single_step", "s = np.multiply(a_slice_prev, W)", "s = np.multiply(a_slice_prev, W) + b"),
        ("conv_single_step", "Z = Z + float(np.squeeze(b))", "Z = float(Z)"),
    ],
    "array_for_scalar": [
        ("conv_single_step", "Z = Z + float(np.squeeze(b))", "Z = Z + b"),
    ],
    "average_sum": [
        ("distribute_value", "average = dz / (n_H * n_W)", "average = dz / (n_H + n_W)"),
    ],
    "hardcoded_sizes": [
        ("zero_pad", "((0, 0), (pad, pad), (pad, pad), (0, 0))", "((0, 0), (2, 2), (2, 2), (0, 0))"),
        ("distribute_value", "a = np.ones(shape) * average", "a = np.ones((2, 2)) * average"),
        ("pool_backward", "shape = (f, f)", "shape = (2, 2)"),
    ],
}


def variant_cells(variant):
    """The (id, type, source) cells of a variant: the correct cells with its replacements."""
    return notebook_variants.variant_cells(CELLS, VARIANTS[variant], variant)


def _python(source):
    """A cell as the kernel runs it: IPython's magics (``%matplotlib inline``) do nothing here."""
    return "\n".join("" if line.lstrip().startswith("%") else line for line in source.splitlines())


def run_cells(cells):
    """Run the code cells top to bottom in one namespace; {cell id: (stdout, error or None)}."""
    provided = str(ASSIGNMENT / "provided")
    if provided not in sys.path:
        sys.path.insert(0, provided)
    for missing in ("h5py", "matplotlib", "matplotlib.pyplot"):  # the course's imports, unused here
        sys.modules.setdefault(missing, type(sys)(missing))
    sys.modules["matplotlib"].pyplot = sys.modules["matplotlib.pyplot"]
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    outputs = {}
    for cell_id, kind, source in cells:
        if kind != "code":
            continue
        out = io.StringIO()
        error = None
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(_python(source), f"<cell {cell_id}>", "exec"), namespace)
            except Exception as exc:  # noqa: BLE001  (stored as Jupyter shows it)
                error = exc
        outputs[cell_id] = (out.getvalue(), error)
    return outputs


def build_notebook(cells):
    outputs = run_cells(cells)
    nb = nbformat.v4.new_notebook()
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = {
        "coursera": {"schema_names": ["DLSC4W1-A1"]},
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                          "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                          "pygments_lexer": "ipython3", "version": "3.11.7"},
    }
    count = 0
    for cell_id, kind, source in cells:
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source, id=cell_id))
            continue
        count += 1
        cell = nbformat.v4.new_code_cell(source, id=cell_id, execution_count=count)
        stdout, error = outputs[cell_id]
        if stdout:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=stdout))
        if error is not None:
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename=type(error).__name__, evalue=str(error),
                traceback=traceback.format_exception_only(type(error), error)))
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def targets():
    yield SOLUTION, CELLS
    for variant in VARIANTS:
        yield SUBMISSIONS / f"conv_{variant}" / NB_NAME, variant_cells(variant)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="re-run and compare with the stored notebooks")
    arguments = parser.parse_args(argv)
    stale = []
    for path, cells in targets():
        notebook = build_notebook(cells)
        if arguments.check:
            stored = nbformat.read(str(path), as_version=4)
            if [(c.source, c.get("outputs")) for c in stored.cells] != [(c.source, c.get("outputs")) for c in notebook.cells]:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, str(path))
        print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("out of date: " + ", ".join(str(p.relative_to(ROOT)) for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
