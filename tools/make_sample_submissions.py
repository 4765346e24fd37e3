"""Write the sample submissions that ship with the grader.

    python tools/make_sample_submissions.py            # write submissions/<variant>/RNN.ipynb
    python tools/make_sample_submissions.py --check    # re-read and re-run them, and verify them

Every sample is one notebook in the layout of the 2021 course release ("DLSC5W1-A1"): section
headings, the import cell, and for each of the ten functions a graded cell (course docstring,
the student's code between ``### START CODE HERE ###`` and ``### END CODE HERE ###``) followed
by the notebook's own test cell. The variants differ from the correct notebook only in the
places listed in ``VARIANTS``; each replacement must match exactly once, so a variant cannot
drift from what it claims to be.

The notebooks are executed here, top to bottom in one namespace as a student would run them,
with ``assignments/rnn_step_by_step/provided`` on ``sys.path`` (for ``rnn_utils`` and
``public_tests``); their printed output and execution counts are stored in the cells. A cell
that raises stops the script: every sample must run to the end.

``--check`` verifies what was written: the files are valid nbformat 4.5, re-running them prints
exactly the stored outputs, the correct notebook prints the values of the course's 2021 tables,
its backward functions agree with finite differences, and every mistake really changes the
values (or shapes) of the function it is in. Nothing here imports from ``reference/``.
"""
import argparse
import builtins
import contextlib
import io
import sys
import traceback
from pathlib import Path

import nbformat
import numpy as np

import notebook_variants

ROOT = Path(__file__).resolve().parent.parent
PROVIDED = ROOT / "assignments" / "rnn_step_by_step" / "provided"
OUT_DIR = ROOT / "submissions"
NB_NAME = "RNN.ipynb"

# --------------------------------------------------------------------------------------------
# The cells of the correct notebook
# --------------------------------------------------------------------------------------------

MD_TITLE = """# Building your Recurrent Neural Network - Step by Step

Welcome to Course 5's first assignment! In this assignment, you will implement key components of a Recurrent Neural Network, or RNN, in NumPy.

**Notation**:
- Superscript $[l]$ denotes an object associated with the $l^{th}$ layer.
- Superscript $(i)$ denotes an object associated with the $i^{th}$ example.
- Superscript $\\langle t \\rangle$ denotes an object at the $t^{th}$ time step.
- Subscript $i$ denotes the $i^{th}$ entry of a vector."""

MD_PACKAGES = """<a name='0'></a>
## Packages"""

CODE_IMPORTS = """import numpy as np
from rnn_utils import *
from public_tests import *"""

MD_SEC1 = """<a name='1'></a>
## 1 - Forward Propagation for the Basic Recurrent Neural Network

The basic RNN has $T_x = T_y$: it reads the input one time step at a time and passes its hidden state $a$ from one step to the next."""

MD_EX1 = """<a name='1-1'></a>
### 1.1 - RNN Cell

$a^{\\langle t \\rangle} = \\tanh(W_{aa} a^{\\langle t-1 \\rangle} + W_{ax} x^{\\langle t \\rangle} + b_a)$, $\\hat{y}^{\\langle t \\rangle} = softmax(W_{ya} a^{\\langle t \\rangle} + b_y)$

<a name='ex-1'></a>
### Exercise 1 - rnn_cell_forward"""

RNN_CELL_FORWARD = r'''# UNQ_C1 (UNIQUE CELL IDENTIFIER, DO NOT EDIT)
# GRADED FUNCTION: rnn_cell_forward

def rnn_cell_forward(xt, a_prev, parameters):
    """
    Implements a single forward step of the RNN-cell as described in Figure (2)

    Arguments:
    xt -- your input data at timestep "t", numpy array of shape (n_x, m).
    a_prev -- Hidden state at timestep "t-1", numpy array of shape (n_a, m)
    parameters -- python dictionary containing:
                        Wax -- Weight matrix multiplying the input, numpy array of shape (n_a, n_x)
                        Waa -- Weight matrix multiplying the hidden state, numpy array of shape (n_a, n_a)
                        Wya -- Weight matrix relating the hidden-state to the output, numpy array of shape (n_y, n_a)
                        ba --  Bias, numpy array of shape (n_a, 1)
                        by -- Bias relating the hidden-state to the output, numpy array of shape (n_y, 1)
    Returns:
    a_next -- next hidden state, of shape (n_a, m)
    yt_pred -- prediction at timestep "t", numpy array of shape (n_y, m)
    cache -- tuple of values needed for the backward pass, contains (a_next, a_prev, xt, parameters)
    """
    
    # Retrieve parameters from "parameters"
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]
    
    ### START CODE HERE ### (≈2 lines)
    # compute next activation state using the formula given above
    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)
    # compute output of the current cell using the formula given above
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    ### END CODE HERE ###
    
    # store values you need for backward propagation in cache
    cache = (a_next, a_prev, xt, parameters)
    
    return a_next, yt_pred, cache'''

TEST_RNN_CELL_FORWARD = r'''np.random.seed(1)
xt_tmp = np.random.randn(3, 10)
a_prev_tmp = np.random.randn(5, 10)
parameters_tmp = {}
parameters_tmp['Waa'] = np.random.randn(5, 5)
parameters_tmp['Wax'] = np.random.randn(5, 3)
parameters_tmp['Wya'] = np.random.randn(2, 5)
parameters_tmp['ba'] = np.random.randn(5, 1)
parameters_tmp['by'] = np.random.randn(2, 1)

a_next_tmp, yt_pred_tmp, cache_tmp = rnn_cell_forward(xt_tmp, a_prev_tmp, parameters_tmp)
print("a_next[4] = \n", a_next_tmp[4])
print("a_next.shape = \n", a_next_tmp.shape)
print("yt_pred[1] =\n", yt_pred_tmp[1])
print("yt_pred.shape = \n", yt_pred_tmp.shape)

# UNIT TESTS
rnn_cell_forward_tests(rnn_cell_forward)'''

MD_EX2 = """<a name='1-2'></a>
### 1.2 - RNN Forward Pass

Loop over the time steps, feeding each step the hidden state the previous step produced.

<a name='ex-2'></a>
### Exercise 2 - rnn_forward"""

RNN_FORWARD = r'''# UNQ_C2 (UNIQUE CELL IDENTIFIER, DO NOT EDIT)
# GRADED FUNCTION: rnn_forward

def rnn_forward(x, a0, parameters):
    """
    Implement the forward propagation of the recurrent neural network described in Figure (3).

    Arguments:
    x -- Input data for every time-step, of shape (n_x, m, T_x).
    a0 -- Initial hidden state, of shape (n_a, m)
    parameters -- python dictionary containing:
                        Waa -- Weight matrix multiplying the hidden state, numpy array of shape (n_a, n_a)
                        Wax -- Weight matrix multiplying the input, numpy array of shape (n_a, n_x)
                        Wya -- Weight matrix relating the hidden-state to the output, numpy array of shape (n_y, n_a)
                        ba --  Bias numpy array of shape (n_a, 1)
                        by -- Bias relating the hidden-state to the output, numpy array of shape (n_y, 1)

    Returns:
    a -- Hidden states for every time-step, numpy array of shape (n_a, m, T_x)
    y_pred -- Predictions for every time-step, numpy array of shape (n_y, m, T_x)
    caches -- tuple of values needed for the backward pass, contains (list of caches, x)
    """
    
    # Initialize "caches" which will contain the list of all caches
    caches = []
    
    # Retrieve dimensions from shapes of x and parameters["Wya"]
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    
    ### START CODE HERE ###
    
    # initialize "a" and "y_pred" with zeros (≈2 lines)
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    
    # Initialize a_next (≈1 line)
    a_next = a0
    
    # loop over all time-steps of the input 'x' (1 line)
    for t in range(T_x):
        # Update next hidden state, compute the prediction, get the cache (≈2 lines)
        xt = x[:, :, t]
        a_next, yt_pred, cache = rnn_cell_forward(xt, a_next, parameters)
        # Save the value of the new "next" hidden state in a (≈1 line)
        a[:, :, t] = a_next
        # Save the value of the prediction in y (≈1 line)
        y_pred[:, :, t] = yt_pred
        # Append "cache" to "caches" (≈1 line)
        caches.append(cache)
        
    ### END CODE HERE ###
    
    # store values needed for backward propagation in cache
    caches = (caches, x)
    
    return a, y_pred, caches'''

TEST_RNN_FORWARD = r'''np.random.seed(1)
x_tmp = np.random.randn(3, 10, 4)
a0_tmp = np.random.randn(5, 10)
parameters_tmp = {}
parameters_tmp['Waa'] = np.random.randn(5, 5)
parameters_tmp['Wax'] = np.random.randn(5, 3)
parameters_tmp['Wya'] = np.random.randn(2, 5)
parameters_tmp['ba'] = np.random.randn(5, 1)
parameters_tmp['by'] = np.random.randn(2, 1)

a_tmp, y_pred_tmp, caches_tmp = rnn_forward(x_tmp, a0_tmp, parameters_tmp)
print("a[4][1] = \n", a_tmp[4][1])
print("a.shape = \n", a_tmp.shape)
print("y_pred[1][3] =\n", y_pred_tmp[1][3])
print("y_pred.shape = \n", y_pred_tmp.shape)
print("caches[1][1][3] =\n", caches_tmp[1][1][3])
print("len(caches) = \n", len(caches_tmp))

#UNIT TEST    
rnn_forward_test(rnn_forward)'''

MD_SEC2 = """<a name='2'></a>
## 2 - Long Short-Term Memory (LSTM) Network

<a name='2-1'></a>
### 2.1 - LSTM Cell

The forget gate $\\Gamma_f$, the update gate $\\Gamma_u$ (variables `Wi`, `bi`, `it` in the code, not "Wu"), the candidate value $\\tilde{c}$ and the output gate $\\Gamma_o$ are all computed from the concatenation $[a^{\\langle t-1 \\rangle}; x^{\\langle t \\rangle}]$.

<a name='ex-3'></a>
### Exercise 3 - lstm_cell_forward"""

