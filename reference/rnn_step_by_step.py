"""Reference solutions for "Building your Recurrent Neural Network - Step by Step".

Signatures, return structures and formulas follow the course's 2021 notebook (schema
``DLSC5W1-A1``); Adam follows Kingma & Ba as in the course's optimisation assignment
(epsilon outside the square root). No function mutates its arguments: the grader computes
expected values once and reuses the same inputs for the student's code.
"""
import numpy as np


def softmax(x):
    """Column-wise softmax after subtracting the global max (the course's ``rnn_utils`` helper)."""
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def sigmoid(x):
    """Logistic function (the course's ``rnn_utils`` helper)."""
    return 1 / (1 + np.exp(-x))


# --------------------------------------------------------------------------- forward passes


def rnn_cell_forward(xt, a_prev, parameters):
    """One RNN step; returns ``a_next, yt_pred, cache=(a_next, a_prev, xt, parameters)``."""
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(Waa @ a_prev + Wax @ xt + ba)
    yt_pred = softmax(Wya @ a_next + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_forward(x, a0, parameters):
    """Run the RNN over ``T_x`` steps; returns ``a, y_pred, caches=(list_of_caches, x)``."""
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    caches = []
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One LSTM step; returns ``a_next, c_next, yt_pred, cache`` (cache has 10 entries).

    ``cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)``.
    """
    concat = np.concatenate((a_prev, xt), axis=0)
    ft = sigmoid(parameters["Wf"] @ concat + parameters["bf"])
    it = sigmoid(parameters["Wi"] @ concat + parameters["bi"])
    cct = np.tanh(parameters["Wc"] @ concat + parameters["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(parameters["Wo"] @ concat + parameters["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(parameters["Wy"] @ a_next + parameters["by"])
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    """Run the LSTM over ``T_x`` steps; returns ``a, y, c, caches=(list_of_caches, x)``."""
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    caches = []
    a_next = a0
    c_next = np.zeros((n_a, m))  # its own array, never a view into c
    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    return a, y, c, (caches, x)


# --------------------------------------------------------------------------- backward passes


def rnn_cell_backward(da_next, cache):
    """Gradients of one RNN step: dict ``dxt, da_prev, dWax, dWaa, dba`` (dba has shape (n_a, 1))."""
    a_next, a_prev, xt, parameters = cache
    dtanh = da_next * (1 - a_next ** 2)
    return {
        "dxt": parameters["Wax"].T @ dtanh,
        "da_prev": parameters["Waa"].T @ dtanh,
        "dWax": dtanh @ xt.T,
        "dWaa": dtanh @ a_prev.T,
        "dba": np.sum(dtanh, axis=1, keepdims=True),
    }


def rnn_backward(da, caches):
    """Backprop through time for the RNN: dict ``dx, da0, dWax, dWaa, dba``.

    ``da[:, :, t]`` is the upstream gradient of the hidden state at step t; the gradient
    flowing back from step t+1 is added to it.
    """
    cache_list, x = caches
    n_a, m, T_x = da.shape
    n_x = cache_list[0][2].shape[0]
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        grads = rnn_cell_backward(da[:, :, t] + da_prevt, cache_list[t])
        da_prevt = grads["da_prev"]
        dx[:, :, t] = grads["dxt"]
        dWax = dWax + grads["dWax"]
        dWaa = dWaa + grads["dWaa"]
        dba = dba + grads["dba"]
    return {"dx": dx, "da0": da_prevt, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def lstm_cell_backward(da_next, dc_next, cache):
    """Gradients of one LSTM step (2021 equations 7-21).

    Returns dict ``dxt, da_prev, dc_prev, dWf, dbf, dWi, dbi, dWc, dbc, dWo, dbo``.
    """
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
    n_a = a_next.shape[0]
    tanh_c = np.tanh(c_next)
    # Total gradient reaching c_next: the direct one plus the one through a_next = ot*tanh(c_next).
    dc_total = dc_next + ot * (1 - tanh_c ** 2) * da_next

    dot = da_next * tanh_c * ot * (1 - ot)
    dcct = dc_total * it * (1 - cct ** 2)
    dit = dc_total * cct * it * (1 - it)
    dft = dc_total * c_prev * ft * (1 - ft)

    concat = np.concatenate((a_prev, xt), axis=0)
    gates = {"f": dft, "i": dit, "c": dcct, "o": dot}
    grads = {}
    for name, dgate in gates.items():
        grads["dW" + name] = dgate @ concat.T
        grads["db" + name] = np.sum(dgate, axis=1, keepdims=True)

    dconcat = sum(parameters["W" + name].T @ dgate for name, dgate in gates.items())
    grads["da_prev"] = dconcat[:n_a]
    grads["dc_prev"] = dc_total * ft
    grads["dxt"] = dconcat[n_a:]
    return grads


def lstm_backward(da, caches):
    """Backprop through time for the LSTM: dict ``dx, da0, dWf, dbf, dWi, dbi, dWc, dbc, dWo, dbo``.

    ``n_a, m, T_x`` come from ``da.shape`` (the notebook's cell passes fewer steps of ``da``
    than there are caches); only the first ``T_x`` caches are used.
    """
    cache_list, x = caches
    n_a, m, T_x = da.shape
    n_x = cache_list[0][8].shape[0]
    dx = np.zeros((n_x, m, T_x))
    totals = {}
    for name in "fico":
        totals["dW" + name] = np.zeros((n_a, n_a + n_x))
        totals["db" + name] = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    dc_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        grads = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, cache_list[t])
        da_prevt = grads["da_prev"]
        dc_prevt = grads["dc_prev"]
        dx[:, :, t] = grads["dxt"]
        for key in totals:
            totals[key] = totals[key] + grads[key]
    return {"dx": dx, "da0": da_prevt, **totals}


# --------------------------------------------------------------------------- Adam


def initialize_adam(parameters):
    """Zero first and second moments ``v, s`` with keys ``dW1, db1, ...`` shaped like ``W1, b1, ...``."""
    L = len(parameters) // 2
    v, s = {}, {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            v[f"d{p}{l}"] = np.zeros(parameters[f"{p}{l}"].shape)
            s[f"d{p}{l}"] = np.zeros(parameters[f"{p}{l}"].shape)
    return v, s


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                beta1=0.9, beta2=0.999, epsilon=1e-8):
    """One Adam step with bias correction; returns new dicts ``parameters, v, s``.

    Update: ``W - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)``
    (epsilon outside the square root, as in Kingma & Ba).
    """
    L = len(parameters) // 2
    new_parameters = dict(parameters)
    new_v, new_s = dict(v), dict(s)
    for l in range(1, L + 1):
        for p in ("W", "b"):
            key = f"d{p}{l}"
            new_v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
            new_s[key] = beta2 * s[key] + (1 - beta2) * grads[key] ** 2
            v_corrected = new_v[key] / (1 - beta1 ** t)
            s_corrected = new_s[key] / (1 - beta2 ** t)
            new_parameters[f"{p}{l}"] = (parameters[f"{p}{l}"]
                                         - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon))
    return new_parameters, new_v, new_s
