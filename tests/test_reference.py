"""The reference implementations are right, shown two independent ways.

(a) With the case builders' default (notebook) inputs they reproduce every value the course
    prints: the 2021/v3a notebook tables and the asserts of the 2021 ``public_tests.py``
    (ASSIGNMENT_RNN.md sections 4 and 5), plus the section-1 Adam example.
(b) Every backward pass equals a central finite-difference gradient of the reference forward.

Run from the repository root: ``python -m pytest tests/test_reference.py -q``.
"""
import copy
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import reference.rnn_step_by_step as R

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "assignments" / "rnn_step_by_step"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cases = _load("rnn_cases", ASSIGNMENT / "cases.py")
rnn_utils = _load("rnn_utils_provided", ASSIGNMENT / "provided" / "rnn_utils.py")


def course_update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                       beta1=0.9, beta2=0.999, epsilon=1e-8):
    """The Adam step of the course's own rnn_utils.py (epsilon inside the square root; it
    mutates its arguments). Not handed to students: it is a graded function here."""
    L = len(parameters) // 2
    v_corrected, s_corrected = {}, {}
    for l in range(L):
        for p in ("W", "b"):
            key = "d" + p + str(l + 1)
            v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
            v_corrected[key] = v[key] / (1 - beta1 ** t)
            s[key] = beta2 * s[key] + (1 - beta2) * (grads[key] ** 2)
            s_corrected[key] = s[key] / (1 - beta2 ** t)
            parameters[p + str(l + 1)] = (parameters[p + str(l + 1)]
                                          - learning_rate * v_corrected[key] / np.sqrt(s_corrected[key] + epsilon))
    return parameters, v, s

GRADED = ["rnn_cell_forward", "rnn_forward", "lstm_cell_forward", "lstm_forward",
          "rnn_cell_backward", "rnn_backward", "lstm_cell_backward", "lstm_backward",
          "initialize_adam", "update_parameters_with_adam"]


def run(name, **builder_kwargs):
    """Build ``name``'s case and call the reference on it; returns (output, case)."""
    case = getattr(cases, name + "_case")(R, **builder_kwargs)
    return getattr(R, name)(**case), case


def check_printed(actual, text, *, unit=0.5):
    """Compare with a number or ``[a b c]`` row as printed, to its printed precision.

    ``unit`` is the allowed error in units of the last printed digit: 0.5 for rounded output,
    1.0 where the source truncated digits (``public_tests.py`` does).
    """
    tokens = text.strip("[] ").split()
    expected = np.array([float(tok) for tok in tokens])
    decimals = np.array([len(tok.partition(".")[2]) for tok in tokens])
    actual = np.ravel(actual)
    assert actual.shape == expected.shape, text
    # Each printed number carries its own precision (public_tests.py writes 0.68453 among 6-digit ones).
    allowed = unit * 10.0 ** -decimals + 1e-7 * np.abs(expected)
    bad = np.abs(actual - expected) > allowed
    assert not bad.any(), f"{text}: got {actual[bad]} where {expected[bad]} was printed"


def check(actual, expected, unit):
    if isinstance(expected, str):
        check_printed(actual, expected, unit=unit)
    else:  # a shape or a length, compared exactly
        assert actual == expected


# --------------------------------------------------------------------------- (a) printed values