LSTM_CELL_FORWARD = r'''# UNQ_C3 (UNIQUE CELL IDENTIFIER, DO NOT EDIT)
# GRADED FUNCTION: lstm_cell_forward

def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """
    Implement a single forward step of the LSTM-cell as described in Figure (4)

    Arguments:
    xt -- your input data at timestep "t", numpy array of shape (n_x, m).
    a_prev -- Hidden state at timestep "t-1", numpy array of shape (n_a, m)
    c_prev -- Memory state at timestep "t-1", numpy array of shape (n_a, m)
    parameters -- python dictionary containing:
                        Wf -- Weight matrix of the forget gate, numpy array of shape (n_a, n_a + n_x)
                        bf -- Bias of the forget gate, numpy array of shape (n_a, 1)
                        Wi -- Weight matrix of the update gate, numpy array of shape (n_a, n_a + n_x)
                        bi -- Bias of the update gate, numpy array of shape (n_a, 1)
                        Wc -- Weight matrix of the first "tanh", numpy array of shape (n_a, n_a + n_x)
                        bc --  Bias of the first "tanh", numpy array of shape (n_a, 1)
                        Wo -- Weight matrix of the output gate, numpy array of shape (n_a, n_a + n_x)
                        bo --  Bias of the output gate, numpy array of shape (n_a, 1)
                        Wy -- Weight matrix relating the hidden-state to the output, numpy array of shape (n_y, n_a)
                        by -- Bias relating the hidden-state to the output, numpy array of shape (n_y, 1)
                        
    Returns:
    a_next -- next hidden state, of shape (n_a, m)
    c_next -- next memory state, of shape (n_a, m)
    yt_pred -- prediction at timestep "t", numpy array of shape (n_y, m)
    cache -- tuple of values needed for the backward pass, contains (a_next, c_next, a_prev, c_prev, xt, parameters)
    
    Note: ft/it/ot stand for the forget/update/output gates, cct stands for the candidate value (c tilde),
          c stands for the cell state (memory)
    """

    # Retrieve parameters from "parameters"
    Wf = parameters["Wf"] # forget gate weight
    bf = parameters["bf"]
    Wi = parameters["Wi"] # update gate weight (notice the variable name)
    bi = parameters["bi"] # (notice the variable name)
    Wc = parameters["Wc"] # candidate value weight
    bc = parameters["bc"]
    Wo = parameters["Wo"] # output gate weight
    bo = parameters["bo"]
    Wy = parameters["Wy"] # prediction weight
    by = parameters["by"]
    
    # Retrieve dimensions from shapes of xt and Wy
    n_x, m = xt.shape
    n_y, n_a = Wy.shape

    ### START CODE HERE ###
    # Concatenate a_prev and xt (≈1 line)
    concat = np.concatenate((a_prev, xt), axis=0)

    # Compute values for ft (forget gate), it (update gate),
    # cct (candidate value), c_next (cell state), 
    # ot (output gate), a_next (hidden state) (≈6 lines)
    ft = sigmoid(np.dot(Wf, concat) + bf)        # forget gate
    it = sigmoid(np.dot(Wi, concat) + bi)        # update gate
    cct = np.tanh(np.dot(Wc, concat) + bc)       # candidate value
    c_next = ft * c_prev + it * cct              # cell state
    ot = sigmoid(np.dot(Wo, concat) + bo)        # output gate
    a_next = ot * np.tanh(c_next)                # hidden state
    
    # Compute prediction of the LSTM cell (≈1 line)
    yt_pred = softmax(np.dot(Wy, a_next) + by)
    ### END CODE HERE ###

    # store values needed for backward propagation in cache
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)

    return a_next, c_next, yt_pred, cache'''

TEST_LSTM_CELL_FORWARD = r'''np.random.seed(1)
xt_tmp = np.random.randn(3, 10)
a_prev_tmp = np.random.randn(5, 10)
c_prev_tmp = np.random.randn(5, 10)
parameters_tmp = {}
parameters_tmp['Wf'] = np.random.randn(5, 5 + 3)
parameters_tmp['bf'] = np.random.randn(5, 1)
parameters_tmp['Wi'] = np.random.randn(5, 5 + 3)
parameters_tmp['bi'] = np.random.randn(5, 1)
parameters_tmp['Wo'] = np.random.randn(5, 5 + 3)
parameters_tmp['bo'] = np.random.randn(5, 1)
parameters_tmp['Wc'] = np.random.randn(5, 5 + 3)
parameters_tmp['bc'] = np.random.randn(5, 1)
parameters_tmp['Wy'] = np.random.randn(2, 5)
parameters_tmp['by'] = np.random.randn(2, 1)

a_next_tmp, c_next_tmp, yt_tmp, cache_tmp = lstm_cell_forward(xt_tmp, a_prev_tmp, c_prev_tmp, parameters_tmp)

print("a_next[4] = \n", a_next_tmp[4])
print("a_next.shape = ", a_next_tmp.shape)
print("c_next[2] = \n", c_next_tmp[2])
print("c_next.shape = ", c_next_tmp.shape)
print("yt[1] =", yt_tmp[1])
print("yt.shape = ", yt_tmp.shape)
print("cache[1][3] =\n", cache_tmp[1][3])
print("len(cache) = ", len(cache_tmp))

# UNIT TEST
lstm_cell_forward_test(lstm_cell_forward)'''

MD_EX4 = """<a name='2-2'></a>
### 2.2 - Forward Pass for LSTM

Iterate `lstm_cell_forward` over the time steps; the initial memory state $c^{\\langle 0 \\rangle}$ is zeros.

<a name='ex-4'></a>
### Exercise 4 - lstm_forward"""

LSTM_FORWARD = r'''# UNQ_C4 (UNIQUE CELL IDENTIFIER, DO NOT EDIT)
# GRADED FUNCTION: lstm_forward

def lstm_forward(x, a0, parameters):
    """
    Implement the forward propagation of the recurrent neural network using an LSTM-cell described in Figure (4).

    Arguments:
    x -- Input data for every time-step, of shape (n_x, m, T_x).
    a0 -- Initial hidden state, of shape (n_a, m)
    parameters -- python dictionary containing:
                        Wf -- Weight matrix of the forget gate, numpy array of shape (n_a, n_a + n_x)
                        bf -- Bias of the forget gate, numpy array of shape (n_a, 1)
                        Wi -- Weight matrix of the update gate, numpy array of shape (n_a, n_a + n_x)
                        bi -- Bias of the update gate, numpy array of shape (n_a, 1)
                        Wc -- Weight matrix of the first "tanh", numpy array of shape (n_a, n_a + n_x)
                        bc -- Bias of the first "tanh", numpy array of shape (n_a, 1)
                        Wo -- Weight matrix of the output gate, numpy array of shape (n_a, n_a + n_x)
                        bo -- Bias of the output gate, numpy array of shape (n_a, 1)
                        Wy -- Weight matrix relating the hidden-state to the output, numpy array of shape (n_y, n_a)
                        by -- Bias relating the hidden-state to the output, numpy array of shape (n_y, 1)
                        
    Returns:
    a -- Hidden states for every time-step, numpy array of shape (n_a, m, T_x)
    y -- Predictions for every time-step, numpy array of shape (n_y, m, T_x)
    c -- The value of the cell state, numpy array of shape (n_a, m, T_x)
    caches -- tuple of values needed for the backward pass, contains (list of all the caches, x)
    """

    # Initialize "caches", which will track the list of all the caches
    caches = []
    
    ### START CODE HERE ###
    Wy = parameters['Wy'] # saving parameters['Wy'] in a local variable in case students use Wy instead of parameters['Wy']
    # Retrieve dimensions from shapes of x and parameters['Wy'] (≈2 lines)
    n_x, m, T_x = x.shape
    n_y, n_a = parameters['Wy'].shape
    
    # initialize "a", "c" and "y" with zeros (≈3 lines)
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    
    # Initialize a_next and c_next (≈2 lines)
    a_next = a0
    c_next = np.zeros((n_a, m))
    
    # loop over all time-steps
    for t in range(T_x):
        # Get the 2D slice 'xt' from the 3D input 'x' at time step 't'
        xt = x[:, :, t]
        # Update next hidden state, next memory state, compute the prediction, get the cache (≈1 line)
        a_next, c_next, yt, cache = lstm_cell_forward(xt, a_next, c_next, parameters)
        # Save the value of the new "next" hidden state in a (≈1 line)
        a[:, :, t] = a_next
        # Save the value of the next cell state (≈1 line)
        c[:, :, t] = c_next
        # Save the value of the prediction in y (≈1 line)
        y[:, :, t] = yt
        # Append the cache into caches (≈1 line)
        caches.append(cache)
        
    ### END CODE HERE ###
    
    # store values needed for backward propagation in cache
    caches = (caches, x)

    return a, y, c, caches'''

TEST_LSTM_FORWARD = r'''np.random.seed(1)
x_tmp = np.random.randn(3, 10, 7)
a0_tmp = np.random.randn(5, 10)
parameters_tmp = {}
parameters_tmp['Wf'] = np.random.randn(5, 5 + 3)
parameters_tmp['bf'] = np.random.randn(5, 1)
parameters_tmp['Wi'] = np.random.randn(5, 5 + 3)
parameters_tmp['bi'] = np.random.randn(5, 1)
parameters_tmp['Wo'] = np.random.randn(5, 5 + 3)
parameters_tmp['bo'] = np.random.randn(5, 1)
parameters_tmp['Wc'] = np.random.randn(5, 5 + 3)
parameters_tmp['bc'] = np.random.randn(5, 1)
parameters_tmp['Wy'] = np.random.randn(2, 5)
parameters_tmp['by'] = np.random.randn(2, 1)

a_tmp, y_tmp, c_tmp, caches_tmp = lstm_forward(x_tmp, a0_tmp, parameters_tmp)
print("a[4][3][6] = ", a_tmp[4][3][6])
print("a.shape = ", a_tmp.shape)
print("y[1][4][3] =", y_tmp[1][4][3])
print("y.shape = ", y_tmp.shape)
print("caches[1][1][1] =\n", caches_tmp[1][1][1])
print("c[1][2][1]", c_tmp[1][2][1])
print("len(caches) = ", len(caches_tmp))

# UNIT TEST    
lstm_forward_test(lstm_forward)'''

MD_SEC3 = """<a name='3'></a>
## 3 - Backpropagation in Recurrent Neural Networks (OPTIONAL / UNGRADED)

<a name='3-1'></a>
### 3.1 - Basic RNN Backward Pass

$\\frac{\\partial \\tanh(x)}{\\partial x} = 1 - \\tanh^2(x)$. Use `keepdims=True` when you sum over the examples for $db_a$.

<a name='ex-5'></a>
### Exercise 5 - rnn_cell_backward"""

RNN_CELL_BACKWARD = r'''# UNGRADED FUNCTION: rnn_cell_backward

def rnn_cell_backward(da_next, cache):
    """
    Implements the backward pass for the RNN-cell (single time-step).

    Arguments:
    da_next -- Gradient of loss with respect to next hidden state
    cache -- python dictionary containing useful values (output of rnn_cell_forward())

    Returns:
    gradients -- python dictionary containing:
                        dx -- Gradients of input data, of shape (n_x, m)
                        da_prev -- Gradients of previous hidden state, of shape (n_a, m)
                        dWax -- Gradients of input-to-hidden weights, of shape (n_a, n_x)
                        dWaa -- Gradients of hidden-to-hidden weights, of shape (n_a, n_a)
                        dba -- Gradients of bias vector, of shape (n_a, 1)
    """
    
    # Retrieve values from cache
    (a_next, a_prev, xt, parameters) = cache
    
    # Retrieve values from parameters
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]

    ### START CODE HERE ###
    # compute the gradient of dtanh term using a_next and da_next (≈1 line)
    dtanh = da_next * (1 - a_next ** 2)

    # compute the gradient of the loss with respect to Wax (≈2 lines)
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)

    # compute the gradient with respect to Waa (≈2 lines)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)

    # compute the gradient with respect to b (≈1 line)
    dba = np.sum(dtanh, axis=1, keepdims=True)

    ### END CODE HERE ###
    
    # Store the gradients in a python dictionary
    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    
    return gradients'''

