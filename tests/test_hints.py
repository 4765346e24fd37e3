"""Each mistake in the catalogue, made in a real notebook, gets its own words; a correct function
and an unrelated mistake get none.

Every notebook here is the course's solution for one function with one mistake typed in, graded
by the real engine (the ``grade`` fixture). What is asserted is the hint the student reads: the
one on the first failing case.
"""
import copy

import numpy as np
import pytest

from grader.feedback import hints
from grader.core.compare import compare_return
from conftest import HEADER

CORRECT = {
    "rnn_cell_forward": '''
def rnn_cell_forward(xt, a_prev, parameters):
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]
    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache
''',
    "rnn_forward": '''
def rnn_forward(x, a0, parameters):
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        xt = x[:, :, t]
        a_next, yt_pred, cache = rnn_cell_forward(xt, a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    caches = (caches, x)
    return a, y_pred, caches
''',
    "lstm_cell_forward": '''
def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    Wf = parameters["Wf"]; bf = parameters["bf"]
    Wi = parameters["Wi"]; bi = parameters["bi"]
    Wc = parameters["Wc"]; bc = parameters["bc"]
    Wo = parameters["Wo"]; bo = parameters["bo"]
    Wy = parameters["Wy"]; by = parameters["by"]
    concat = np.concatenate((a_prev, xt), axis=0)
    ft = sigmoid(np.dot(Wf, concat) + bf)
    it = sigmoid(np.dot(Wi, concat) + bi)
    cct = np.tanh(np.dot(Wc, concat) + bc)
    c_next = ft * c_prev + it * cct
    ot = sigmoid(np.dot(Wo, concat) + bo)
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(np.dot(Wy, a_next) + by)
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache
''',
    "lstm_forward": '''
def lstm_forward(x, a0, parameters):
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    a_next = a0
    c_next = np.zeros((n_a, m))
    for t in range(T_x):
        xt = x[:, :, t]
        a_next, c_next, yt, cache = lstm_cell_forward(xt, a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    caches = (caches, x)
    return a, y, c, caches
''',
    "rnn_cell_backward": '''
def rnn_cell_backward(da_next, cache):
    (a_next, a_prev, xt, parameters) = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    ba = parameters["ba"]
    dtanh = da_next * (1 - a_next ** 2)
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = np.sum(dtanh, axis=1, keepdims=True)
    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
''',
    "rnn_backward": '''
def rnn_backward(da, caches):
    (caches, x) = caches
    (a1, a0, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da0 = np.zeros((n_a, m))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        dxt, da_prevt, dWaxt, dWaat, dbat = gradients["dxt"], gradients["da_prev"], gradients["dWax"], gradients["dWaa"], gradients["dba"]
        dx[:, :, t] = dxt
        dWax += dWaxt
        dWaa += dWaat
        dba += dbat
    da0 = da_prevt
    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
''',
    "lstm_cell_backward": '''
def lstm_cell_backward(da_next, dc_next, cache):
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    n_x, m = xt.shape
    n_a, m = a_next.shape
    dot = da_next * np.tanh(c_next) * ot * (1 - ot)
    dcct = (dc_next * it + ot * (1 - np.tanh(c_next) ** 2) * it * da_next) * (1 - cct ** 2)
    dit = (dc_next * cct + ot * (1 - np.tanh(c_next) ** 2) * cct * da_next) * it * (1 - it)
    dft = (dc_next * c_prev + ot * (1 - np.tanh(c_next) ** 2) * c_prev * da_next) * ft * (1 - ft)
    concat = np.concatenate((a_prev, xt), axis=0)
    dWf = np.dot(dft, concat.T)
    dWi = np.dot(dit, concat.T)
    dWc = np.dot(dcct, concat.T)
    dWo = np.dot(dot, concat.T)
    dbf = np.sum(dft, axis=1, keepdims=True)
    dbi = np.sum(dit, axis=1, keepdims=True)
    dbc = np.sum(dcct, axis=1, keepdims=True)
    dbo = np.sum(dot, axis=1, keepdims=True)
    Wf, Wi, Wc, Wo = parameters["Wf"], parameters["Wi"], parameters["Wc"], parameters["Wo"]
    da_prev = np.dot(Wf[:, :n_a].T, dft) + np.dot(Wi[:, :n_a].T, dit) + np.dot(Wc[:, :n_a].T, dcct) + np.dot(Wo[:, :n_a].T, dot)
    dc_prev = dc_next * ft + ot * (1 - np.tanh(c_next) ** 2) * ft * da_next
    dxt = np.dot(Wf[:, n_a:].T, dft) + np.dot(Wi[:, n_a:].T, dit) + np.dot(Wc[:, n_a:].T, dcct) + np.dot(Wo[:, n_a:].T, dot)
    gradients = {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev, "dWf": dWf, "dbf": dbf, "dWi": dWi, "dbi": dbi,
                 "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}
    return gradients
''',
    "lstm_backward": '''
def lstm_backward(da, caches):
    (caches, x) = caches
    (a1, c1, a0, c0, f1, i1, cc1, o1, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dx = np.zeros((n_x, m, T_x))
    da0 = np.zeros((n_a, m))
    da_prevt = np.zeros((n_a, m))
    dc_prevt = np.zeros((n_a, m))
    dWf = np.zeros((n_a, n_a + n_x)); dWi = np.zeros((n_a, n_a + n_x))
    dWc = np.zeros((n_a, n_a + n_x)); dWo = np.zeros((n_a, n_a + n_x))
    dbf = np.zeros((n_a, 1)); dbi = np.zeros((n_a, 1)); dbc = np.zeros((n_a, 1)); dbo = np.zeros((n_a, 1))
    for t in reversed(range(T_x)):
        gradients = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches[t])
        da_prevt = gradients["da_prev"]
        dc_prevt = gradients["dc_prev"]
        dx[:, :, t] = gradients["dxt"]
        dWf += gradients["dWf"]; dWi += gradients["dWi"]; dWc += gradients["dWc"]; dWo += gradients["dWo"]
        dbf += gradients["dbf"]; dbi += gradients["dbi"]; dbc += gradients["dbc"]; dbo += gradients["dbo"]
    da0 = gradients["da_prev"]
    gradients = {"dx": dx, "da0": da0, "dWf": dWf, "dbf": dbf, "dWi": dWi, "dbi": dbi,
                 "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}
    return gradients
''',
    "initialize_adam": '''
def initialize_adam(parameters):
    L = len(parameters) // 2
    v = {}
    s = {}
    for l in range(L):
        v["dW" + str(l + 1)] = np.zeros(parameters["W" + str(l + 1)].shape)
        v["db" + str(l + 1)] = np.zeros(parameters["b" + str(l + 1)].shape)
        s["dW" + str(l + 1)] = np.zeros(parameters["W" + str(l + 1)].shape)
        s["db" + str(l + 1)] = np.zeros(parameters["b" + str(l + 1)].shape)
    return v, s
''',
    "update_parameters_with_adam": '''
def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    L = len(parameters) // 2
    v_corrected = {}
    s_corrected = {}
    for l in range(L):
        for p in ("W", "b"):
            k = "d" + p + str(l + 1)
            v[k] = beta1 * v[k] + (1 - beta1) * grads[k]
            v_corrected[k] = v[k] / (1 - beta1 ** t)
            s[k] = beta2 * s[k] + (1 - beta2) * grads[k] ** 2
            s_corrected[k] = s[k] / (1 - beta2 ** t)
            parameters[p + str(l + 1)] = parameters[p + str(l + 1)] - learning_rate * v_corrected[k] / (np.sqrt(s_corrected[k]) + epsilon)
    return parameters, v, s
''',
}