# (function, builder kwargs, [(accessor on the function's output, expected), ...])
NOTEBOOK_2021 = {
    "rcf": ("rnn_cell_forward", {}, [
        (lambda o: o[0][4], "[0.59584544 0.18141802 0.61311866 0.99808218 0.85016201 0.99980978 "
                            "-0.18887155 0.99815551 0.6531151 0.82872037]"),
        (lambda o: o[1][1], "[0.9888161 0.01682021 0.21140899 0.36817467 0.98988387 0.88945212 "
                            "0.36920224 0.9966312 0.9982559 0.17746526]"),
        (lambda o: o[0].shape, (5, 10)),
        (lambda o: o[1].shape, (2, 10)),
    ]),
    "rf": ("rnn_forward", {}, [
        (lambda o: o[0][4][1], "[-0.99999375 0.77911235 -0.99861469 -0.99833267]"),
        (lambda o: o[1][1][3], "[0.79560373 0.86224861 0.11118257 0.81515947]"),
        (lambda o: o[2][1][1][3], "[-1.1425182 -0.34934272 -0.20889423 0.58662319]"),
        (lambda o: len(o[2]), 2),
        (lambda o: o[0].shape, (5, 10, 4)),
        (lambda o: o[1].shape, (2, 10, 4)),
    ]),
    "lcf": ("lstm_cell_forward", {}, [
        (lambda o: o[0][4], "[-0.66408471 0.0036921 0.02088357 0.22834167 -0.85575339 0.00138482 "
                            "0.76566531 0.34631421 -0.00215674 0.43827275]"),
        (lambda o: o[1][2], "[0.63267805 1.00570849 0.35504474 0.20690913 -1.64566718 0.11832942 "
                            "0.76449811 -0.0981561 -0.74348425 -0.26810932]"),
        (lambda o: o[2][1], "[0.79913913 0.15986619 0.22412122 0.15606108 0.97057211 0.31146381 "
                            "0.00943007 0.12666353 0.39380172 0.07828381]"),
        (lambda o: o[3][1][3], "[-0.16263996 1.03729328 0.72938082 -0.54101719 0.02752074 "
                               "-0.30821874 0.07651101 -1.03752894 1.41219977 -0.37647422]"),
        (lambda o: len(o[3]), 10),
    ]),
    "lf": ("lstm_forward", {}, [
        (lambda o: o[0][4][3][6], "0.172117767533"),
        (lambda o: o[1][1][4][3], "0.95087346185"),
        (lambda o: o[3][1][1][1], "[0.82797464 0.23009474 0.76201118 -0.22232814 -0.20075807 "
                                  "0.18656139 0.41005165]"),
        (lambda o: o[2][1][2][1], "-0.855544916718"),
        (lambda o: len(o[3]), 2),
    ]),
    "rcb": ("rnn_cell_backward", {}, [
        (lambda g: g["dxt"][1][2], "-1.3872130506"),
        (lambda g: g["da_prev"][2][3], "-0.152399493774"),
        (lambda g: g["dWax"][3][1], "0.410772824935"),
        (lambda g: g["dWaa"][1][2], "1.15034506685"),
        (lambda g: g["dba"][4], "[0.20023491]"),
        (lambda g: [g[k].shape for k in ("dxt", "da_prev", "dWax", "dWaa", "dba")],
         [(3, 10), (5, 10), (5, 3), (5, 5), (5, 1)]),
    ]),
    "rb": ("rnn_backward", {}, [
        (lambda g: g["dx"][1][2], "[-2.07101689 -0.59255627 0.02466855 0.01483317]"),
        (lambda g: g["da0"][2][3], "-0.314942375127"),
        (lambda g: g["dWax"][3][1], "11.2641044965"),
        (lambda g: g["dWaa"][1][2], "2.30333312658"),
        (lambda g: g["dba"][4], "[-0.74747722]"),
        (lambda g: [g[k].shape for k in ("dx", "da0", "dWax", "dWaa", "dba")],
         [(3, 10, 4), (5, 10), (5, 3), (5, 5), (5, 1)]),
    ]),
    "lcb": ("lstm_cell_backward", {}, [
        (lambda g: g["dxt"][1][2], "3.23055911511"),
        (lambda g: g["da_prev"][2][3], "-0.0639621419711"),
        (lambda g: g["dc_prev"][2][3], "0.797522038797"),
        (lambda g: g["dWf"][3][1], "-0.147954838164"),
        (lambda g: g["dWi"][1][2], "1.05749805523"),
        (lambda g: g["dWc"][3][1], "2.30456216369"),
        (lambda g: g["dWo"][1][2], "0.331311595289"),
        (lambda g: g["dbf"][4], "[0.18864637]"),
        (lambda g: g["dbi"][4], "[-0.40142491]"),
        (lambda g: g["dbc"][4], "[0.25587763]"),
        (lambda g: g["dbo"][4], "[0.13893342]"),
        (lambda g: {g[k].shape for k in g if k.startswith("dW")}, {(5, 8)}),
        (lambda g: {g[k].shape for k in g if k.startswith("db")}, {(5, 1)}),
    ]),
    "lb": ("lstm_backward", {}, [
        (lambda g: g["dx"][1][2], "[0.00218254 0.28205375 -0.48292508 -0.43281115]"),
        (lambda g: g["da0"][2][3], "0.312770310257"),
        (lambda g: g["dWf"][3][1], "-0.0809802310938"),
        (lambda g: g["dWi"][1][2], "0.40512433093"),
        (lambda g: g["dWc"][3][1], "-0.0793746735512"),
        (lambda g: g["dWo"][1][2], "0.038948775763"),
        (lambda g: g["dbf"][4], "[-0.15745657]"),
        (lambda g: g["dbi"][4], "[-0.50848333]"),
        (lambda g: g["dbc"][4], "[-0.42510818]"),
        (lambda g: g["dbo"][4], "[-0.17958196]"),
        (lambda g: g["dx"].shape, (3, 10, 4)),
    ]),
}