TEST_RNN_CELL_BACKWARD = r'''np.random.seed(1)
xt_tmp = np.random.randn(3, 10)
a_prev_tmp = np.random.randn(5, 10)
parameters_tmp = {}
parameters_tmp['Wax'] = np.random.randn(5, 3)
parameters_tmp['Waa'] = np.random.randn(5, 5)
parameters_tmp['Wya'] = np.random.randn(2, 5)
parameters_tmp['ba'] = np.random.randn(5, 1)
parameters_tmp['by'] = np.random.randn(2, 1)

a_next_tmp, yt_tmp, cache_tmp = rnn_cell_forward(xt_tmp, a_prev_tmp, parameters_tmp)

da_next_tmp = np.random.randn(5, 10)
gradients_tmp = rnn_cell_backward(da_next_tmp, cache_tmp)
print("gradients[\"dxt\"][1][2] =", gradients_tmp["dxt"][1][2])
print("gradients[\"dxt\"].shape =", gradients_tmp["dxt"].shape)
print("gradients[\"da_prev\"][2][3] =", gradients_tmp["da_prev"][2][3])
print("gradients[\"da_prev\"].shape =", gradients_tmp["da_prev"].shape)
print("gradients[\"dWax\"][3][1] =", gradients_tmp["dWax"][3][1])
print("gradients[\"dWax\"].shape =", gradients_tmp["dWax"].shape)
print("gradients[\"dWaa\"][1][2] =", gradients_tmp["dWaa"][1][2])
print("gradients[\"dWaa\"].shape =", gradients_tmp["dWaa"].shape)
print("gradients[\"dba\"][4] =", gradients_tmp["dba"][4])
print("gradients[\"dba\"].shape =", gradients_tmp["dba"].shape)'''

MD_EX6 = """<a name='ex-6'></a>
### Exercise 6 - rnn_backward

Go backward through time, adding the gradient coming from the later time step to `da[:, :, t]`, and accumulate the parameter gradients over all time steps."""

RNN_BACKWARD = r'''# UNGRADED FUNCTION: rnn_backward

def rnn_backward(da, caches):
    """
    Implement the backward pass for a RNN over an entire sequence of input data.

    Arguments:
    da -- Upstream gradients of all hidden states, of shape (n_a, m, T_x)
    caches -- tuple containing information from the forward pass (rnn_forward)
    
    Returns:
    gradients -- python dictionary containing:
                        dx -- Gradient w.r.t. the input data, numpy-array of shape (n_x, m, T_x)
                        da0 -- Gradient w.r.t the initial hidden state, numpy-array of shape (n_a, m)
                        dWax -- Gradient w.r.t the input's weight matrix, numpy-array of shape (n_a, n_x)
                        dWaa -- Gradient w.r.t the hidden state's weight matrix, numpy-arrayof shape (n_a, n_a)
                        dba -- Gradient w.r.t the bias, of shape (n_a, 1)
    """
        
    ### START CODE HERE ###
    
    # Retrieve values from the first cache (t=1) of caches (≈2 lines)
    (caches, x) = caches
    (a1, a0, x1, parameters) = caches[0]
    
    # Retrieve dimensions from da's and x1's shapes (≈2 lines)
    n_a, m, T_x = da.shape
    n_x, m = x1.shape 
    
    # initialize the gradients with the right sizes (≈6 lines)
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da0 = np.zeros((n_a, m))
    da_prevt = np.zeros((n_a, m))
    
    # Loop through all the time steps
    for t in reversed(range(T_x)):
        # Compute gradients at time step t. Choose wisely the "da_next" and the "cache" to use in the backward propagation step. (≈1 line)
        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        # Retrieve derivatives from gradients (≈ 1 line)
        da_prevt = gradients["da_prev"]
        # Increment global derivatives w.r.t parameters by adding their derivative at time-step t (≈4 lines)
        dx[:, :, t] = gradients["dxt"]
        dWax += gradients["dWax"]
        dWaa += gradients["dWaa"]
        dba = dba + gradients["dba"]
        
    # Set da0 to the gradient of a which has been backpropagated through all time-steps (≈1 line) 
    da0 = da_prevt
    ### END CODE HERE ###

    # Store the gradients in a python dictionary
    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa,"dba": dba}
    
    return gradients'''

TEST_RNN_BACKWARD = r'''np.random.seed(1)
x_tmp = np.random.randn(3, 10, 4)
a0_tmp = np.random.randn(5, 10)
parameters_tmp = {}
parameters_tmp['Wax'] = np.random.randn(5, 3)
parameters_tmp['Waa'] = np.random.randn(5, 5)
parameters_tmp['Wya'] = np.random.randn(2, 5)
parameters_tmp['ba'] = np.random.randn(5, 1)
parameters_tmp['by'] = np.random.randn(2, 1)

a_tmp, y_tmp, caches_tmp = rnn_forward(x_tmp, a0_tmp, parameters_tmp)
da_tmp = np.random.randn(5, 10, 4)
gradients_tmp = rnn_backward(da_tmp, caches_tmp)

print("gradients[\"dx\"][1][2] =", gradients_tmp["dx"][1][2])
print("gradients[\"dx\"].shape =", gradients_tmp["dx"].shape)
print("gradients[\"da0\"][2][3] =", gradients_tmp["da0"][2][3])
print("gradients[\"da0\"].shape =", gradients_tmp["da0"].shape)
print("gradients[\"dWax\"][3][1] =", gradients_tmp["dWax"][3][1])
print("gradients[\"dWax\"].shape =", gradients_tmp["dWax"].shape)
print("gradients[\"dWaa\"][1][2] =", gradients_tmp["dWaa"][1][2])
print("gradients[\"dWaa\"].shape =", gradients_tmp["dWaa"].shape)
print("gradients[\"dba\"][4] =", gradients_tmp["dba"][4])
print("gradients[\"dba\"].shape =", gradients_tmp["dba"].shape)'''

MD_EX7 = """<a name='3-2'></a>
### 3.2 - LSTM Backward Pass

Equations (7) to (21): the gate derivatives $d\\gamma_o$, $dp\\tilde{c}$, $d\\gamma_u$, $d\\gamma_f$, then the parameter derivatives and the derivatives with respect to $a^{\\langle t-1 \\rangle}$, $c^{\\langle t-1 \\rangle}$ and $x^{\\langle t \\rangle}$.

<a name='ex-7'></a>
### Exercise 7 - lstm_cell_backward"""

LSTM_CELL_BACKWARD = r'''# UNGRADED FUNCTION: lstm_cell_backward

def lstm_cell_backward(da_next, dc_next, cache):
    """
    Implement the backward pass for the LSTM-cell (single time-step).

    Arguments:
    da_next -- Gradients of next hidden state, of shape (n_a, m)
    dc_next -- Gradients of next cell state, of shape (n_a, m)
    cache -- cache storing information from the forward pass

    Returns:
    gradients -- python dictionary containing:
                        dxt -- Gradient of input data at time-step t, of shape (n_x, m)
                        da_prev -- Gradient w.r.t. the previous hidden state, numpy array of shape (n_a, m)
                        dc_prev -- Gradient w.r.t. the previous memory state, of shape (n_a, m, T_x)
                        dWf -- Gradient w.r.t. the weight matrix of the forget gate, numpy array of shape (n_a, n_a + n_x)
                        dWi -- Gradient w.r.t. the weight matrix of the update gate, numpy array of shape (n_a, n_a + n_x)
                        dWc -- Gradient w.r.t. the weight matrix of the memory gate, numpy array of shape (n_a, n_a + n_x)
                        dWo -- Gradient w.r.t. the weight matrix of the output gate, numpy array of shape (n_a, n_a + n_x)
                        dbf -- Gradient w.r.t. biases of the forget gate, of shape (n_a, 1)
                        dbi -- Gradient w.r.t. biases of the update gate, of shape (n_a, 1)
                        dbc -- Gradient w.r.t. biases of the memory gate, of shape (n_a, 1)
                        dbo -- Gradient w.r.t. biases of the output gate, of shape (n_a, 1)
    """

    # Retrieve information from "cache"
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    
    ### START CODE HERE ###
    # Retrieve dimensions from xt's and a_next's shape (≈2 lines)
    n_x, m = xt.shape
    n_a, m = a_next.shape
    
    # Compute gates related derivatives. Their values can be found by looking carefully at equations (7) to (10) (≈4 lines)
    dot = da_next*np.tanh(c_next)*ot*(1-ot)
    dcct = (dc_next*it + ot*(1-np.tanh(c_next)**2)*it*da_next) * (1-cct**2)
    dit = (dc_next*cct + ot*(1-np.tanh(c_next)**2)*cct*da_next) * it*(1-it)
    dft = (dc_next*c_prev + ot*(1-np.tanh(c_next)**2)*c_prev*da_next) * ft*(1-ft)
    
    # Compute parameters related derivatives. Use equations (11)-(18) (≈8 lines)
    concat = np.concatenate((a_prev, xt), axis=0)
    dWf = np.dot(dft, concat.T)
    dWi = np.dot(dit, concat.T)
    dWc = np.dot(dcct, concat.T)
    dWo = np.dot(dot, concat.T)
    dbf = np.sum(dft, axis=1, keepdims=True)
    dbi = np.sum(dit, axis=1, keepdims=True)
    dbc = np.sum(dcct, axis=1, keepdims=True)
    dbo = np.sum(dot, axis=1, keepdims=True)

    # Compute derivatives w.r.t previous hidden state, previous memory state and input. Use equations (19)-(21). (≈3 lines)
    da_prev = (np.dot(parameters['Wf'][:, :n_a].T, dft) + np.dot(parameters['Wi'][:, :n_a].T, dit)
               + np.dot(parameters['Wc'][:, :n_a].T, dcct) + np.dot(parameters['Wo'][:, :n_a].T, dot))
    dc_prev = dc_next*ft + ot*(1-np.tanh(c_next)**2)*ft*da_next
    dxt = (np.dot(parameters['Wf'][:, n_a:].T, dft) + np.dot(parameters['Wi'][:, n_a:].T, dit)
           + np.dot(parameters['Wc'][:, n_a:].T, dcct) + np.dot(parameters['Wo'][:, n_a:].T, dot))
    ### END CODE HERE ###
    
    # Save gradients in dictionary
    gradients = {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev, "dWf": dWf,"dbf": dbf, "dWi": dWi,"dbi": dbi,
                "dWc": dWc,"dbc": dbc, "dWo": dWo,"dbo": dbo}

    return gradients'''