def mistaken(name: str, *edits: tuple[str, str]) -> str:
    """The correct function with each (old, new) edit made; every ``old`` must be in it."""
    source = CORRECT[name]
    for old, new in edits:
        assert old in source, (name, old)
        source = source.replace(old, new)
    return source


def graded(grade, name: str, source: str):
    functions, _ = grade([HEADER, source], only=[name])
    return functions[name]


def shown_hint(function) -> str:
    """The hint on the first failing case: the one in the function's message."""
    failing = [case for case in function.cases if case.status == "failed"]
    assert failing, f"{function.name} did not fail: {function.status} {function.message}"
    return failing[0].hint


# (function, edits, words the hint must contain)
CATALOGUE = {
    # generic: any function
    "transposed": ("rnn_cell_backward", [("dWax = np.dot(dtanh, xt.T)", "dWax = np.dot(xt, dtanh.T)")],
                   "dWax is the transpose of the expected result"),
    "missing keepdims": ("rnn_cell_backward", [("axis=1, keepdims=True)", "axis=1)")],
                         "dba has the right values but shape (5,) where (5, 1) is expected: a sum dropped its axis. Keep it with keepdims=True"),
    "extra axis (the reverse)": ("rnn_cell_backward", [("dba = np.sum(dtanh, axis=1, keepdims=True)",
                                                        "dba = np.sum(dtanh[:, :, None], axis=1, keepdims=True)")],
                                 "dba has the right values but shape (5, 1, 1) where (5, 1) is expected: an extra axis of length 1"),
    "sign flipped": ("rnn_cell_backward", [("(1 - a_next ** 2)", "(a_next ** 2 - 1)")],
                     "dxt, da_prev, dWax, dWaa and dba have the right size but the opposite sign everywhere"),
    "constant factor": ("rnn_cell_backward", [("dWax = np.dot(dtanh, xt.T)", "dWax = np.dot(dtanh, xt.T) / xt.shape[1]")],
                        "dWax is off by a constant factor: every value is 1/10 times the expected one"),
    "another output": ("lstm_cell_forward", [("return a_next, c_next, yt_pred, cache", "return a_next, a_next, yt_pred, cache")],
                       "c_next holds exactly what a_next should be: the wrong variable is returned"),
    "returned a_prev": ("rnn_cell_forward", [("return a_next, yt_pred, cache", "return a_prev, yt_pred, cache")],
                        "a_next is exactly the input a_prev, unchanged"),
    "all zeros": ("rnn_forward", [("y_pred[:, :, t] = yt_pred", "pass")],
                  "y_pred is all zeros: the array is created (np.zeros) but never filled"),
    # forward passes
    "softmax over the wrong axis": ("rnn_cell_forward", [("yt_pred = softmax(np.dot(Wya, a_next) + by)",
                                                          "z = np.dot(Wya, a_next) + by\n    yt_pred = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)")],
                                    "the softmax is taken over the wrong axis"),
    "no softmax": ("rnn_cell_forward", [("softmax(np.dot(Wya, a_next) + by)", "np.dot(Wya, a_next) + by")],
                   "yt_pred is missing the softmax"),
    "yt from a_prev": ("rnn_cell_forward", [("np.dot(Wya, a_next)", "np.dot(Wya, a_prev)")],
                       "yt_pred is computed from a_prev"),
    "concat order": ("lstm_cell_forward", [("(a_prev, xt)", "(xt, a_prev)")], "concat is stacked in the wrong order"),
    "lstm a_next without tanh": ("lstm_cell_forward", [("a_next = ot * np.tanh(c_next)", "a_next = ot * c_next")],
                                 "a_next is missing the tanh of the cell state"),
    "loop skips the first step": ("rnn_forward", [("for t in range(T_x):", "for t in range(1, T_x):")],
                                  "the time loop skips the first step (t = 0)"),
    "loop skips the last step": ("lstm_forward", [("for t in range(T_x):", "for t in range(T_x - 1):")],
                                 "the time loop skips the last step"),
    "step 0 throughout": ("rnn_forward", [("xt = x[:, :, t]", "xt = x[:, :, 0]")],
                          "every step uses the input of step 0"),
    "a0 at every step (rnn)": ("rnn_forward", [("rnn_cell_forward(xt, a_next, parameters)", "rnn_cell_forward(xt, a0, parameters)")],
                               "a0 is passed to the cell at every time step"),
    "a0 at every step (lstm)": ("lstm_forward", [("lstm_cell_forward(xt, a_next, c_next, parameters)",
                                                  "lstm_cell_forward(xt, a0, c_next, parameters)")],
                                "a0 is passed to the cell at every time step"),
    "c = a aliasing": ("lstm_forward", [("c = np.zeros((n_a, m, T_x))", "c = a")],
                       "a and c are one array under two names"),
    "c not carried": ("lstm_forward", [("lstm_cell_forward(xt, a_next, c_next, parameters)",
                                        "lstm_cell_forward(xt, a_next, np.zeros((n_a, m)), parameters)")],
                      "the cell state is not carried from step to step"),
    "c starts at a0": ("lstm_forward", [("c_next = np.zeros((n_a, m))", "c_next = a0")], "the cell state starts from a0"),
    # rnn_cell_backward
    "tanh derivative forgotten": ("rnn_cell_backward", [("dtanh = da_next * (1 - a_next ** 2)", "dtanh = da_next")],
                                  "the derivative of tanh is missing"),
    "tanh applied twice": ("rnn_cell_backward", [("(1 - a_next ** 2)", "(1 - np.tanh(a_next) ** 2)")],
                           "tanh is applied twice"),
    "tanh(z * z)": ("rnn_cell_backward", [("dtanh = da_next * (1 - a_next ** 2)",
                                           "z = np.dot(Wax, xt) + np.dot(Waa, a_prev) + ba\n    dtanh = da_next * (1 - np.tanh(z * z))")],
                    "1 - tanh(z * z): it is 1 - tanh(z) ** 2"),
    "sum over the wrong axis": ("rnn_cell_backward", [("np.sum(dtanh, axis=1, keepdims=True)", "np.sum(dtanh, axis=0, keepdims=True)")],
                                "the bias gradient is summed over the wrong axis"),
    "sum over everything": ("rnn_cell_backward", [("np.sum(dtanh, axis=1, keepdims=True)", "np.sum(dtanh)")],
                            "the bias gradient is summed over everything"),
    "dba = np.sum(dWaa)": ("rnn_cell_backward", [("np.sum(dtanh, axis=1, keepdims=True)", "np.sum(dWaa, axis=1, keepdims=True)")],
                           "the bias gradient is summed from the weight gradient"),
    # rnn_backward and lstm_backward
    "= for += (rnn)": ("rnn_backward", [("dWax += dWaxt", "dWax = dWaxt")],
                       "dWax: the gradients are not accumulated over time"),
    "dW += dW": ("rnn_backward", [("dWaa += dWaat", "dWaa += dWaa")], "dWaa: the gradients stay zero: the total is added to itself"),
    "da_prev not fed back (rnn)": ("rnn_backward", [("da[:, :, t] + da_prevt", "da[:, :, t]")], "da_prev is not fed back"),
    "loop forwards in backprop": ("rnn_backward", [("reversed(range(T_x))", "range(T_x)")], "the time loop runs forwards"),
    "cache of step 0": ("rnn_backward", [("caches[t])", "caches[0])")], "every step uses the cache of step 0"),
    "gradient of step 0 (lstm)": ("lstm_backward", [("da[:, :, t] + da_prevt", "da[:, :, 0] + da_prevt")],
                                  "every step uses the gradient of step 0"),
    "cache of step 0 (lstm)": ("lstm_backward", [("caches[t])", "caches[0])")], "every step uses the cache of step 0"),
    "nothing fed back (lstm)": ("lstm_backward", [("da[:, :, t] + da_prevt, dc_prevt", "da[:, :, t], np.zeros((n_a, m))")],
                                "da_prev and dc_prev are not fed back"),
    "da_prev not fed back (lstm)": ("lstm_backward", [("da[:, :, t] + da_prevt", "da[:, :, t]")],
                                    "da_prev is not fed back"),
    "dc_prev not fed back (lstm)": ("lstm_backward", [('dc_prevt = gradients["dc_prev"]', "pass")],
                                    "dc_prev is not fed back"),
    "= for += (lstm)": ("lstm_backward", [('dWf += gradients["dWf"]', 'dWf = gradients["dWf"]')],
                        "dWf: the gradients are not accumulated over time"),
    # lstm_cell_backward
    "v3a misprint of equation (8)": ("lstm_cell_backward", [("* da_next) * (1 - cct ** 2)", "* da_next * cct) * (1 - np.tanh(cct) ** 2)")],
                                     "dcct follows the misprinted equation (8) of the v3a notebook"),
    "v3a misprint, literally": ("lstm_cell_backward", [("dcct = (dc_next * it + ot * (1 - np.tanh(c_next) ** 2) * it * da_next) * (1 - cct ** 2)",
                                                        "dcct = dc_next * it + ot * (1 - np.tanh(c_next) ** 2) * it * da_next * cct * (1 - np.tanh(cct) ** 2)")],
                                "dcct follows the misprinted equation (8)"),
    "dcct without the tanh derivative": ("lstm_cell_backward", [("* da_next) * (1 - cct ** 2)", "* da_next)")],
                                         "dcct is missing the derivative of tanh"),
    "1 - c_next ** 2": ("lstm_cell_backward", [("(1 - np.tanh(c_next) ** 2)", "(1 - c_next ** 2)")],
                        "1 - c_next ** 2: it is 1 - tanh(c_next) ** 2"),
    "dot without the sigmoid derivative": ("lstm_cell_backward", [("dot = da_next * np.tanh(c_next) * ot * (1 - ot)", "dot = da_next * np.tanh(c_next)")],
                                           "dot is missing the derivative of the sigmoid"),
    "half a sigmoid derivative": ("lstm_cell_backward", [("* it * (1 - it)", "* it")],
                                  "the derivative of the sigmoid is half there in dit"),
    "tanh(c_next) derivative forgotten": ("lstm_cell_backward", [("ot * (1 - np.tanh(c_next) ** 2) *", "ot *")],
                                          "the derivative of tanh(c_next) is missing where da_next reaches c_next"),
    "gates see dc_next alone": ("lstm_cell_backward", [("(dc_next * it + ot * (1 - np.tanh(c_next) ** 2) * it * da_next)", "(dc_next * it)"),
                                                       ("(dc_next * cct + ot * (1 - np.tanh(c_next) ** 2) * cct * da_next)", "(dc_next * cct)"),
                                                       ("(dc_next * c_prev + ot * (1 - np.tanh(c_next) ** 2) * c_prev * da_next)", "(dc_next * c_prev)")],
                                "the gate gradients use dc_next alone"),
    "dc_prev without the da_next term": ("lstm_cell_backward", [("dc_prev = dc_next * ft + ot * (1 - np.tanh(c_next) ** 2) * ft * da_next",
                                                                "dc_prev = dc_next * ft")],
                                         "dc_prev misses the gradient that reaches c_next through a_next"),
    "dbX = np.sum(dWX)": ("lstm_cell_backward", [(f"db{g} = np.sum(d{g2}t, axis=1, keepdims=True)", f"db{g} = np.sum(dW{g}, axis=1, keepdims=True)")
                                                 for g, g2 in (("f", "f"), ("i", "i"), ("o", "o"))] +
                          [("dbc = np.sum(dcct, axis=1, keepdims=True)", "dbc = np.sum(dWc, axis=1, keepdims=True)")],
                          "the bias gradient is summed from the weight gradient (a sum of dW over axis 1)"),
    "lstm keepdims missing": ("lstm_cell_backward", [("axis=1, keepdims=True)", "axis=1)")],
                              "dbf, dbi, dbc and dbo have the right values but shape (5,) where (5, 1) is expected"),
    # Adam
    "no bias correction": ("update_parameters_with_adam", [("v_corrected[k] / (np.sqrt(s_corrected[k])", "v[k] / (np.sqrt(s[k])")],
                           "no bias correction"),
    "v not bias-corrected": ("update_parameters_with_adam", [("v_corrected[k] / (np.sqrt", "v[k] / (np.sqrt")],
                             "v is not bias-corrected"),
    "s not bias-corrected": ("update_parameters_with_adam", [("np.sqrt(s_corrected[k])", "np.sqrt(s[k])")],
                             "s is not bias-corrected"),
    "beta1 used for s": ("update_parameters_with_adam", [("s[k] = beta2 * s[k] + (1 - beta2)", "s[k] = beta1 * s[k] + (1 - beta1)")],
                         "beta1 is used for s"),
    "corrected values stored in v and s": ("update_parameters_with_adam", [("v_corrected[k] = v[k] / (1 - beta1 ** t)", "v[k] = v[k] / (1 - beta1 ** t)\n            v_corrected[k] = v[k]"),
                                                                           ("s_corrected[k] = s[k] / (1 - beta2 ** t)", "s[k] = s[k] / (1 - beta2 ** t)\n            s_corrected[k] = s[k]")],
                                           "v and s hold the bias-corrected values"),
    "gradient not squared": ("update_parameters_with_adam", [("(1 - beta2) * grads[k] ** 2", "(1 - beta2) * grads[k]")],
                             "s averages the gradients instead of their squares"),
    "step added": ("update_parameters_with_adam", [("parameters[p + str(l + 1)] - learning_rate", "parameters[p + str(l + 1)] + learning_rate")],
                   "the step is added"),
    "beta1 * t for beta1 ** t": ("update_parameters_with_adam", [("beta1 ** t", "beta1 * t"), ("beta2 ** t", "beta2 * t")],
                                 "the bias correction multiplies instead of raising to a power"),
    "last layer skipped": ("initialize_adam", [("for l in range(L):", "for l in range(L - 1):")],
                           "the last layer is missing"),
}