PUBLIC_TESTS = {
    "rnn_forward_test": ("rnn_forward", dict(seed=17, T_x=13, m=8, n_x=4, n_a=7, n_y=3), [
        (lambda o: (o[0].shape, o[1].shape), ((7, 8, 13), (3, 8, 13))),
        (lambda o: len(o[2][0]), 13),
        (lambda o: o[0][5, 2, 2:6], "[0.99999291 0.99332189 0.9921928 0.99503445]"),
        (lambda o: o[1][2, 1, 1:5], "[0.19428 0.14292 0.24993 0.00119]"),
    ]),
    "lstm_cell_forward_test": ("lstm_cell_forward", dict(seed=212, m=8, n_x=4, n_a=7, n_y=3), [
        (lambda o: len(o[3]), 10),
        (lambda o: [x.shape for x in o[3][:9]], [(7, 8)] * 8 + [(4, 8)]),
        (lambda o: o[3][4][0, 0:2], "[0.32969833 0.0574555]"),    # ft
        (lambda o: o[3][5][0, 0:2], "[0.0036446 0.9806943]"),     # it
        (lambda o: o[3][6][0, 0:2], "[0.99903873 0.57509956]"),   # cct
        (lambda o: o[1][0, 0:2], "[0.1352798 0.39884899]"),       # c_next
        (lambda o: o[3][7][0, 0:2], "[0.7477249 0.71588751]"),    # ot
        (lambda o: o[0][0, 0:2], "[0.10053951 0.27129536]"),      # a_next
        (lambda o: o[2][1], "[0.417098 0.449528 0.223159 0.278376 0.68453 0.419221 0.564025 0.538475]"),
    ]),
    "lstm_forward_test": ("lstm_forward", dict(seed=45, n_x=4, m=13, T_x=16, n_a=3, n_y=2), [
        (lambda o: (o[0].shape, o[1].shape, o[2].shape), ((3, 13, 16), (2, 13, 16), (3, 13, 16))),
        (lambda o: len(o[3][0]), 16),
        (lambda o: len(o[3][0][0]), 10),
        (lambda o: o[0][2, 1, 4:6], "[-0.01606022 0.0243569]"),
        (lambda o: o[2][2, 1, 4:6], "[-0.02753855 0.05668358]"),
        (lambda o: o[1][1, 1, 4:6], "[0.70444592 0.70648935]"),
    ]),
}


@pytest.mark.parametrize("cell", NOTEBOOK_2021)
def test_reproduces_notebook_2021_table(cell):
    name, kwargs, checks = NOTEBOOK_2021[cell]
    out, _ = run(name, **kwargs)
    for accessor, expected in checks:
        check(accessor(out), expected, unit=0.5)


@pytest.mark.parametrize("test_name", PUBLIC_TESTS)
def test_reproduces_public_tests(test_name):
    name, kwargs, checks = PUBLIC_TESTS[test_name]
    out, _ = run(name, **kwargs)
    for accessor, expected in checks:
        check(accessor(out), expected, unit=1.0)  # public_tests.py truncates some digits


@pytest.mark.parametrize("name, kwargs", [
    ("rnn_forward", {}), ("lstm_forward", {}),
    ("rnn_forward", dict(seed=17, T_x=13, m=8, n_x=4, n_a=7, n_y=3)),
    ("lstm_forward", dict(seed=45, n_x=4, m=13, T_x=16, n_a=3, n_y=2)),
])
def test_forward_caches_end_with_x(name, kwargs):
    out, case = run(name, **kwargs)
    assert np.array_equal(out[-1][1], case["x"])