TEST_LSTM_CELL_BACKWARD = r'''np.random.seed(1)
xt_tmp = np.random.randn(3, 10)
a_prev_tmp = np.random.randn(5, 10)
c_prev_tmp = np.random.randn(5, 10)
parameters_tmp = {}
parameters_tmp['Wf'] = np.random.randn(5, 5 + 3)
parameters_tmp['bf'] = np.random.randn(5, 1)
parameters_tmp['Wi'] = np.random.randn(5, 5 + 3)
parameters_tmp['bi'] = np.random.randn(5, 1)
parameters_tmp['Wo'] = np.random.randn(5, 5 + 3)
parameters_tmp['bo'] = np.random.randn(5, 1)
parameters_tmp['Wc'] = np.random.randn(5, 5 + 3)
parameters_tmp['bc'] = np.random.randn(5, 1)
parameters_tmp['Wy'] = np.random.randn(2, 5)
parameters_tmp['by'] = np.random.randn(2, 1)

a_next_tmp, c_next_tmp, yt_tmp, cache_tmp = lstm_cell_forward(xt_tmp, a_prev_tmp, c_prev_tmp, parameters_tmp)

da_next_tmp = np.random.randn(5, 10)
dc_next_tmp = np.random.randn(5, 10)
gradients_tmp = lstm_cell_backward(da_next_tmp, dc_next_tmp, cache_tmp)
print("gradients[\"dxt\"][1][2] =", gradients_tmp["dxt"][1][2])
print("gradients[\"dxt\"].shape =", gradients_tmp["dxt"].shape)
print("gradients[\"da_prev\"][2][3] =", gradients_tmp["da_prev"][2][3])
print("gradients[\"da_prev\"].shape =", gradients_tmp["da_prev"].shape)
print("gradients[\"dc_prev\"][2][3] =", gradients_tmp["dc_prev"][2][3])
print("gradients[\"dc_prev\"].shape =", gradients_tmp["dc_prev"].shape)
print("gradients[\"dWf\"][3][1] =", gradients_tmp["dWf"][3][1])
print("gradients[\"dWf\"].shape =", gradients_tmp["dWf"].shape)
print("gradients[\"dWi\"][1][2] =", gradients_tmp["dWi"][1][2])
print("gradients[\"dWi\"].shape =", gradients_tmp["dWi"].shape)
print("gradients[\"dWc\"][3][1] =", gradients_tmp["dWc"][3][1])
print("gradients[\"dWc\"].shape =", gradients_tmp["dWc"].shape)
print("gradients[\"dWo\"][1][2] =", gradients_tmp["dWo"][1][2])
print("gradients[\"dWo\"].shape =", gradients_tmp["dWo"].shape)
print("gradients[\"dbf\"][4] =", gradients_tmp["dbf"][4])
print("gradients[\"dbf\"].shape =", gradients_tmp["dbf"].shape)
print("gradients[\"dbi\"][4] =", gradients_tmp["dbi"][4])
print("gradients[\"dbi\"].shape =", gradients_tmp["dbi"].shape)
print("gradients[\"dbc\"][4] =", gradients_tmp["dbc"][4])
print("gradients[\"dbc\"].shape =", gradients_tmp["dbc"].shape)
print("gradients[\"dbo\"][4] =", gradients_tmp["dbo"][4])
print("gradients[\"dbo\"].shape =", gradients_tmp["dbo"].shape)'''

MD_EX8 = """<a name='3-3'></a>
### 3.3 Backward Pass through the LSTM RNN

<a name='ex-8'></a>
### Exercise 8 - lstm_backward

Choose wisely the `da_next` and `dc_next` for each time step (same as done for Exercise 6)."""

LSTM_BACKWARD = r'''# UNGRADED FUNCTION: lstm_backward

def lstm_backward(da, caches):
    """
    Implement the backward pass for the RNN with LSTM-cell (over a whole sequence).

    Arguments:
    da -- Gradients w.r.t the hidden states, numpy-array of shape (n_a, m, T_x)
    caches -- cache storing information from the forward pass (lstm_forward)

    Returns:
    gradients -- python dictionary containing:
                        dx -- Gradient of inputs, of shape (n_x, m, T_x)
                        da0 -- Gradient w.r.t. the previous hidden state, numpy array of shape (n_a, m)
                        dWf -- Gradient w.r.t. the weight matrix of the forget gate, numpy array of shape (n_a, n_a + n_x)
                        dWi -- Gradient w.r.t. the weight matrix of the update gate, numpy array of shape (n_a, n_a + n_x)
                        dWc -- Gradient w.r.t. the weight matrix of the memory gate, numpy array of shape (n_a, n_a + n_x)
                        dWo -- Gradient w.r.t. the weight matrix of the output gate, numpy array of shape (n_a, n_a + n_x)
                        dbf -- Gradient w.r.t. biases of the forget gate, of shape (n_a, 1)
                        dbi -- Gradient w.r.t. biases of the update gate, of shape (n_a, 1)
                        dbc -- Gradient w.r.t. biases of the memory gate, of shape (n_a, 1)
                        dbo -- Gradient w.r.t. biases of the output gate, of shape (n_a, 1)
    """

    # Retrieve values from the first cache (t=1) of caches.
    (caches, x) = caches
    (a1, c1, a0, c0, f1, i1, cc1, o1, x1, parameters) = caches[0]
    
    ### START CODE HERE ###
    # Retrieve dimensions from da's and x1's shapes (≈2 lines)
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    
    # initialize the gradients with the right sizes (≈12 lines)
    dx = np.zeros((n_x, m, T_x))
    da0 = np.zeros((n_a, m))
    da_prevt = np.zeros((n_a, m))
    dc_prevt = np.zeros((n_a, m))
    dWf = np.zeros((n_a, n_a + n_x))
    dWi = np.zeros((n_a, n_a + n_x))
    dWc = np.zeros((n_a, n_a + n_x))
    dWo = np.zeros((n_a, n_a + n_x))
    dbf = np.zeros((n_a, 1))
    dbi = np.zeros((n_a, 1))
    dbc = np.zeros((n_a, 1))
    dbo = np.zeros((n_a, 1))
    
    # loop back over the whole sequence
    for t in reversed(range(T_x)):
        # Compute all gradients using lstm_cell_backward
        gradients = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches[t])
        # Store or add the gradient to the parameters' previous step's gradient
        da_prevt = gradients['da_prev']
        dc_prevt = gradients['dc_prev']
        dx[:, :, t] = gradients['dxt']
        dWf += gradients['dWf']
        dWi += gradients['dWi']
        dWc += gradients['dWc']
        dWo += gradients['dWo']
        dbf = dbf + gradients['dbf']
        dbi = dbi + gradients['dbi']
        dbc = dbc + gradients['dbc']
        dbo = dbo + gradients['dbo']
    # Set the first activation's gradient to the backpropagated gradient da_prev.
    da0 = gradients['da_prev']
    
    ### END CODE HERE ###

    # Store the gradients in a python dictionary
    gradients = {"dx": dx, "da0": da0, "dWf": dWf,"dbf": dbf, "dWi": dWi,"dbi": dbi,
                "dWc": dWc,"dbc": dbc, "dWo": dWo,"dbo": dbo}
    
    return gradients'''

TEST_LSTM_BACKWARD = r'''np.random.seed(1)
x_tmp = np.random.randn(3, 10, 7)
a0_tmp = np.random.randn(5, 10)

parameters_tmp = {}
parameters_tmp['Wf'] = np.random.randn(5, 5 + 3)
parameters_tmp['bf'] = np.random.randn(5, 1)
parameters_tmp['Wi'] = np.random.randn(5, 5 + 3)
parameters_tmp['bi'] = np.random.randn(5, 1)
parameters_tmp['Wo'] = np.random.randn(5, 5 + 3)
parameters_tmp['bo'] = np.random.randn(5, 1)
parameters_tmp['Wc'] = np.random.randn(5, 5 + 3)
parameters_tmp['bc'] = np.random.randn(5, 1)
parameters_tmp['Wy'] = np.zeros((2, 5))       # unused, but needed for lstm_forward
parameters_tmp['by'] = np.zeros((2, 1))       # unused, but needed for lstm_forward

a_tmp, y_tmp, c_tmp, caches_tmp = lstm_forward(x_tmp, a0_tmp, parameters_tmp)

da_tmp = np.random.randn(5, 10, 4)
gradients_tmp = lstm_backward(da_tmp, caches_tmp)

print("gradients[\"dx\"][1][2] =", gradients_tmp["dx"][1][2])
print("gradients[\"dx\"].shape =", gradients_tmp["dx"].shape)
print("gradients[\"da0\"][2][3] =", gradients_tmp["da0"][2][3])
print("gradients[\"da0\"].shape =", gradients_tmp["da0"].shape)
print("gradients[\"dWf\"][3][1] =", gradients_tmp["dWf"][3][1])
print("gradients[\"dWf\"].shape =", gradients_tmp["dWf"].shape)
print("gradients[\"dWi\"][1][2] =", gradients_tmp["dWi"][1][2])
print("gradients[\"dWi\"].shape =", gradients_tmp["dWi"].shape)
print("gradients[\"dWc\"][3][1] =", gradients_tmp["dWc"][3][1])
print("gradients[\"dWc\"].shape =", gradients_tmp["dWc"].shape)
print("gradients[\"dWo\"][1][2] =", gradients_tmp["dWo"][1][2])
print("gradients[\"dWo\"].shape =", gradients_tmp["dWo"].shape)
print("gradients[\"dbf\"][4] =", gradients_tmp["dbf"][4])
print("gradients[\"dbf\"].shape =", gradients_tmp["dbf"].shape)
print("gradients[\"dbi\"][4] =", gradients_tmp["dbi"][4])
print("gradients[\"dbi\"].shape =", gradients_tmp["dbi"].shape)
print("gradients[\"dbc\"][4] =", gradients_tmp["dbc"][4])
print("gradients[\"dbc\"].shape =", gradients_tmp["dbc"].shape)
print("gradients[\"dbo\"][4] =", gradients_tmp["dbo"][4])
print("gradients[\"dbo\"].shape =", gradients_tmp["dbo"].shape)'''

MD_SEC4 = """<a name='4'></a>
## 4 - Optimizing with Adam

Adam keeps an exponentially weighted average of the gradients ($v$) and of their squares ($s$), corrects both for their bias towards zero, and updates
$W = W - \\alpha \\frac{v^{corrected}_{dW}}{\\sqrt{s^{corrected}_{dW}} + \\varepsilon}$.

<a name='ex-9'></a>
### Exercise 9 - initialize_adam"""

INITIALIZE_ADAM = r'''# GRADED FUNCTION: initialize_adam

def initialize_adam(parameters) :
    """
    Initializes v and s as two python dictionaries with:
                - keys: "dW1", "db1", ..., "dWL", "dbL" 
                - values: numpy arrays of zeros of the same shape as the corresponding gradients/parameters.
    
    Arguments:
    parameters -- python dictionary containing your parameters.
                    parameters["W" + str(l)] = Wl
                    parameters["b" + str(l)] = bl
    
    Returns: 
    v -- python dictionary that will contain the exponentially weighted average of the gradient.
    s -- python dictionary that will contain the exponentially weighted average of the squared gradient.
    """
    
    L = len(parameters) // 2 # number of layers in the neural networks
    v = {}
    s = {}
    
    # Initialize v, s. Input: "parameters". Outputs: "v, s".
    for l in range(L):
    ### START CODE HERE ### (approx. 4 lines)
        v["dW" + str(l+1)] = np.zeros(parameters["W" + str(l+1)].shape)
        v["db" + str(l+1)] = np.zeros(parameters["b" + str(l+1)].shape)
        s["dW" + str(l+1)] = np.zeros(parameters["W" + str(l+1)].shape)
        s["db" + str(l+1)] = np.zeros(parameters["b" + str(l+1)].shape)
    ### END CODE HERE ###
    
    return v, s'''

TEST_INITIALIZE_ADAM = r'''np.random.seed(1)
parameters_tmp = {}
parameters_tmp['W1'] = np.random.randn(2, 3)
parameters_tmp['b1'] = np.random.randn(2, 1)
parameters_tmp['W2'] = np.random.randn(3, 3)
parameters_tmp['b2'] = np.random.randn(3, 1)

v_tmp, s_tmp = initialize_adam(parameters_tmp)
print("v[\"dW1\"] = \n", v_tmp["dW1"])
print("v[\"db1\"] = \n", v_tmp["db1"])
print("s[\"dW2\"].shape =", s_tmp["dW2"].shape)
print("s[\"db2\"].shape =", s_tmp["db2"].shape)'''