@pytest.mark.parametrize("mistake", list(CATALOGUE))
def test_each_mistake_gets_its_words(grade, mistake):
    name, edits, words = CATALOGUE[mistake]
    function = graded(grade, name, mistaken(name, *edits))
    assert function.status == "failed", function.message
    hint = shown_hint(function)
    assert words in hint, hint
    assert f"Hint: {hint}" in function.message


def test_epsilon_inside_the_square_root_is_named_on_the_tiny_gradients_case(grade):
    source = mistaken("update_parameters_with_adam", ("(np.sqrt(s_corrected[k]) + epsilon)", "np.sqrt(s_corrected[k] + epsilon)"))
    function = graded(grade, "update_parameters_with_adam", source)
    failing = [case.name for case in function.cases if case.status == "failed"]
    assert failing == ["gradients near 1e-5"]
    assert shown_hint(function).startswith("epsilon is inside the square root")


def test_two_mistakes_in_different_outputs_are_both_named(grade):
    # as in the seed notebook's rnn_cell_backward: tanh(z * z), and dba without keepdims
    name, edits, _ = CATALOGUE["tanh(z * z)"]
    source = mistaken(name, *edits, ("axis=1, keepdims=True)", "axis=1)"))
    hint = shown_hint(graded(grade, name, source))
    assert hint.startswith("dxt, da_prev, dWax, dWaa and dba: the derivative of tanh is written 1 - tanh(z * z)")
    assert "Also, dba has shape (5,) where (5, 1) is expected" in hint


