"""Known mistakes in this assignment, each recomputed from the reference with the mistake applied.

The grader says a mistake's words only when its computation reproduces the student's values
(output by output, within the function's tolerance); see ``grader/feedback/hints.py``. Generic mistakes
(transposed, a dropped keepdims, the sign flipped, a constant factor, another output or an input
returned) are detected there for every function; this file holds the ones that need the
assignment's own formulas (ASSIGNMENT_RNN.md, section 7).

To add one: write (or reuse, with a new option) a small function below that returns what the
mistaken code returns, then add a ``Mistake(function, words, compute, kind)`` line to
``MISTAKES``. ``compute`` is called as ``compute(reference, **case_inputs)``; ``kind`` names the
mistake in reports and in the mutation run. Words: what is wrong, then the fix, as a TA would say
them, in words and formulas: never a line of the solution, which the student bundle would hand
to anyone who reads it (tests/test_handouts.py holds every text against the reference's lines).
Entries are tried in order; the first that reproduces an output names it.
"""
from functools import partial

import numpy as np

from grader.hints import ErrorHint, Mistake


def _softmax_rows(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=1, keepdims=True)


def _steps(T_x, steps):
    return {"all": range(T_x), "skip-first": range(1, T_x), "skip-last": range(T_x - 1)}[steps]


# --------------------------------------------------------------------------- forward passes


def _rnn_cell_forward(reference, xt, a_prev, parameters, *, activation=np.tanh, output="softmax",
                      y_from="a_next"):
    p = parameters
    a_next = activation(p["Waa"] @ a_prev + p["Wax"] @ xt + p["ba"])
    z = p["Wya"] @ (a_next if y_from == "a_next" else a_prev) + p["by"]
    yt_pred = {"softmax": reference.softmax, "rows": _softmax_rows, "none": lambda v: v}[output](z)
    return a_next, yt_pred, None


def _lstm_cell_forward(reference, xt, a_prev, c_prev, parameters, *, concat="a-first",
                       output="softmax", tanh_c=True, y_from="a_next"):
    p = parameters
    stacked = np.concatenate((a_prev, xt) if concat == "a-first" else (xt, a_prev), axis=0)
    ft = reference.sigmoid(p["Wf"] @ stacked + p["bf"])
    it = reference.sigmoid(p["Wi"] @ stacked + p["bi"])
    cct = np.tanh(p["Wc"] @ stacked + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = reference.sigmoid(p["Wo"] @ stacked + p["bo"])
    a_next = ot * (np.tanh(c_next) if tanh_c else c_next)
    z = p["Wy"] @ (a_next if y_from == "a_next" else c_next) + p["by"]
    yt_pred = {"softmax": reference.softmax, "rows": _softmax_rows}[output](z)
    return a_next, c_next, yt_pred, None


def _rnn_forward(reference, x, a0, parameters, *, a0_every_step=False, steps="all", input_step=None):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a, y_pred = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x))
    a_next = a0
    for t in _steps(T_x, steps):
        xt = x[:, :, t if input_step is None else input_step]
        a_next, yt_pred, _ = reference.rnn_cell_forward(xt, a0 if a0_every_step else a_next, parameters)
        a[:, :, t], y_pred[:, :, t] = a_next, yt_pred
    return a, y_pred, None


def _lstm_forward(reference, x, a0, parameters, *, a0_every_step=False, steps="all", input_step=None,
                  c0="zeros", alias=None, c_carried=True):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a, c, y = np.zeros((n_a, m, T_x)), np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x))
    if alias is not None:
        c = a  # c = a: one array under two names
    a_next = a0
    c_next = np.zeros((n_a, m)) if c0 == "zeros" else a0.copy()
    for t in _steps(T_x, steps):
        xt = x[:, :, t if input_step is None else input_step]
        c_prev = c_next if c_carried else np.zeros((n_a, m))
        a_next, c_next, yt, _ = reference.lstm_cell_forward(xt, a0 if a0_every_step else a_next, c_prev,
                                                            parameters)
        if alias == "c-last":
            a[:, :, t] = a_next
            c[:, :, t] = c_next
        else:
            c[:, :, t] = c_next
            a[:, :, t] = a_next
        y[:, :, t] = yt
    return a, y, c, None