MD_EX10 = """<a name='ex-10'></a>
### Exercise 10 - update_parameters_with_adam"""

UPDATE_PARAMETERS_WITH_ADAM = r'''# GRADED FUNCTION: update_parameters_with_adam

def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate = 0.01,
                                beta1 = 0.9, beta2 = 0.999,  epsilon = 1e-8):
    """
    Update parameters using Adam
    
    Arguments:
    parameters -- python dictionary containing your parameters:
                    parameters['W' + str(l)] = Wl
                    parameters['b' + str(l)] = bl
    grads -- python dictionary containing your gradients for each parameters:
                    grads['dW' + str(l)] = dWl
                    grads['db' + str(l)] = dbl
    v -- Adam variable, moving average of the first gradient, python dictionary
    s -- Adam variable, moving average of the squared gradient, python dictionary
    t -- Adam step counter (number of updates taken so far, starting at 1)
    learning_rate -- the learning rate, scalar.
    beta1 -- Exponential decay hyperparameter for the first moment estimates 
    beta2 -- Exponential decay hyperparameter for the second moment estimates 
    epsilon -- hyperparameter preventing division by zero in Adam updates

    Returns:
    parameters -- python dictionary containing your updated parameters 
    v -- Adam variable, moving average of the first gradient, python dictionary
    s -- Adam variable, moving average of the squared gradient, python dictionary
    """
    
    L = len(parameters) // 2                 # number of layers in the neural networks
    v_corrected = {}                         # Initializing first moment estimate, python dictionary
    s_corrected = {}                         # Initializing second moment estimate, python dictionary
    
    # Perform Adam update on all parameters
    for l in range(L):
        # Moving average of the gradients. Inputs: "v, grads, beta1". Output: "v".
        ### START CODE HERE ### (approx. 2 lines)
        v["dW" + str(l+1)] = beta1 * v["dW" + str(l+1)] + (1 - beta1) * grads["dW" + str(l+1)]
        v["db" + str(l+1)] = beta1 * v["db" + str(l+1)] + (1 - beta1) * grads["db" + str(l+1)]
        ### END CODE HERE ###

        # Compute bias-corrected first moment estimate. Inputs: "v, beta1, t". Output: "v_corrected".
        ### START CODE HERE ### (approx. 2 lines)
        v_corrected["dW" + str(l+1)] = v["dW" + str(l+1)] / (1 - beta1 ** t)
        v_corrected["db" + str(l+1)] = v["db" + str(l+1)] / (1 - beta1 ** t)
        ### END CODE HERE ###

        # Moving average of the squared gradients. Inputs: "s, grads, beta2". Output: "s".
        ### START CODE HERE ### (approx. 2 lines)
        s["dW" + str(l+1)] = beta2 * s["dW" + str(l+1)] + (1 - beta2) * np.square(grads["dW" + str(l+1)])
        s["db" + str(l+1)] = beta2 * s["db" + str(l+1)] + (1 - beta2) * np.square(grads["db" + str(l+1)])
        ### END CODE HERE ###

        # Compute bias-corrected second raw moment estimate. Inputs: "s, beta2, t". Output: "s_corrected".
        ### START CODE HERE ### (approx. 2 lines)
        s_corrected["dW" + str(l+1)] = s["dW" + str(l+1)] / (1 - beta2 ** t)
        s_corrected["db" + str(l+1)] = s["db" + str(l+1)] / (1 - beta2 ** t)
        ### END CODE HERE ###

        # Update parameters. Inputs: "parameters, learning_rate, v_corrected, s_corrected, epsilon". Output: "parameters".
        ### START CODE HERE ### (approx. 2 lines)
        parameters["W" + str(l+1)] = parameters["W" + str(l+1)] - learning_rate * v_corrected["dW" + str(l+1)] / (np.sqrt(s_corrected["dW" + str(l+1)]) + epsilon)
        parameters["b" + str(l+1)] = parameters["b" + str(l+1)] - learning_rate * v_corrected["db" + str(l+1)] / (np.sqrt(s_corrected["db" + str(l+1)]) + epsilon)
        ### END CODE HERE ###

    return parameters, v, s'''

TEST_UPDATE_PARAMETERS_WITH_ADAM = r'''np.random.seed(1)
parameters_tmp = {}
parameters_tmp['W1'] = np.random.randn(2, 3)
parameters_tmp['b1'] = np.random.randn(2, 1)
parameters_tmp['W2'] = np.random.randn(3, 3)
parameters_tmp['b2'] = np.random.randn(3, 1)
grads_tmp = {}
grads_tmp['dW1'] = np.random.randn(2, 3)
grads_tmp['db1'] = np.random.randn(2, 1)
grads_tmp['dW2'] = np.random.randn(3, 3)
grads_tmp['db2'] = np.random.randn(3, 1)

v_tmp, s_tmp = initialize_adam(parameters_tmp)
t_tmp = 2
parameters_tmp, v_tmp, s_tmp = update_parameters_with_adam(parameters_tmp, grads_tmp, v_tmp, s_tmp, t_tmp)
print("W1 = \n", parameters_tmp["W1"])
print("b1 = \n", parameters_tmp["b1"])
print("W2 = \n", parameters_tmp["W2"])
print("b2 = \n", parameters_tmp["b2"])
print("v[\"dW1\"] = \n", v_tmp["dW1"])
print("s[\"db2\"] = \n", s_tmp["db2"])'''

MD_END = """### Congratulations!

You have implemented the forward and backward passes of a basic RNN and of an LSTM network, and the Adam update used to train them."""

# (cell id, cell type, source). Cell ids are fixed so that re-running the script gives the same files.
BASE_CELLS = [
    ("md-title", "markdown", MD_TITLE),
    ("md-packages", "markdown", MD_PACKAGES),
    ("imports", "code", CODE_IMPORTS),
    ("md-sec1", "markdown", MD_SEC1),
    ("md-ex1", "markdown", MD_EX1),
    ("rnn_cell_forward", "code", RNN_CELL_FORWARD),
    ("test-rnn_cell_forward", "code", TEST_RNN_CELL_FORWARD),
    ("md-ex2", "markdown", MD_EX2),
    ("rnn_forward", "code", RNN_FORWARD),
    ("test-rnn_forward", "code", TEST_RNN_FORWARD),
    ("md-sec2", "markdown", MD_SEC2),
    ("lstm_cell_forward", "code", LSTM_CELL_FORWARD),
    ("test-lstm_cell_forward", "code", TEST_LSTM_CELL_FORWARD),
    ("md-ex4", "markdown", MD_EX4),
    ("lstm_forward", "code", LSTM_FORWARD),
    ("test-lstm_forward", "code", TEST_LSTM_FORWARD),
    ("md-sec3", "markdown", MD_SEC3),
    ("rnn_cell_backward", "code", RNN_CELL_BACKWARD),
    ("test-rnn_cell_backward", "code", TEST_RNN_CELL_BACKWARD),
    ("md-ex6", "markdown", MD_EX6),
    ("rnn_backward", "code", RNN_BACKWARD),
    ("test-rnn_backward", "code", TEST_RNN_BACKWARD),
    ("md-ex7", "markdown", MD_EX7),
    ("lstm_cell_backward", "code", LSTM_CELL_BACKWARD),
    ("test-lstm_cell_backward", "code", TEST_LSTM_CELL_BACKWARD),
    ("md-ex8", "markdown", MD_EX8),
    ("lstm_backward", "code", LSTM_BACKWARD),
    ("test-lstm_backward", "code", TEST_LSTM_BACKWARD),
    ("md-sec4", "markdown", MD_SEC4),
    ("initialize_adam", "code", INITIALIZE_ADAM),
    ("test-initialize_adam", "code", TEST_INITIALIZE_ADAM),
    ("md-ex10", "markdown", MD_EX10),
    ("update_parameters_with_adam", "code", UPDATE_PARAMETERS_WITH_ADAM),
    ("test-update_parameters_with_adam", "code", TEST_UPDATE_PARAMETERS_WITH_ADAM),
    ("md-end", "markdown", MD_END),
]

FUNCTIONS = [
    "rnn_cell_forward", "rnn_forward", "lstm_cell_forward", "lstm_forward",
    "rnn_cell_backward", "rnn_backward", "lstm_cell_backward", "lstm_backward",
    "initialize_adam", "update_parameters_with_adam",
]

# --------------------------------------------------------------------------------------------
# The variants: (cell id, exact old text, new text); each old text must occur exactly once.
# --------------------------------------------------------------------------------------------