def test_a_correct_notebook_gets_no_hint(grade):
    functions, _ = grade([HEADER] + list(CORRECT.values()))
    for name, function in functions.items():
        assert function.status == "passed", (name, function.message)
        assert all(case.hint == "" for case in function.cases)


@pytest.mark.parametrize("name, edits", [
    ("rnn_cell_forward", [("+ ba)", ")")]),  # the bias left out: not in the catalogue
    ("rnn_cell_forward", [("np.dot(Waa, a_prev)", "np.dot(Waa.T, a_prev)")]),
    ("lstm_cell_backward", [("* it * (1 - it)", "* ft * (1 - it)")]),
    ("rnn_backward", [("dx[:, :, t] = dxt", "dx[:, :, t] = dxt + 1")]),
    ("update_parameters_with_adam", [("(1 - beta1) * grads[k]", "(1 - beta1) * grads[k] ** 3")]),
])
def test_an_unrelated_mistake_gets_no_hint(grade, name, edits):
    function = graded(grade, name, mistaken(name, *edits))
    assert function.status == "failed"
    assert [case.hint for case in function.cases] == [""] * len(function.cases)
    assert "Hint:" not in function.message


def test_aliasing_c_into_the_cache_changes_no_compared_output(grade):
    """``c_next = c[:, :, 0]`` only corrupts the cache (c_prev of step 0), which is not compared:
    no case can see it, so there is nothing to hint."""
    source = mistaken("lstm_forward", ("c_next = np.zeros((n_a, m))", "c_next = c[:, :, 0]"))
    assert graded(grade, "lstm_forward", source).status == "passed"


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("name, edits, words", [
    ("update_parameters_with_adam", [("beta1 ** t", "beta1 ^ t")], "use ** for powers"),
    ("update_parameters_with_adam", [("grads[k] ** 2", "grads[k] ^ 2")], "use ** for powers"),
    ("rnn_backward", [("caches[t])", "(caches, x))")], "rnn_cell_backward gets the whole caches"),
    ("lstm_backward", [("n_a, m, T_x = da.shape", "n_a, m, T_x = x.shape[0] + 2, x.shape[1], x.shape[2]")],
     "take n_a, m, T_x from da.shape"),
    ("initialize_adam", [("for l in range(L):", "for l in range(L + 1):")], "there is no W3"),
    ("initialize_adam", [("str(l + 1)", "str(l)")], "there is no W0: layers are numbered from 1"),
    ("rnn_cell_forward", [("np.dot(Waa, a_prev)", "np.dot(a_prev, Waa)")], "a matrix product whose sizes do not fit"),
    ("rnn_cell_forward", [("cache = (a_next, a_prev, xt, parameters)", "cache = (a_next, a_prev, xt, parameters, np.float(1))")],
     "np.float was removed from NumPy"),
])
def test_errors_get_words(grade, assignment, name, edits, words):
    function = graded(grade, name, mistaken(name, *edits))
    assert function.status == "error", function.message
    case = next(case for case in function.cases if case.status == "error")
    assert words in hints.explain_error(assignment, name, case.message), case.message