# --------------------------------------------------------------------------- Adam

ADAM_EXAMPLE_W1 = "[1.6317867318 -0.6191977818 -0.5356131204 -1.0804099901 0.8579662612 -2.2940973288]"
ADAM_EXAMPLE_B1 = "[1.7522531275 -0.7537655327]"


def adam_both_variants(**kwargs):
    """Parameters after one step of the reference and of the course's rnn_utils Adam."""
    case = cases.update_parameters_with_adam_case(R, prior_steps=0, **kwargs)
    ours, _, _ = R.update_parameters_with_adam(**case)
    course, _, _ = course_update_parameters_with_adam(**copy.deepcopy(case))  # it mutates
    return ours, course


def max_difference(p, q):
    return max(np.max(np.abs(p[k] - q[k])) for k in p)


def test_adam_example_with_course_variant():
    _, course = adam_both_variants()
    check_printed(course["W1"], ADAM_EXAMPLE_W1)
    check_printed(course["b1"], ADAM_EXAMPLE_B1)


def test_adam_variants_agree_for_normal_gradients():
    """On the example's W1 (gradients >= 0.5) the variants agree to 1e-10.

    Elsewhere the gap grows like eps / g**2: b1 (|g| >= 0.12) differs by 4e-9 and W2, which has
    a gradient of 0.0127, by 4.6e-7, still far below the tiny-gradient gap below.
    """
    ours, course = adam_both_variants()
    assert np.max(np.abs(ours["W1"] - course["W1"])) < 1e-9
    assert max_difference(ours, course) < 1e-6
    check_printed(ours["W1"], ADAM_EXAMPLE_W1)
    check_printed(ours["b1"], ADAM_EXAMPLE_B1)


def test_adam_variants_differ_for_tiny_gradients():
    ours, course = adam_both_variants(grad_scale=1e-5)
    assert max_difference(ours, course) > 1e-3


def test_initialize_adam_zeros():
    (v, s), case = run("initialize_adam")
    for moments in (v, s):
        assert set(moments) == {"dW1", "db1", "dW2", "db2"}
        for key, value in moments.items():
            assert value.shape == case["parameters"][key[1:]].shape
            assert not value.any()


def test_adam_case_moments_follow_earlier_steps():
    """With t=3 the case's v, s are two reference steps on fresh grads, not zeros."""
    case = cases.update_parameters_with_adam_case(R, t=3)
    assert all(case["v"][k].any() and case["s"][k].any() for k in case["v"])
    fresh = cases.update_parameters_with_adam_case(R, t=1)
    assert not any(fresh["v"][k].any() or fresh["s"][k].any() for k in fresh["v"])


# --------------------------------------------------------------------------- (b) finite differences


def numeric_gradient(loss, inputs, name, eps=1e-6):
    """Central differences of ``loss(values)`` with respect to ``values[name]``."""
    values = {k: np.array(v, dtype=float) for k, v in inputs.items()}
    x = values[name]
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + eps
        plus = loss(values)
        x[idx] = original - eps
        minus = loss(values)
        x[idx] = original
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def _split(values, names):
    return {k: values[k] for k in names}


# Each setup maps a backward case to (differentiable inputs by name, loss of those inputs).
# A gradient key names its input without the leading "d": dWax -> Wax, da_prev -> a_prev.

def rnn_cell_setup(case):
    _, a_prev, xt, parameters = case["cache"]

    def loss(v):
        a_next, _, _ = R.rnn_cell_forward(v["xt"], v["a_prev"], _split(v, parameters))
        return np.sum(case["da_next"] * a_next)
    return {"xt": xt, "a_prev": a_prev, **parameters}, loss


def rnn_setup(case):
    cache_list, x = case["caches"]
    a0, parameters = cache_list[0][1], cache_list[0][3]

    def loss(v):
        a, _, _ = R.rnn_forward(v["x"], v["a0"], _split(v, parameters))
        return np.sum(case["da"] * a)
    return {"x": x, "a0": a0, **parameters}, loss