VARIANTS = {
    "correct": [],
    "keepdims": [
        ("rnn_cell_backward",
         "dba = np.sum(dtanh, axis=1, keepdims=True)",
         "dba = np.sum(dtanh, axis=1)"),
        ("lstm_cell_backward",
         "    dbf = np.sum(dft, axis=1, keepdims=True)\n"
         "    dbi = np.sum(dit, axis=1, keepdims=True)\n"
         "    dbc = np.sum(dcct, axis=1, keepdims=True)\n"
         "    dbo = np.sum(dot, axis=1, keepdims=True)\n",
         "    dbf = np.sum(dft, axis=1)\n"
         "    dbi = np.sum(dit, axis=1)\n"
         "    dbc = np.sum(dcct, axis=1)\n"
         "    dbo = np.sum(dot, axis=1)\n"),
    ],
    "a0_every_step": [
        ("rnn_forward",
         "a_next, yt_pred, cache = rnn_cell_forward(xt, a_next, parameters)",
         "a_next, yt_pred, cache = rnn_cell_forward(xt, a0, parameters)"),
        ("lstm_forward",
         "a_next, c_next, yt, cache = lstm_cell_forward(xt, a_next, c_next, parameters)",
         "a_next, c_next, yt, cache = lstm_cell_forward(xt, a0, c_next, parameters)"),
    ],
    "no_feedback": [
        ("rnn_backward",
         'dWax += gradients["dWax"]',
         'dWax = gradients["dWax"]'),
        ("lstm_backward",
         "        gradients = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches[t])\n"
         "        # Store or add the gradient to the parameters' previous step's gradient\n"
         "        da_prevt = gradients['da_prev']\n"
         "        dc_prevt = gradients['dc_prev']\n",
         "        gradients = lstm_cell_backward(da[:,:,t], dc_prevt, caches[t])\n"
         "        # Store or add the gradient to the parameters' previous step's gradient\n"),
    ],
    "hardcoded_sizes": [
        ("rnn_forward",
         "    a = np.zeros((n_a, m, T_x))\n    y_pred = np.zeros((n_y, m, T_x))\n",
         "    a = np.zeros((5, 10, 4))\n    y_pred = np.zeros((2, 10, 4))\n"),
        ("lstm_forward",
         "    a = np.zeros((n_a, m, T_x))\n    c = np.zeros((n_a, m, T_x))\n    y = np.zeros((n_y, m, T_x))\n",
         "    a = np.zeros((5,10,7))\n    c = np.zeros((5,10,7))\n    y = np.zeros((2,10,7))\n"),
        ("rnn_cell_backward",
         "dba = np.sum(dtanh, axis=1, keepdims=True)",
         "dba = np.sum(dtanh, axis=1).reshape((5, 1))"),
    ],
    "adam_mistakes": [
        ("update_parameters_with_adam",
         '        parameters["W" + str(l+1)] = parameters["W" + str(l+1)] - learning_rate * v_corrected["dW" + str(l+1)] / (np.sqrt(s_corrected["dW" + str(l+1)]) + epsilon)\n'
         '        parameters["b" + str(l+1)] = parameters["b" + str(l+1)] - learning_rate * v_corrected["db" + str(l+1)] / (np.sqrt(s_corrected["db" + str(l+1)]) + epsilon)\n',
         '        parameters["W" + str(l+1)] = parameters["W" + str(l+1)] - learning_rate * v["dW" + str(l+1)] / (np.sqrt(s["dW" + str(l+1)]) + epsilon)\n'
         '        parameters["b" + str(l+1)] = parameters["b" + str(l+1)] - learning_rate * v["db" + str(l+1)] / (np.sqrt(s["db" + str(l+1)]) + epsilon)\n'),
        ("lstm_cell_backward",
         "dcct = (dc_next*it + ot*(1-np.tanh(c_next)**2)*it*da_next) * (1-cct**2)",
         "dcct = (dc_next*it + ot*(1-np.tanh(c_next)**2)*it*da_next*cct) * (1-np.tanh(cct)**2)"),
    ],
    "test_globals": [
        ("rnn_cell_forward",
         '    Wax = parameters["Wax"]\n'
         '    Waa = parameters["Waa"]\n'
         '    Wya = parameters["Wya"]\n'
         '    ba = parameters["ba"]\n'
         '    by = parameters["by"]\n',
         '    Wax = parameters_tmp["Wax"]\n'
         '    Waa = parameters_tmp["Waa"]\n'
         '    Wya = parameters_tmp["Wya"]\n'
         '    ba = parameters_tmp["ba"]\n'
         '    by = parameters_tmp["by"]\n'),
        ("lstm_forward",
         "    Wy = parameters['Wy'] # saving parameters['Wy'] in a local variable in case students use Wy instead of parameters['Wy']\n"
         "    # Retrieve dimensions from shapes of x and parameters['Wy'] (≈2 lines)\n"
         "    n_x, m, T_x = x.shape\n"
         "    n_y, n_a = parameters['Wy'].shape\n",
         "    # Retrieve dimensions from shapes of x and parameters['Wy'] (≈2 lines)\n"
         "    n_x, m, T_x = x.shape\n"
         "    n_y, n_a = Wy.shape\n"),
        # v1-style test cells keep the prediction weight in a global `Wy` (lstm_forward reads it)
        ("test-lstm_cell_forward",
         "parameters_tmp['Wy'] = np.random.randn(2, 5)\n",
         "Wy = np.random.randn(2, 5)\nparameters_tmp['Wy'] = Wy\n"),
        ("test-lstm_forward",
         "parameters_tmp['Wy'] = np.random.randn(2, 5)\n",
         "Wy = np.random.randn(2, 5)\nparameters_tmp['Wy'] = Wy\n"),
    ],
}


def variant_cells(variant):
    """The (id, type, source) cells of a variant: the correct cells with its replacements."""
    return notebook_variants.variant_cells(BASE_CELLS, VARIANTS[variant], variant)


def ensure_provided_on_path():
    path = str(PROVIDED)
    if path not in sys.path:
        sys.path.insert(0, path)


def new_namespace():
    return {"__name__": "__main__", "__builtins__": builtins}


def run_cell(source, ns, label):
    """Run one code cell in ``ns``; return (stdout text, stderr text). Raise if the cell raises."""
    out, err = io.StringIO(), io.StringIO()
    try:
        code = compile(source, f"<cell {label}>", "exec")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(code, ns)
    except Exception as exc:
        raise RuntimeError(f"cell {label} raised {type(exc).__name__}: {exc}\n"
                           f"{traceback.format_exc()}") from exc
    return out.getvalue(), err.getvalue()


# What the course's public_tests.py gives a notebook through ``from public_tests import *``.
COURSE_PUBLIC_TESTS = ("rnn_cell_forward_tests", "rnn_forward_test", "lstm_cell_forward_test", "lstm_forward_test")
STUB_WARNINGS = set()


def bind_public_tests(ns):
    """If the project's public_tests stand-in does not hand its helpers to a star import (a
    module-level ``__getattr__`` alone is not consulted by ``import *``), bind them the way the
    course module would, and say so: the stand-in should list them in ``__all__``."""
    import public_tests
    for name in COURSE_PUBLIC_TESTS:
        if name not in ns:
            ns[name] = getattr(public_tests, name)
            if name not in STUB_WARNINGS:
                STUB_WARNINGS.add(name)
                print(f"WARNING: `from public_tests import *` did not bind {name} "
                      f"(public_tests.py at {Path(public_tests.__file__).parent}); bound it by attribute",
                      file=sys.stderr)


def run_cells(cells, after_cell=None):
    """Execute the code cells in order in one fresh namespace, as Jupyter's kernel would.

    Returns (namespace, {cell id: (stdout, stderr)}). ``after_cell(cell_id, ns)`` is called after
    each code cell (used by --check to read the test cells' variables).
    """
    ensure_provided_on_path()
    ns = new_namespace()
    outputs = {}
    for cell_id, kind, source in cells:
        if kind != "code":
            continue
        outputs[cell_id] = run_cell(source, ns, cell_id)
        if cell_id == "imports":
            bind_public_tests(ns)
        if after_cell is not None:
            after_cell(cell_id, ns)
    return ns, outputs


def build_notebook(variant):
    cells = variant_cells(variant)
    _, outputs = run_cells(cells)
    nb = nbformat.v4.new_notebook()
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = {
        "coursera": {"schema_names": ["DLSC5W1-A1"]},
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": 3},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3",
            "version": "3.11.7",
        },
    }
    count = 0
    for cell_id, kind, source in cells:
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source, id=cell_id))
            continue
        count += 1
        cell = nbformat.v4.new_code_cell(source, id=cell_id, execution_count=count)
        stdout, stderr = outputs[cell_id]
        if stdout:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=stdout))
        if stderr:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stderr", text=stderr))
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def write_all():
    for variant in VARIANTS:
        nb = build_notebook(variant)
        path = OUT_DIR / variant / NB_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))
        print(f"wrote {path.relative_to(ROOT)}")


# --------------------------------------------------------------------------------------------
# --check: verify the written notebooks
# --------------------------------------------------------------------------------------------

# The 2021 tables of ASSIGNMENT_RNN.md section 4 (and the Adam example of section 1): after the
# test cell with this id, expression -> expected value (a tuple is a shape, an int is exact).
EXPECTED_2021 = {
    "test-rnn_cell_forward": {
        "a_next_tmp[4]": [0.59584544, 0.18141802, 0.61311866, 0.99808218, 0.85016201, 0.99980978,
                          -0.18887155, 0.99815551, 0.6531151, 0.82872037],
        "yt_pred_tmp[1]": [0.9888161, 0.01682021, 0.21140899, 0.36817467, 0.98988387, 0.88945212,
                           0.36920224, 0.9966312, 0.9982559, 0.17746526],
        "a_next_tmp.shape": (5, 10), "yt_pred_tmp.shape": (2, 10),
    },
    "test-rnn_forward": {
        "a_tmp[4][1]": [-0.99999375, 0.77911235, -0.99861469, -0.99833267],
        "y_pred_tmp[1][3]": [0.79560373, 0.86224861, 0.11118257, 0.81515947],
        "caches_tmp[1][1][3]": [-1.1425182, -0.34934272, -0.20889423, 0.58662319],
        "len(caches_tmp)": 2, "a_tmp.shape": (5, 10, 4), "y_pred_tmp.shape": (2, 10, 4),
    },
    "test-lstm_cell_forward": {
        "a_next_tmp[4]": [-0.66408471, 0.0036921, 0.02088357, 0.22834167, -0.85575339, 0.00138482,
                          0.76566531, 0.34631421, -0.00215674, 0.43827275],
        "c_next_tmp[2]": [0.63267805, 1.00570849, 0.35504474, 0.20690913, -1.64566718, 0.11832942,
                          0.76449811, -0.0981561, -0.74348425, -0.26810932],
        "yt_tmp[1]": [0.79913913, 0.15986619, 0.22412122, 0.15606108, 0.97057211, 0.31146381,
                      0.00943007, 0.12666353, 0.39380172, 0.07828381],
        "cache_tmp[1][3]": [-0.16263996, 1.03729328, 0.72938082, -0.54101719, 0.02752074,
                            -0.30821874, 0.07651101, -1.03752894, 1.41219977, -0.37647422],
        "len(cache_tmp)": 10,
    },
    "test-lstm_forward": {
        "a_tmp[4][3][6]": 0.172117767533, "y_tmp[1][4][3]": 0.95087346185,
        "caches_tmp[1][1][1]": [0.82797464, 0.23009474, 0.76201118, -0.22232814, -0.20075807,
                                0.18656139, 0.41005165],
        "c_tmp[1][2][1]": -0.855544916718, "len(caches_tmp)": 2,
        "a_tmp.shape": (5, 10, 7), "y_tmp.shape": (2, 10, 7),
    },
    "test-rnn_cell_backward": {
        'gradients_tmp["dxt"][1][2]': -1.3872130506,
        'gradients_tmp["da_prev"][2][3]': -0.152399493774,
        'gradients_tmp["dWax"][3][1]': 0.410772824935,
        'gradients_tmp["dWaa"][1][2]': 1.15034506685,
        'gradients_tmp["dba"][4]': [0.20023491],
        'gradients_tmp["dxt"].shape': (3, 10), 'gradients_tmp["da_prev"].shape': (5, 10),
        'gradients_tmp["dWax"].shape': (5, 3), 'gradients_tmp["dWaa"].shape': (5, 5),
        'gradients_tmp["dba"].shape': (5, 1),
    },
    "test-rnn_backward": {
        'gradients_tmp["dx"][1][2]': [-2.07101689, -0.59255627, 0.02466855, 0.01483317],
        'gradients_tmp["da0"][2][3]': -0.314942375127,
        'gradients_tmp["dWax"][3][1]': 11.2641044965,
        'gradients_tmp["dWaa"][1][2]': 2.30333312658,
        'gradients_tmp["dba"][4]': [-0.74747722],
        'gradients_tmp["dx"].shape': (3, 10, 4), 'gradients_tmp["da0"].shape': (5, 10),
        'gradients_tmp["dWax"].shape': (5, 3), 'gradients_tmp["dWaa"].shape': (5, 5),
        'gradients_tmp["dba"].shape': (5, 1),
    },
    "test-lstm_cell_backward": {
        'gradients_tmp["dxt"][1][2]': 3.23055911511,
        'gradients_tmp["da_prev"][2][3]': -0.0639621419711,
        'gradients_tmp["dc_prev"][2][3]': 0.797522038797,
        'gradients_tmp["dWf"][3][1]': -0.147954838164,
        'gradients_tmp["dWi"][1][2]': 1.05749805523,
        'gradients_tmp["dWc"][3][1]': 2.30456216369,
        'gradients_tmp["dWo"][1][2]': 0.331311595289,
        'gradients_tmp["dbf"][4]': [0.18864637], 'gradients_tmp["dbi"][4]': [-0.40142491],
        'gradients_tmp["dbc"][4]': [0.25587763], 'gradients_tmp["dbo"][4]': [0.13893342],
        'gradients_tmp["dWf"].shape': (5, 8), 'gradients_tmp["dbf"].shape': (5, 1),
        'gradients_tmp["dbo"].shape': (5, 1),
    },
    "test-lstm_backward": {
        'gradients_tmp["dx"][1][2]': [0.00218254, 0.28205375, -0.48292508, -0.43281115],
        'gradients_tmp["da0"][2][3]': 0.312770310257,
        'gradients_tmp["dWf"][3][1]': -0.0809802310938,
        'gradients_tmp["dWi"][1][2]': 0.40512433093,
        'gradients_tmp["dWc"][3][1]': -0.0793746735512,
        'gradients_tmp["dWo"][1][2]': 0.038948775763,
        'gradients_tmp["dbf"][4]': [-0.15745657], 'gradients_tmp["dbi"][4]': [-0.50848333],
        'gradients_tmp["dbc"][4]': [-0.42510818], 'gradients_tmp["dbo"][4]': [-0.17958196],
        'gradients_tmp["dx"].shape': (3, 10, 4), 'gradients_tmp["da0"].shape': (5, 10),
        'gradients_tmp["dWf"].shape': (5, 8), 'gradients_tmp["dbf"].shape': (5, 1),
    },
    "test-update_parameters_with_adam": {
        'parameters_tmp["W1"]': [[1.6317867318, -0.6191977818, -0.5356131204],
                                 [-1.0804099901, 0.8579662612, -2.2940973288]],
        'parameters_tmp["b1"].ravel()': [1.7522531275, -0.7537655327],
    },
}