def test_an_unknown_error_gets_no_words(assignment):
    assert hints.explain_error(assignment, "rnn_forward", "ZeroDivisionError: division by zero") == ""


# --------------------------------------------------------------------------- over all cases


def _run(assignment, name, source):
    """What the student's function returns on each case, computed here (trusted test code)."""
    namespace = {"np": np}
    namespace.update(softmax=assignment.reference.softmax, sigmoid=assignment.reference.sigmoid)
    for other in assignment.graded_names:
        namespace[other] = getattr(assignment.reference, other)
    exec(source, namespace)  # noqa: S102
    function = assignment.function(name)
    with np.errstate(all="ignore"):
        return function, [namespace[name](**copy.deepcopy(case.inputs)) for case in function.cases]


def test_a_coincidence_of_one_case_is_not_confirmed(assignment):
    """At Adam's first step (t = 1, v = s = 0), dropping (1 - beta1) from v gives the numbers of
    "corrected values stored in v": one case alone would say so; the other cases rule it out."""
    source = mistaken("update_parameters_with_adam", ("(1 - beta1) * grads[k]", "grads[k]"))
    function, values = _run(assignment, "update_parameters_with_adam", source)
    alone = hints.explain(assignment, function, function.cases[0], values[0])
    assert "v and s hold the bias-corrected values" in alone
    confirmed = hints.explain_cases(assignment, function, values)
    assert all("bias-corrected" not in text for text in confirmed)