def lstm_cell_setup(case):
    _, _, a_prev, c_prev, _, _, _, _, xt, parameters = case["cache"]

    def loss(v):
        a_next, c_next, _, _ = R.lstm_cell_forward(v["xt"], v["a_prev"], v["c_prev"],
                                                   _split(v, parameters))
        return np.sum(case["da_next"] * a_next) + np.sum(case["dc_next"] * c_next)
    return {"xt": xt, "a_prev": a_prev, "c_prev": c_prev, **parameters}, loss


def lstm_setup(case):
    cache_list, x = case["caches"]
    a0, parameters = cache_list[0][2], cache_list[0][9]

    def loss(v):
        a, _, _, _ = R.lstm_forward(v["x"], v["a0"], _split(v, parameters))
        return np.sum(case["da"] * a)
    return {"x": x, "a0": a0, **parameters}, loss


LSTM_WEIGHT_GRADS = {"dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo"}
SMALL_CELL = dict(n_x=3, n_a=4, m=2)
SMALL_SEQUENCE = dict(SMALL_CELL, T_x=3)

GRADIENT_CHECKS = {
    "rnn_cell_backward": (rnn_cell_setup, SMALL_CELL, {"dxt", "da_prev", "dWax", "dWaa", "dba"}),
    "rnn_backward": (rnn_setup, SMALL_SEQUENCE, {"dx", "da0", "dWax", "dWaa", "dba"}),
    "lstm_cell_backward": (lstm_cell_setup, SMALL_CELL, {"dxt", "da_prev", "dc_prev"} | LSTM_WEIGHT_GRADS),
    "lstm_backward": (lstm_setup, dict(SMALL_SEQUENCE, T_da=None), {"dx", "da0"} | LSTM_WEIGHT_GRADS),
}


@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("name", GRADIENT_CHECKS)
def test_backward_matches_finite_differences(name, seed):
    setup, sizes, expected_keys = GRADIENT_CHECKS[name]
    grads, case = run(name, seed=seed, **sizes)
    assert set(grads) == expected_keys
    inputs, loss = setup(case)
    for key, analytic in grads.items():
        numeric = numeric_gradient(loss, inputs, key[1:])
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8, err_msg=f"{name}: {key}")


# --------------------------------------------------------------------------- contracts


def assert_identical(a, b, path="input"):
    """Deep equality of nested plain data, arrays compared exactly (values and dtype)."""
    assert type(a) is type(b), path
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b), path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_identical(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


def assert_plain_data(value, path="case"):
    if isinstance(value, np.ndarray):
        assert value.dtype == np.float64, path
    elif isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), path
            assert_plain_data(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            assert_plain_data(item, f"{path}[{i}]")
    else:
        assert type(value) in (int, float), f"{path}: {type(value).__name__}"


@pytest.mark.parametrize("name", GRADED)
def test_reference_does_not_mutate_inputs(name):
    case = getattr(cases, name + "_case")(R)
    before = copy.deepcopy(case)
    result = getattr(R, name)(**case)
    assert_identical(case, before)
    if name == "update_parameters_with_adam":
        assert all(new is not old for new, old in zip(result, (case["parameters"], case["v"], case["s"])))


@pytest.mark.parametrize("name", GRADED)
def test_case_is_plain_deterministic_data(name):
    builder = getattr(cases, name + "_case")
    case = builder(R)
    assert_plain_data(case)
    np.random.seed(12345)  # global RNG state must not matter
    assert_identical(builder(R), case)


@pytest.mark.parametrize("name, kwargs", [
    ("rnn_cell_forward", {}), ("rnn_forward", {}), ("lstm_cell_forward", {}), ("lstm_forward", {}),
    ("rnn_cell_backward", {}), ("rnn_backward", {}), ("lstm_cell_backward", {}), ("lstm_backward", {}),
])
def test_weight_scale_scales_only_parameters(name, kwargs):
    """weight_scale multiplies W and b after drawing; the other draws are unchanged."""
    plain = getattr(cases, name + "_case")(R)
    scaled = getattr(cases, name + "_case")(R, weight_scale=3.0)
    if "parameters" in plain:
        for key in plain["parameters"]:
            np.testing.assert_allclose(scaled["parameters"][key], 3.0 * plain["parameters"][key])
        assert all(np.array_equal(plain[k], scaled[k]) for k in plain if k != "parameters")
    else:  # backward cases: the upstream gradients are the same draws
        assert all(np.array_equal(plain[k], scaled[k]) for k in plain if k.startswith("d"))