# What the no_feedback variant prints for lstm_backward is the old (v1-v3) table for dx, da0,
# dW* and dbf (section 4: "dx/da0/dW*/dbf match a solution that never feeds da_prev/dc_prev back").
EXPECTED_V1_LSTM_BACKWARD = {
    'gradients_tmp["dx"][1][2]': [-0.00173313, 0.08287442, -0.30545663, -0.43281115],
    'gradients_tmp["da0"][2][3]': -0.095911501954,
    'gradients_tmp["dWf"][3][1]': -0.0698198561274,
    'gradients_tmp["dWi"][1][2]': 0.102371820249,
    'gradients_tmp["dWc"][3][1]': -0.0624983794927,
    'gradients_tmp["dWo"][1][2]': 0.0484389131444,
    'gradients_tmp["dbf"][4]': [-0.0565788],
}


class Checker:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def ok(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failures.append(what)
            print(f"  FAIL: {what}")
        return cond


def compare(actual, expected, atol=1e-8):
    if isinstance(expected, tuple):
        return tuple(actual) == expected
    if isinstance(expected, int) and not isinstance(expected, bool):
        return actual == expected
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    return actual.shape == expected.shape and np.allclose(actual, expected, rtol=0, atol=atol)


def check_table(chk, ns, table, label, atol=1e-8):
    for expr, expected in table.items():
        actual = eval(expr, ns)
        chk.ok(compare(actual, expected, atol), f"{label}: {expr} = {actual!r}, expected {expected!r}")


def function_namespace(variant):
    """A namespace with only the import cell and the graded-function cells of a variant run:
    what a grader that ignores the test cells would see."""
    ensure_provided_on_path()
    ns = new_namespace()
    for cell_id, kind, source in variant_cells(variant):
        if cell_id == "imports" or cell_id in FUNCTIONS:
            run_cell(source, ns, cell_id)
    return ns


def rnn_params(rng, n_x, n_a, n_y):
    return {"Wax": rng.standard_normal((n_a, n_x)), "Waa": rng.standard_normal((n_a, n_a)),
            "Wya": rng.standard_normal((n_y, n_a)), "ba": rng.standard_normal((n_a, 1)),
            "by": rng.standard_normal((n_y, 1))}


def lstm_params(rng, n_x, n_a, n_y):
    p = {}
    for g in "fico":
        p["W" + g] = rng.standard_normal((n_a, n_a + n_x))
        p["b" + g] = rng.standard_normal((n_a, 1))
    p["Wy"] = rng.standard_normal((n_y, n_a))
    p["by"] = rng.standard_normal((n_y, 1))
    return p


def numeric_grad(f, arr, eps=1e-6):
    """Central finite differences of scalar f() with respect to every entry of arr (in place)."""
    g = np.zeros_like(arr)
    it = np.nditer(arr, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = arr[i]
        arr[i] = old + eps
        up = f()
        arr[i] = old - eps
        down = f()
        arr[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def check_gradients(chk, f):
    """Finite-difference checks of the correct notebook's backward functions (independent of the
    course's tables) and a from-the-formula check of its Adam step."""
    rng = np.random.default_rng(7)
    n_x, n_a, n_y, m, T = 3, 4, 2, 5, 4

    # rnn_cell_backward: loss = sum(da_next * a_next)
    xt, a_prev = rng.standard_normal((n_x, m)), rng.standard_normal((n_a, m))
    p = rnn_params(rng, n_x, n_a, n_y)
    da_next = rng.standard_normal((n_a, m))
    loss = lambda: np.sum(da_next * f["rnn_cell_forward"](xt, a_prev, p)[0])
    g = f["rnn_cell_backward"](da_next, f["rnn_cell_forward"](xt, a_prev, p)[2])
    for key, arr in (("dxt", xt), ("da_prev", a_prev), ("dWax", p["Wax"]), ("dWaa", p["Waa"]), ("dba", p["ba"])):
        chk.ok(np.allclose(g[key], numeric_grad(loss, arr), atol=1e-6),
               f"rnn_cell_backward {key} agrees with finite differences")

    # rnn_backward: loss = sum(da * a)
    x, a0 = rng.standard_normal((n_x, m, T)), rng.standard_normal((n_a, m))
    p = rnn_params(rng, n_x, n_a, n_y)
    da = rng.standard_normal((n_a, m, T))
    loss = lambda: np.sum(da * f["rnn_forward"](x, a0, p)[0])
    g = f["rnn_backward"](da, f["rnn_forward"](x, a0, p)[2])
    for key, arr in (("dx", x), ("da0", a0), ("dWax", p["Wax"]), ("dWaa", p["Waa"]), ("dba", p["ba"])):
        chk.ok(np.allclose(g[key], numeric_grad(loss, arr), atol=1e-6),
               f"rnn_backward {key} agrees with finite differences")

    # lstm_cell_backward: loss = sum(da_next * a_next + dc_next * c_next)
    xt, a_prev, c_prev = (rng.standard_normal((n_x, m)), rng.standard_normal((n_a, m)),
                          rng.standard_normal((n_a, m)))
    p = lstm_params(rng, n_x, n_a, n_y)
    da_next, dc_next = rng.standard_normal((n_a, m)), rng.standard_normal((n_a, m))

    def loss():
        a_n, c_n, _, _ = f["lstm_cell_forward"](xt, a_prev, c_prev, p)
        return np.sum(da_next * a_n + dc_next * c_n)

    g = f["lstm_cell_backward"](da_next, dc_next, f["lstm_cell_forward"](xt, a_prev, c_prev, p)[3])
    pairs = [("dxt", xt), ("da_prev", a_prev), ("dc_prev", c_prev)]
    pairs += [("d" + k, p[k]) for k in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo")]
    for key, arr in pairs:
        chk.ok(np.allclose(g[key], numeric_grad(loss, arr), atol=1e-6),
               f"lstm_cell_backward {key} agrees with finite differences")

    # lstm_backward: loss = sum(da * a) over the first T_da steps (the course test uses T_da < T_x)
    T_x, T_da = 6, 4
    x, a0 = rng.standard_normal((n_x, m, T_x)), rng.standard_normal((n_a, m))
    p = lstm_params(rng, n_x, n_a, n_y)
    da = rng.standard_normal((n_a, m, T_da))
    loss = lambda: np.sum(da * f["lstm_forward"](x, a0, p)[0][:, :, :T_da])
    g = f["lstm_backward"](da, f["lstm_forward"](x, a0, p)[3])
    num_dx = numeric_grad(loss, x)
    chk.ok(np.allclose(g["dx"], num_dx[:, :, :T_da], atol=1e-6), "lstm_backward dx agrees with finite differences")
    pairs = [("da0", a0)] + [("d" + k, p[k]) for k in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo")]
    for key, arr in pairs:
        chk.ok(np.allclose(g[key], numeric_grad(loss, arr), atol=1e-6),
               f"lstm_backward {key} agrees with finite differences")

    # Adam, from the formula: W - lr * v_c / (sqrt(s_c) + eps), three steps, tiny gradients too
    P = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))}
    v, s = f["initialize_adam"](P)
    chk.ok(all(np.array_equal(v[k], np.zeros_like(P[k[1:]])) and np.array_equal(s[k], np.zeros_like(P[k[1:]]))
               for k in ("dW1", "db1")) and set(v) == set(s) == {"dW1", "db1"},
           "initialize_adam gives zeros of the parameters' shapes")
    mine = {k: val.copy() for k, val in P.items()}
    mv = {k: np.zeros_like(val) for k, val in P.items()}
    ms = {k: np.zeros_like(val) for k, val in P.items()}
    for t in (1, 2, 3):
        G = {"dW1": 1e-5 * rng.standard_normal((3, 2)), "db1": 1e-5 * rng.standard_normal((3, 1))}
        P, v, s = f["update_parameters_with_adam"](P, G, v, s, t, learning_rate=0.01)
        for k in mine:
            gk = G["d" + k]
            mv[k] = 0.9 * mv[k] + 0.1 * gk
            ms[k] = 0.999 * ms[k] + 0.001 * gk ** 2
            mine[k] = mine[k] - 0.01 * (mv[k] / (1 - 0.9 ** t)) / (np.sqrt(ms[k] / (1 - 0.999 ** t)) + 1e-8)
    chk.ok(all(np.allclose(P[k], mine[k], rtol=0, atol=1e-12) for k in mine),
           "update_parameters_with_adam follows Kingma & Ba (epsilon outside the square root)")


def differs(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape != b.shape or not np.allclose(a, b)


def call(fn, *args):
    try:
        return fn(*args), None
    except Exception as exc:  # the mistake may raise instead of returning wrong values
        return None, f"{type(exc).__name__}: {exc}"


def check_mistakes(chk, variant, good, bad):
    """Show that each mistake of ``variant`` changes what its function returns."""
    rng = np.random.default_rng(11)
    n_x, n_a, n_y, m, T = 4, 6, 3, 7, 5  # not the notebook's sizes
    x, a0 = rng.standard_normal((n_x, m, T)), rng.standard_normal((n_a, m))
    rp, lp = rnn_params(rng, n_x, n_a, n_y), lstm_params(rng, n_x, n_a, n_y)
    da = rng.standard_normal((n_a, m, T))
    xt, a_prev, c_prev = x[:, :, 0], a0, rng.standard_normal((n_a, m))
    da_next, dc_next = rng.standard_normal((n_a, m)), rng.standard_normal((n_a, m))
    rcache = good["rnn_cell_forward"](xt, a_prev, rp)[2]
    lcache = good["lstm_cell_forward"](xt, a_prev, c_prev, lp)[3]
    rcaches = good["rnn_forward"](x, a0, rp)[2]
    lcaches = good["lstm_forward"](x, a0, lp)[3]
    same_size = np.random.default_rng(3)
    xs, a0s = same_size.standard_normal((3, 10, 4)), same_size.standard_normal((5, 10))
    rps = rnn_params(same_size, 3, 5, 2)
    xl = same_size.standard_normal((3, 10, 7))
    lps = lstm_params(same_size, 3, 5, 2)

    def note(msg):
        print(f"    {msg}")

    if variant == "keepdims":
        g = bad["rnn_cell_backward"](da_next, rcache)
        chk.ok(g["dba"].shape == (n_a,), f"keepdims: rnn_cell_backward dba shape {g['dba'].shape} (want (n_a,))")
        note(f"rnn_cell_backward dba shape {g['dba'].shape} vs correct {good['rnn_cell_backward'](da_next, rcache)['dba'].shape}")
        g = bad["lstm_cell_backward"](da_next, dc_next, lcache)
        shapes = {k: g[k].shape for k in ("dbf", "dbi", "dbc", "dbo")}
        chk.ok(all(s == (n_a,) for s in shapes.values()), f"keepdims: lstm_cell_backward bias shapes {shapes}")
        note(f"lstm_cell_backward bias shapes {shapes}")
        gg = good["lstm_cell_backward"](da_next, dc_next, lcache)
        chk.ok(all(np.allclose(g[k], gg[k].ravel()) for k in shapes), "keepdims: values right apart from the shape")
        # the loops themselves are right: with a correct cell they give the correct result
        for loop, cell, args in (("rnn_backward", "rnn_cell_backward", (da, rcaches)),
                                 ("lstm_backward", "lstm_cell_backward", (da, lcaches))):
            ns = dict(bad[loop].__globals__)
            ns[cell] = good[cell]
            fn = type(bad[loop])(bad[loop].__code__, ns)
            r, gref = fn(*args), good[loop](*args)
            chk.ok(all(not differs(r[k], gref[k]) for k in gref), f"keepdims: {loop} right with a correct cell")
            with_own = bad[loop](*args)
            bkey = "dba" if loop == "rnn_backward" else "dbf"
            note(f"{loop} with its own cell: {bkey} shape {with_own[bkey].shape} (broadcast), with a correct cell (n_a, 1)")

    elif variant == "a0_every_step":
        for name, args, idx in (("rnn_forward", (x, a0, rp), 0), ("lstm_forward", (x, a0, lp), 0)):
            r, gref = bad[name](*args), good[name](*args)
            chk.ok(differs(r[idx], gref[idx]), f"a0_every_step: {name} a differs")
            chk.ok(not differs(r[idx][:, :, 0], gref[idx][:, :, 0]), f"a0_every_step: {name} step 0 still right")
            note(f"{name}: max |a - a_correct| = {np.max(np.abs(r[idx] - gref[idx])):.3g} (time step 0 equal)")

    elif variant == "no_feedback":
        r, gref = bad["rnn_backward"](da, rcaches), good["rnn_backward"](da, rcaches)
        chk.ok(differs(r["dWax"], gref["dWax"]), "no_feedback: rnn_backward dWax differs")
        chk.ok(all(not differs(r[k], gref[k]) for k in ("dx", "da0", "dWaa", "dba")),
               "no_feedback: rnn_backward dx, da0, dWaa, dba still right")
        note(f"rnn_backward dWax max diff {np.max(np.abs(r['dWax'] - gref['dWax'])):.3g}; other keys equal")
        r, gref = bad["lstm_backward"](da, lcaches), good["lstm_backward"](da, lcaches)
        wrong = [k for k in gref if differs(r[k], gref[k])]
        chk.ok("dx" in wrong and "da0" in wrong, f"no_feedback: lstm_backward differs in {wrong}")
        note(f"lstm_backward keys that differ: {wrong}")

    elif variant == "hardcoded_sizes":
        for name, args_same, args_other, idx in (
                ("rnn_forward", (xs, a0s, rps), (x, a0, rp), 0),
                ("lstm_forward", (xl, a0s, lps), (x, a0, lp), 0)):
            chk.ok(not differs(bad[name](*args_same)[idx], good[name](*args_same)[idx]),
                   f"hardcoded_sizes: {name} right on the notebook's sizes")
            r, err = call(bad[name], *args_other)
            gref = good[name](*args_other)
            chk.ok(err is not None or differs(r[idx], gref[idx]), f"hardcoded_sizes: {name} wrong on other sizes")
            note(f"{name} on n_x={n_x}, n_a={n_a}, n_y={n_y}, m={m}, T_x={T}: "
                 + (err or f"shape {r[idx].shape} vs {gref[idx].shape}"))
        # a smaller T_x gives the wrong shape rather than an error
        r, err = call(bad["rnn_forward"], xs[:, :, :2], a0s, rps)
        chk.ok(err is None and r[0].shape == (5, 10, 4), "hardcoded_sizes: rnn_forward with T_x=2 returns shape (5, 10, 4)")
        note(f"rnn_forward with T_x=2: a.shape {r[0].shape if r else err}")
        cache_same = good["rnn_cell_forward"](xs[:, :, 0], a0s, rps)[2]
        chk.ok(not differs(bad["rnn_cell_backward"](a0s, cache_same)["dba"],
                           good["rnn_cell_backward"](a0s, cache_same)["dba"]),
               "hardcoded_sizes: rnn_cell_backward right for n_a=5")
        r, err = call(bad["rnn_cell_backward"], da_next, rcache)
        chk.ok(err is not None, "hardcoded_sizes: rnn_cell_backward fails for n_a=6")
        note(f"rnn_cell_backward with n_a={n_a}: {err}")

    elif variant == "adam_mistakes":
        g, gg = bad["lstm_cell_backward"](da_next, dc_next, lcache), good["lstm_cell_backward"](da_next, dc_next, lcache)
        wrong = sorted(k for k in gg if differs(g[k], gg[k]))
        chk.ok({"dWc", "dbc", "da_prev", "dxt"} <= set(wrong) and "dc_prev" not in wrong,
               f"adam_mistakes: lstm_cell_backward differs in {wrong}")
        note(f"lstm_cell_backward keys that differ: {wrong}")
        P = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))}
        G = {"dW1": rng.standard_normal((3, 2)), "db1": rng.standard_normal((3, 1))}
        results = {}
        for side, f in (("bad", bad), ("good", good)):
            v, s = f["initialize_adam"](P)
            results[side] = f["update_parameters_with_adam"]({k: a.copy() for k, a in P.items()}, G, v, s, 2)[0]
        chk.ok(differs(results["bad"]["W1"], results["good"]["W1"]), "adam_mistakes: update_parameters_with_adam differs at t=2")
        note(f"update_parameters_with_adam at t=2: max |dW1| {np.max(np.abs(results['bad']['W1'] - results['good']['W1'])):.3g}")

    elif variant == "test_globals":
        r, err = call(bad["rnn_cell_forward"], xt, a_prev, rp)
        chk.ok(err is not None and "parameters_tmp" in err, f"test_globals: rnn_cell_forward alone -> {err}")
        note(f"rnn_cell_forward called on its own: {err}")
        r, err = call(bad["lstm_forward"], x, a0, lp)
        chk.ok(err is not None and "'Wy'" in err, f"test_globals: lstm_forward alone -> {err}")
        note(f"lstm_forward called on its own: {err}")
        # with the notebook's globals present, other inputs still go wrong: the globals win
        nb_ns, _ = run_cells(variant_cells("test_globals"))
        nb_ns["parameters_tmp"] = rnn_params(np.random.default_rng(5), n_x, n_a, n_y)
        fn = nb_ns["rnn_cell_forward"]
        r, err = call(fn, xt, a_prev, rp)
        gref = good["rnn_cell_forward"](xt, a_prev, rp)
        chk.ok(err is None and differs(r[0], gref[0]), "test_globals: rnn_cell_forward uses the global, not its argument")
        note("rnn_cell_forward with a different global parameters_tmp: values differ from its own argument's")
        r, err = call(nb_ns["lstm_forward"], x, a0, lp)
        chk.ok(err is not None or differs(r[0], good["lstm_forward"](x, a0, lp)[0]),
               "test_globals: lstm_forward wrong when n_a differs from the global Wy")
        note(f"lstm_forward (n_a={n_a}) with the notebook's global Wy of shape {nb_ns['Wy'].shape}: "
             + (err or "wrong values"))