def test_a_coincidence_of_a_one_step_case_is_not_confirmed(assignment):
    """``dx[:, :, t] = dxt * t`` leaves dx all zeros on a sequence of one step, as a loop that
    skips step 0 would: only the other cases show that is not the mistake."""
    function, values = _run(assignment, "rnn_backward", mistaken("rnn_backward", ("dx[:, :, t] = dxt", "dx[:, :, t] = dxt * t")))
    one_step = [case.name for case in function.cases].index("one time step")
    assert "skips the first step" in hints.explain(assignment, function, function.cases[one_step], values[one_step])
    assert hints.explain_cases(assignment, function, values) == [""] * len(values)


def test_cases_together_keep_what_holds_everywhere(assignment):
    """Skipping the last step looks like skipping the first on a sequence of one step; over all
    cases the hint is the right one everywhere."""
    name, edits, _ = CATALOGUE["loop skips the last step"]
    function, values = _run(assignment, name, mistaken(name, *edits))
    confirmed = hints.explain_cases(assignment, function, values)
    assert all(text.startswith("a, y and c: the time loop skips the last step") or "skips the last step" in text
               for text in confirmed), confirmed
    alone = [hints.explain(assignment, function, case, value) for case, value in zip(function.cases, values)]
    assert any("skips the first step" in text for text in alone)  # the one-step case, on its own


def test_a_diagnosis_says_what_it_does_not_explain(assignment):
    source = mistaken("rnn_cell_backward", ("dtanh = da_next * (1 - a_next ** 2)", "dtanh = da_next"),
                      ("dxt = np.dot(Wax.T, dtanh)", "dxt = np.dot(Wax.T, dtanh) + 1"))
    function, values = _run(assignment, "rnn_cell_backward", source)
    diagnosis = hints.diagnose(assignment, function, function.cases[0], values[0])
    assert diagnosis.unexplained == ("dxt",)
    assert not diagnosis.complete
    assert diagnosis.text.startswith("da_prev, dWax, dWaa and dba: the derivative of tanh is missing")


@pytest.mark.parametrize("mistake", list(CATALOGUE))
def test_each_mistake_is_confirmed_on_every_case(assignment, mistake):
    """What the student reads once grading calls hints.explain_cases: the same words."""
    name, edits, words = CATALOGUE[mistake]
    function, values = _run(assignment, name, mistaken(name, *edits))
    confirmed = hints.explain_cases(assignment, function, values)
    first = next(i for i, (case, value) in enumerate(zip(function.cases, values))
                 if compare_return(function, case.expected, value))
    assert words in confirmed[first], confirmed
