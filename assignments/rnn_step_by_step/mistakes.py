"""Known mistakes in this assignment, each recomputed from the reference with the mistake applied.

The grader says a mistake's words only when its computation reproduces the student's values.
"""
import numpy as np

from grader.hints import Mistake


def _adam(reference, parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
          epsilon=1e-8, *, step):
    parameters, v, s = dict(parameters), dict(v), dict(s)
    for key in grads:
        name = key[1:]
        v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
        s[key] = beta2 * s[key] + (1 - beta2) * grads[key] ** 2
        parameters[name] = parameters[name] - learning_rate * step(v[key], s[key], t, beta1, beta2, epsilon)
    return parameters, v, s


def _epsilon_inside(v, s, t, beta1, beta2, epsilon):
    return (v / (1 - beta1 ** t)) / np.sqrt(s / (1 - beta2 ** t) + epsilon)


def _no_bias_correction(v, s, t, beta1, beta2, epsilon):
    return v / (np.sqrt(s) + epsilon)


MISTAKES = [
    Mistake("update_parameters_with_adam",
            "epsilon is inside the square root (the variant in rnn_utils): this course grades "
            "W - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon); the two agree "
            "only while gradients are large",
            lambda reference, **inputs: _adam(reference, **inputs, step=_epsilon_inside)),
    Mistake("update_parameters_with_adam",
            "no bias correction: divide v by (1 - beta1**t) and s by (1 - beta2**t) before the update",
            lambda reference, **inputs: _adam(reference, **inputs, step=_no_bias_correction)),
]