# --------------------------------------------------------------------------- backward passes


def _rnn_cell_backward(reference, da_next, cache, *, derivative="right", bias="right"):
    a_next, a_prev, xt, p = cache
    z = p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"]
    dtanh = da_next * {"right": lambda: 1 - a_next ** 2, "forgotten": lambda: 1,
                       "tanh-twice": lambda: 1 - np.tanh(a_next) ** 2,
                       "tanh-zz": lambda: 1 - np.tanh(z * z)}[derivative]()
    dWax, dWaa = dtanh @ xt.T, dtanh @ a_prev.T
    dba = {"right": lambda: np.sum(dtanh, axis=1, keepdims=True),
           "axis0": lambda: np.sum(dtanh, axis=0, keepdims=True),
           "everything": lambda: np.sum(dtanh),
           "from-dW": lambda: np.sum(dWaa, axis=1, keepdims=True),
           "from-dW-everything": lambda: np.sum(dWaa)}[bias]()
    return {"dxt": p["Wax"].T @ dtanh, "da_prev": p["Waa"].T @ dtanh, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def _lstm_cell_backward(reference, da_next, dc_next, cache, *, dcct="right", tanh_c="right",
                        dot="right", dc_prev="right", bias="right", gates_see_da=True, sigmoid=""):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a = a_next.shape[0]
    derivative = {"right": lambda: 1 - np.tanh(c_next) ** 2, "no-tanh": lambda: 1 - c_next ** 2,
                  "forgotten": lambda: 1}[tanh_c]()
    through_a = ot * derivative * da_next
    dc_total = dc_next + through_a if gates_see_da else dc_next

    def gate(g, name):  # the sigmoid's derivative g * (1 - g), or g alone when it is half-forgotten
        return g if sigmoid == name else g * (1 - g)

    dot_ = da_next * np.tanh(c_next) * (gate(ot, "o") if dot == "right" else 1)
    dcct_ = {
        "right": lambda: dc_total * it * (1 - cct ** 2),
        "no-derivative": lambda: dc_total * it,
        "tanh-twice": lambda: dc_total * it * (1 - np.tanh(cct) ** 2),
        # the v3a misprint of equation (8), with its brackets placed as students place them
        "misprint": lambda: (dc_next * it + through_a * it * cct) * (1 - np.tanh(cct) ** 2),
        "misprint-literal": lambda: dc_next * it + through_a * it * cct * (1 - np.tanh(cct) ** 2),
        "misprint-outer": lambda: (dc_next * it + through_a * it) * cct * (1 - np.tanh(cct) ** 2),
    }[dcct]()
    dit = dc_total * cct * gate(it, "i")
    dft = dc_total * c_prev * gate(ft, "f")
    concat = np.concatenate((a_prev, xt), axis=0)
    gates = {"f": dft, "i": dit, "c": dcct_, "o": dot_}
    grads = {}
    for name, dgate in gates.items():
        dW = dgate @ concat.T
        grads["dW" + name] = dW
        grads["db" + name] = {"right": lambda: np.sum(dgate, axis=1, keepdims=True),
                              "axis0": lambda: np.sum(dgate, axis=0, keepdims=True),
                              "everything": lambda: np.sum(dgate),
                              "from-dW": lambda: np.sum(dW, axis=1, keepdims=True),
                              "from-dW-everything": lambda: np.sum(dW)}[bias]()
    dconcat = sum(p["W" + name].T @ dgate for name, dgate in gates.items())
    grads["da_prev"], grads["dxt"] = dconcat[:n_a], dconcat[n_a:]
    grads["dc_prev"] = (dc_next + through_a) * ft if dc_prev == "right" else dc_next * ft
    return grads


def _rnn_backward(reference, da, caches, *, feedback=True, accumulate="sum", order="reversed",
                  steps="all", cache_step=None, da_step=None):
    cache_list, x = caches
    n_a, m, T_x = da.shape
    n_x = cache_list[0][2].shape[0]
    dx = np.zeros((n_x, m, T_x))
    totals = {"dWax": np.zeros((n_a, n_x)), "dWaa": np.zeros((n_a, n_a)), "dba": np.zeros((n_a, 1))}
    da_prevt = np.zeros((n_a, m))
    ts = list(_steps(T_x, steps))
    for t in (reversed(ts) if order == "reversed" else ts):
        grads = reference.rnn_cell_backward(da[:, :, t if da_step is None else da_step] + (da_prevt if feedback else 0),
                                            cache_list[t if cache_step is None else cache_step])
        da_prevt = grads["da_prev"]
        dx[:, :, t] = grads["dxt"]
        for key in totals:
            totals[key] = _accumulated(totals[key], grads[key], accumulate)
    return {"dx": dx, "da0": da_prevt, **totals}


def _lstm_backward(reference, da, caches, *, feed_a=True, feed_c=True, accumulate="sum",
                   order="reversed", steps="all", cache_step=None, da_step=None):
    cache_list, x = caches
    n_a, m, T_x = da.shape
    n_x = cache_list[0][8].shape[0]
    dx = np.zeros((n_x, m, T_x))
    totals = {}
    for name in "fico":
        totals["dW" + name] = np.zeros((n_a, n_a + n_x))
        totals["db" + name] = np.zeros((n_a, 1))
    da_prevt, dc_prevt = np.zeros((n_a, m)), np.zeros((n_a, m))
    ts = list(_steps(T_x, steps))
    for t in (reversed(ts) if order == "reversed" else ts):
        grads = reference.lstm_cell_backward(da[:, :, t if da_step is None else da_step] + (da_prevt if feed_a else 0),
                                             dc_prevt if feed_c else np.zeros((n_a, m)),
                                             cache_list[t if cache_step is None else cache_step])
        da_prevt, dc_prevt = grads["da_prev"], grads["dc_prev"]
        dx[:, :, t] = grads["dxt"]
        for key in totals:
            totals[key] = _accumulated(totals[key], grads[key], accumulate)
    return {"dx": dx, "da0": da_prevt, **totals}


def _accumulated(total, step, accumulate):
    if accumulate == "sum":
        return total + step
    if accumulate == "last":  # dW = gradients["dW"]: only the step processed last survives
        return step
    return total + total  # dW += dW: zeros stay zeros


# --------------------------------------------------------------------------- Adam


def _adam(reference, parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
          epsilon=1e-8, *, epsilon_inside=False, bias_correction="both", s_beta="beta2",
          s_correction_beta="beta2", store="raw", square=True, power=True, sign=-1):
    parameters, v, s = dict(parameters), dict(v), dict(s)
    betas = {"beta1": beta1, "beta2": beta2}
    for key in grads:
        name = key[1:]
        b_s = betas[s_beta]
        v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
        s[key] = b_s * s[key] + (1 - b_s) * (grads[key] ** 2 if square else grads[key])
        b_c = betas[s_correction_beta]
        v_c, s_c = v[key], s[key]
        if bias_correction in ("both", "v"):
            v_c = v[key] / (1 - (beta1 ** t if power else beta1 * t))
        if bias_correction in ("both", "s"):
            s_c = s[key] / (1 - (b_c ** t if power else b_c * t))
        step = v_c / np.sqrt(s_c + epsilon) if epsilon_inside else v_c / (np.sqrt(s_c) + epsilon)
        parameters[name] = parameters[name] + sign * learning_rate * step
        if store == "corrected":  # v_corrected written back into v (and s)
            v[key], s[key] = v_c, s_c
    return parameters, v, s


def _initialize_adam(reference, parameters, *, layers="all"):
    L = len(parameters) // 2
    v, s = {}, {}
    for l in range(1, L if layers == "skip-last" else L + 1):
        for p in ("W", "b"):
            v[f"d{p}{l}"] = np.zeros(parameters[f"{p}{l}"].shape)
            s[f"d{p}{l}"] = np.zeros(parameters[f"{p}{l}"].shape)
    return v, s


def _mistake(function, words, implementation, kind, **options):
    return Mistake(function, words, partial(implementation, **options), kind)


# --------------------------------------------------------------------------- the catalogue

MISTAKES = [
    # rnn_cell_forward
    _mistake("rnn_cell_forward",
             "the softmax is taken over the wrong axis: each column (one example) must sum to 1, so "
             "normalise over axis 0 (the classes), e.g. with the provided softmax(z)",
             _rnn_cell_forward, "softmax-axis", output="rows"),
    _mistake("rnn_cell_forward",
             "yt_pred is missing the softmax: the prediction is the softmax (over the classes) of the "
             "output layer's linear step from a_next, not the linear step itself",
             _rnn_cell_forward, "missing-activation", output="none"),
    _mistake("rnn_cell_forward",
             "a_next is missing the tanh: the new hidden state is tanh of the linear step "
             "(Waa a_prev + Wax xt + ba), not the linear step itself",
             _rnn_cell_forward, "missing-activation", activation=lambda z: z),
    _mistake("rnn_cell_forward",
             "yt_pred is computed from a_prev: the prediction comes from the new hidden state, a_next, "
             "computed a line before it",
             _rnn_cell_forward, "wrong-variable", y_from="a_prev"),
    # lstm_cell_forward
    _mistake("lstm_cell_forward",
             "concat is stacked in the wrong order: the weights expect the rows of a_prev on top of "
             "those of xt (joined along axis 0, a_prev first)",
             _lstm_cell_forward, "concat-order", concat="x-first"),
    _mistake("lstm_cell_forward",
             "the softmax is taken over the wrong axis: each column (one example) must sum to 1, so "
             "normalise over axis 0, e.g. with the provided softmax(z)",
             _lstm_cell_forward, "softmax-axis", output="rows"),
    _mistake("lstm_cell_forward",
             "a_next is missing the tanh of the cell state: the output gate ot multiplies tanh(c_next), "
             "not c_next itself",
             _lstm_cell_forward, "missing-activation", tanh_c=False),
    _mistake("lstm_cell_forward",
             "yt_pred is computed from c_next: the prediction comes from the hidden state a_next, "
             "not from the cell state",
             _lstm_cell_forward, "wrong-variable", y_from="c_next"),
    # rnn_forward and lstm_forward
    *[_mistake(name, words, implementation, kind, **options)
      for name, implementation in (("rnn_forward", _rnn_forward), ("lstm_forward", _lstm_forward))
      for words, kind, options in (
          ("a0 is passed to the cell at every time step: pass the previous hidden state instead "
           "(a_next from the step before; a0 only at t = 0)", "a0-every-step", {"a0_every_step": True}),
          ("the time loop skips the first step (t = 0): loop over range(T_x)", "loop-range",
           {"steps": "skip-first"}),
          ("the time loop skips the last step: loop over range(T_x), not range(T_x - 1)", "loop-range",
           {"steps": "skip-last"}),
          ("every step uses the input of step 0: take x[:, :, t], the input of step t", "step-zero",
           {"input_step": 0}),
      )],
    _mistake("lstm_forward",
             "a and c are one array under two names (c = a, or a = c = one array of zeros), so writing "
             "one overwrites the other: give each an array of zeros of its own, of shape (n_a, m, T_x)",
             _lstm_forward, "aliasing", alias="c-last"),
    _mistake("lstm_forward",
             "a and c are one array under two names (c = a, or a = c = one array of zeros), so writing "
             "one overwrites the other: give each an array of zeros of its own, of shape (n_a, m, T_x)",
             _lstm_forward, "aliasing", alias="a-last"),
    _mistake("lstm_forward",
             "the cell state is not carried from step to step: pass c_next from the step before as "
             "c_prev (zeros only at t = 0)",
             _lstm_forward, "no-feedback", c_carried=False),
    _mistake("lstm_forward",
             "the cell state starts from a0: the cell state starts at zeros of shape (n_a, m); only the "
             "hidden state starts at a0",
             _lstm_forward, "initial-state", c0="a0"),
    # rnn_cell_backward
    _mistake("rnn_cell_backward",
             "the derivative of tanh is missing: da_next must be multiplied by the derivative of tanh "
             "at z, 1 - tanh(z) ** 2, which is 1 - a_next ** 2 since a_next is already tanh(z)",
             _rnn_cell_backward, "derivative", derivative="forgotten"),
    _mistake("rnn_cell_backward",
             "tanh is applied twice: a_next is already tanh(z), so the derivative is 1 - a_next ** 2, "
             "not 1 - tanh(a_next) ** 2",
             _rnn_cell_backward, "derivative", derivative="tanh-twice"),
    _mistake("rnn_cell_backward",
             "the derivative of tanh is written 1 - tanh(z * z): it is 1 - tanh(z) ** 2 "
             "(square the tanh, not z), which is 1 - a_next ** 2",
             _rnn_cell_backward, "derivative", derivative="tanh-zz"),
    *[_mistake(name, words, implementation, kind, bias=bias)
      for name, implementation in (("rnn_cell_backward", _rnn_cell_backward),
                                   ("lstm_cell_backward", _lstm_cell_backward))
      for words, kind, bias in (
          ("the bias gradient is summed over the wrong axis: sum over the examples (axis 1, keeping "
           "the axis) to get shape (n_a, 1)", "sum-axis", "axis0"),
          ("the bias gradient is summed over everything (a single number): sum over the examples "
           "only (axis 1, keeping the axis)", "sum-axis", "everything"),
          ("the bias gradient is summed from the weight gradient (a sum of dW over axis 1): it is the "
           "sum of the gradient before the weights (dz, or a gate's dft, dit, dcct, dot) over the "
           "examples", "bias-from-dW", "from-dW"),
          ("the bias gradient is summed from the weight gradient (the sum of all of dW): it is the "
           "sum of the gradient before the weights (dz, or a gate's dft, dit, dcct, dot) over the "
           "examples", "bias-from-dW", "from-dW-everything"),
      )],
    # lstm_cell_backward
    *[_mistake("lstm_cell_backward",
               "dcct follows the misprinted equation (8) of the v3a notebook (an extra factor cct and a "
               "tanh(cct)): dcct is the whole gradient reaching c_next (dc_next plus the part through "
               "a_next) times it, times the derivative of tanh at the candidate, 1 - cct ** 2",
               _lstm_cell_backward, "v3a-misprint", dcct=variant)
      for variant in ("misprint", "misprint-literal", "misprint-outer")],
    _mistake("lstm_cell_backward",
             "dcct is missing the derivative of tanh: multiply by 1 - cct ** 2, since cct is already "
             "tanh(...)",
             _lstm_cell_backward, "derivative", dcct="no-derivative"),
    _mistake("lstm_cell_backward",
             "tanh is applied twice in dcct: cct is already tanh(...), so the derivative is "
             "1 - cct ** 2, not 1 - tanh(cct) ** 2",
             _lstm_cell_backward, "derivative", dcct="tanh-twice"),
    _mistake("lstm_cell_backward",
             "the derivative of tanh(c_next) is written 1 - c_next ** 2: it is "
             "1 - tanh(c_next) ** 2 (c_next is not a tanh itself)",
             _lstm_cell_backward, "derivative", tanh_c="no-tanh"),
    _mistake("lstm_cell_backward",
             "the derivative of tanh(c_next) is missing where da_next reaches c_next: on its way "
             "through a_next, da_next is multiplied by ot and by 1 - tanh(c_next) ** 2",
             _lstm_cell_backward, "derivative", tanh_c="forgotten"),
    *[_mistake("lstm_cell_backward",
               f"the derivative of the sigmoid is half there in d{g}t: a sigmoid s has derivative "
               f"s * (1 - s), so multiply by {g}t * (1 - {g}t), not by {g}t alone",
               _lstm_cell_backward, "derivative", sigmoid=gate)
      for g, gate in (("o", "o"), ("i", "i"), ("f", "f"))],
    _mistake("lstm_cell_backward",
             "dot is missing the derivative of the sigmoid: a sigmoid s has derivative s * (1 - s), so "
             "multiply by ot * (1 - ot) as well",
             _lstm_cell_backward, "derivative", dot="no-derivative"),
    _mistake("lstm_cell_backward",
             "dc_prev misses the gradient that reaches c_next through a_next: add it (da_next times ot "
             "times 1 - tanh(c_next) ** 2) to dc_next, then multiply the sum by ft",
             _lstm_cell_backward, "missing-term", dc_prev="direct-only"),
    _mistake("lstm_cell_backward",
             "the gate gradients use dc_next alone: the gradient reaching c_next through a_next "
             "(da_next times ot times 1 - tanh(c_next) ** 2) must be added to dc_next (equations 8-10)",
             _lstm_cell_backward, "missing-term", gates_see_da=False),
    # rnn_backward and lstm_backward
    _mistake("rnn_backward",
             "da_prev is not fed back: the cell at step t gets the gradient of step t plus the da_prev "
             "that the step after it returned (zeros for the last step)",
             _rnn_backward, "no-feedback", feedback=False),
    _mistake("lstm_backward",
             "da_prev and dc_prev are not fed back: the cell at step t gets the gradient of step t plus "
             "the da_prev, and the dc_prev, that the step after it returned (zeros for the last step)",
             _lstm_backward, "no-feedback", feed_a=False, feed_c=False),
    _mistake("lstm_backward",
             "da_prev is not fed back: the cell at step t gets the gradient of step t plus the da_prev "
             "that the step after it returned",
             _lstm_backward, "no-feedback", feed_a=False),
    _mistake("lstm_backward",
             "dc_prev is not fed back: the dc_next of the cell at step t is the dc_prev that the step "
             "after it returned, not zeros",
             _lstm_backward, "no-feedback", feed_c=False),
    *[_mistake(name, words, implementation, kind, **options)
      for name, implementation in (("rnn_backward", _rnn_backward), ("lstm_backward", _lstm_backward))
      for words, kind, options in (
          ("the gradients are not accumulated over time: only the last step processed (t = 0) is "
           "kept. Add each step's gradient to the total (an = replaces it)", "not-accumulated",
           {"accumulate": "last"}),
          ("the gradients stay zero: the total is added to itself, zero to zero. Add the gradient "
           "that the step returned", "not-accumulated", {"accumulate": "double"}),
          ("the time loop runs forwards: backpropagation goes from the last step back to the first "
           "(t from T_x - 1 down to 0)", "loop-range", {"order": "forward"}),
          ("the time loop skips the first step (t = 0): every step from T_x - 1 down to 0 must run",
           "loop-range", {"steps": "skip-first"}),
          ("the time loop skips the last step (t = T_x - 1): every step from T_x - 1 down to 0 must run",
           "loop-range", {"steps": "skip-last"}),
      )],
    *[_mistake(name, words, implementation, "step-zero", **options)
      for name, implementation in (("rnn_backward", _rnn_backward), ("lstm_backward", _lstm_backward))
      for words, options in (
          ("every step uses the cache of step 0: pass caches[t], the cache of step t", {"cache_step": 0}),
          ("every step uses the gradient of step 0: take da[:, :, t], the gradient of step t",
           {"da_step": 0}),
      )],
    # initialize_adam
    _mistake("initialize_adam",
             "the last layer is missing: layers are numbered 1 to L, so loop over range(1, L + 1) "
             "(or use str(l + 1) with range(L))",
             _initialize_adam, "loop-range", layers="skip-last"),
    # update_parameters_with_adam
    _mistake("update_parameters_with_adam",
             "epsilon is inside the square root (a variant some copies of the course use): this course "
             "grades the update with epsilon added after the square root, v_corrected / (sqrt(s_corrected) + epsilon); "
             "the two agree only while gradients are large",
             _adam, "epsilon-inside", epsilon_inside=True),
    _mistake("update_parameters_with_adam",
             "no bias correction: divide v by (1 - beta1**t) and s by (1 - beta2**t) before the update",
             _adam, "bias-correction", bias_correction="none"),
    _mistake("update_parameters_with_adam",
             "v is not bias-corrected: v_corrected is v divided by 1 - beta1 ** t",
             _adam, "bias-correction", bias_correction="s"),
    _mistake("update_parameters_with_adam",
             "s is not bias-corrected: s_corrected is s divided by 1 - beta2 ** t",
             _adam, "bias-correction", bias_correction="v"),
    _mistake("update_parameters_with_adam",
             "beta1 is used for s: the squared gradients are averaged with beta2 (weights beta2 and "
             "1 - beta2), and corrected with 1 - beta2 ** t",
             _adam, "beta1-for-s", s_beta="beta1", s_correction_beta="beta1"),
    _mistake("update_parameters_with_adam",
             "beta1 is used for s: the squared gradients are averaged with beta2 (weights beta2 and "
             "1 - beta2)",
             _adam, "beta1-for-s", s_beta="beta1"),
    _mistake("update_parameters_with_adam",
             "s is corrected with beta1: s_corrected divides s by 1 - beta2 ** t",
             _adam, "beta1-for-s", s_correction_beta="beta1"),
    _mistake("update_parameters_with_adam",
             "v and s hold the bias-corrected values: keep the moving averages in v and s, and put "
             "the corrected ones in v_corrected and s_corrected (the next step needs the raw ones)",
             _adam, "stored-corrected", store="corrected"),
    _mistake("update_parameters_with_adam",
             "s averages the gradients instead of their squares: its new term is (1 - beta2) times the "
             "squared gradient",
             _adam, "missing-square", square=False),
    _mistake("update_parameters_with_adam",
             "the bias correction multiplies instead of raising to a power: it is 1 - beta1 ** t "
             "(and 1 - beta2 ** t), not 1 - beta1 * t",
             _adam, "power", power=False),
    _mistake("update_parameters_with_adam",
             "the step is added: Adam moves against the gradient, so the step "
             "learning_rate * v_corrected / (sqrt(s_corrected) + epsilon) is subtracted from each parameter",
             _adam, "sign", sign=+1),
]

ERROR_HINTS = [
    ErrorHint(r"unsupported operand type\(s\) for \^|ufunc 'bitwise_xor' not supported",
              "^ is not a power in Python (it is bitwise xor, which floats do not have): use ** for "
              "powers, e.g. beta1 ** t and grads['dW1'] ** 2", "update_parameters_with_adam", "xor-power"),
    ErrorHint(r"in rnn_cell_backward \(called with your arguments\): not enough values to unpack",
              "rnn_cell_backward gets the whole caches: pass it the cache of step t alone (caches holds "
              "the list of caches and x)", "rnn_backward", "whole-caches"),
    ErrorHint(r"in lstm_cell_backward \(called with your arguments\): (not enough|too many) values to unpack",
              "lstm_cell_backward gets the whole caches: pass it the cache of step t alone (caches holds "
              "the list of caches and x)", "lstm_backward", "whole-caches"),
    ErrorHint(r"IndexError: index \d+ is out of bounds for axis 2 with size \d+",
              "the loop runs past the end of da: take n_a, m, T_x from da.shape (the notebook's test "
              "has caches for 7 steps but gradients for 4), not from x.shape or len(caches)",
              "lstm_backward", "sizes"),
    ErrorHint(r"KeyError: '(d?[Wb]0)'",
              "there is no {0}: layers are numbered from 1, so loop over range(1, L + 1) or use "
              "str(l + 1)", None, "loop-range"),
    ErrorHint(r"KeyError: '(d?[Wb]\d+)'",
              "there is no {0}: parameters holds a W and a b for each layer, so there are "
              "L = len(parameters) // 2 layers", None, "loop-range"),
]