def check():
    chk = Checker()
    good = function_namespace("correct")
    for variant in VARIANTS:
        path = OUT_DIR / variant / NB_NAME
        print(f"{path.relative_to(ROOT)}")
        nb = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
        nbformat.validate(nb)
        chk.ok((nb.nbformat, nb.nbformat_minor) == (4, 5), f"{variant}: nbformat 4.5")
        cells = [(c.id, c.cell_type, c.source) for c in nb.cells]
        chk.ok(cells == variant_cells(variant), f"{variant}: file matches what the script builds")
        changed = {b[0] for a, b in zip(variant_cells("correct"), cells) if a != b}
        chk.ok(changed == {cell_id for cell_id, _, _ in VARIANTS[variant]},
               f"{variant}: differs from correct only in {sorted(changed)}")
        code = [c for c in nb.cells if c.cell_type == "code"]
        chk.ok([c.execution_count for c in code] == list(range(1, len(code) + 1)), f"{variant}: execution counts 1..n")
        for name in FUNCTIONS:
            src = next(c.source for c in code if c.id == name)
            marker = "GRADED FUNCTION" if name in ("initialize_adam", "update_parameters_with_adam") or "forward" in name \
                else "UNGRADED FUNCTION"
            chk.ok(f"# {marker}: {name}\n" in src and "### START CODE HERE ###" in src and "### END CODE HERE ###" in src,
                   f"{variant}: {name} cell markers")

        # run it again from the top and compare with the stored outputs (and with the tables)
        seen = {}

        def after(cell_id, ns):
            if variant == "correct" and cell_id in EXPECTED_2021:
                check_table(chk, ns, EXPECTED_2021[cell_id], f"correct/{cell_id}", atol=1e-8)
                seen[cell_id] = True
            if variant == "no_feedback" and cell_id == "test-lstm_backward":
                check_table(chk, ns, EXPECTED_V1_LSTM_BACKWARD, "no_feedback/test-lstm_backward (v1 table)")
                seen[cell_id] = True

        try:
            _, outputs = run_cells(cells, after)
        except RuntimeError as exc:
            chk.ok(False, f"{variant}: does not run top to bottom: {exc}")
            continue
        for c in code:
            stored = "".join(o.text for o in c.outputs if o.output_type == "stream" and o.name == "stdout")
            stored_err = "".join(o.text for o in c.outputs if o.output_type == "stream" and o.name == "stderr")
            chk.ok(c.outputs and (stored, stored_err) == outputs[c.id] if c.id.startswith("test-") else
                   (stored, stored_err) == outputs[c.id], f"{variant}/{c.id}: stored output is what running it prints")
            chk.ok(not stored_err, f"{variant}/{c.id}: nothing on stderr")
        if variant == "correct":
            chk.ok(set(seen) == set(EXPECTED_2021), "correct: every table checked")
            check_gradients(chk, good)
        else:
            check_mistakes(chk, variant, good, function_namespace(variant))
    print(f"{chk.passed} passed, {len(chk.failures)} failed")
    return 1 if chk.failures else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the written notebooks instead of writing them")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    write_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
