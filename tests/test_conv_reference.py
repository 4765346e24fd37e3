"""The convolution reference, proved by the values the course's notebooks print (2017/2018 and the
2021 release, with its public_tests) and by finite differences for the backward passes."""
import copy

import numpy as np
import pytest

from grader.core.assignment import load_assignment
from reference import conv_step_by_step as ref


def _conv_inputs(seed, A_shape, W_shape, pad, stride):
    np.random.seed(seed)
    A_prev = np.random.randn(*A_shape)
    W = np.random.randn(*W_shape)
    b = np.random.randn(1, 1, 1, W_shape[-1])
    return A_prev, W, b, {"pad": pad, "stride": stride}


def test_zero_pad_prints_the_notebooks_values():
    np.random.seed(1)
    x = np.random.randn(4, 3, 3, 2)
    x_pad = ref.zero_pad(x, 2)
    assert x_pad.shape == (4, 7, 7, 2)
    np.testing.assert_allclose(x[1, 1], [[0.90085595, -0.68372786], [-0.12289023, -0.93576943],
                                         [-0.26788808, 0.53035547]], atol=1e-8)
    assert (x_pad[1, 1] == 0).all()
    assert ref.zero_pad(x, 3).shape == (4, 9, 9, 2)  # public_tests' zero_pad_test
    np.testing.assert_array_equal(ref.zero_pad(x, 3)[0, 3:6, 3:6, 0], x[0, :, :, 0])


def test_conv_single_step_is_a_numpy_scalar_with_the_notebooks_value():
    np.random.seed(1)
    a_slice_prev, W, b = np.random.randn(4, 4, 3), np.random.randn(4, 4, 3), np.random.randn(1, 1, 1)
    Z = ref.conv_single_step(a_slice_prev, W, b)
    assert type(Z) is np.float64  # public_tests: "You must cast the output to numpy float 64"
    assert Z == pytest.approx(-6.99908945068)


@pytest.mark.parametrize("seed, A_shape, W_shape, pad, stride, mean, z_at, z_expected, cache_expected", [
    (1, (2, 5, 7, 4), (3, 3, 4, 8), 1, 2, 0.5511276474566768, (0, 2, 1),
     [-2.17796037, 8.07171329, -0.5772704, 3.36286738, 4.48113645, -2.89198428, 10.99288867, 3.03171932],
     [-1.1191154, 1.9560789, -0.3264995, -1.34267579]),
    (1, (10, 4, 4, 3), (2, 2, 3, 8), 2, 2, 0.0489952035289, (3, 2, 1),
     [-0.61490741, -6.7439236, -2.55153897, 1.75698377, 3.56208902, 0.53036437, 5.18531798, 8.75898442],
     [-0.20075807, 0.18656139, 0.41005165]),
])
def test_conv_forward_prints_the_notebooks_values(seed, A_shape, W_shape, pad, stride, mean, z_at,
                                                 z_expected, cache_expected):
    inputs = _conv_inputs(seed, A_shape, W_shape, pad, stride)
    Z, cache = ref.conv_forward(*inputs)
    assert np.mean(Z) == pytest.approx(mean, abs=1e-11)
    np.testing.assert_allclose(Z[z_at], z_expected, atol=1e-8)
    np.testing.assert_allclose(cache[0][1][2][3], cache_expected, atol=1e-8)
    assert len(cache) == 4 and cache[3] == {"pad": pad, "stride": stride}


def test_conv_forward_shapes_of_the_public_tests():
    A_prev, W, b, _ = _conv_inputs(3, (2, 5, 7, 4), (3, 3, 4, 8), 0, 0)
    assert ref.conv_forward(A_prev, W, b, {"pad": 3, "stride": 1})[0].shape == (2, 9, 11, 8)
    assert ref.conv_forward(A_prev, W, b, {"pad": 0, "stride": 2})[0].shape == (2, 2, 3, 8)


def test_pool_forward_prints_the_notebooks_values():
    np.random.seed(1)
    A_prev = np.random.randn(2, 4, 4, 3)
    A, cache = ref.pool_forward(A_prev, {"stride": 2, "f": 3})  # the default mode: max
    np.testing.assert_allclose(A.ravel(), [1.74481176, 0.86540763, 1.13376944, 1.13162939, 1.51981682,
                                           2.18557541], atol=1e-8)
    A, _ = ref.pool_forward(A_prev, {"stride": 2, "f": 3}, mode="average")
    np.testing.assert_allclose(A.ravel(), [0.02105773, -0.20328806, -0.40389855, -0.22154621, 0.51716526,
                                           0.48155844], atol=1e-8)
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 5, 3)
    A, cache = ref.pool_forward(A_prev, {"stride": 1, "f": 3}, mode="max")
    assert A.shape == (2, 3, 3, 3) and cache[1] == {"stride": 1, "f": 3}
    np.testing.assert_allclose(A[1, 1], [[1.96710175, 0.84616065, 1.27375593],
                                         [1.96710175, 0.84616065, 1.23616403],
                                         [1.62765075, 1.12141771, 1.2245077]], atol=1e-8)
    A, _ = ref.pool_forward(A_prev, {"stride": 1, "f": 2}, mode="average")
    np.testing.assert_allclose(A[1, 1], [[0.11583785, 0.34545544, -0.6561907], [-0.2334108, 0.3364666, -0.69382351],
                                         [0.25497093, -0.21741362, -0.07342615],
                                         [-0.04092568, -0.01110394, 0.12495022]], atol=1e-8)


def test_conv_backward_prints_the_notebooks_means():
    Z, cache = ref.conv_forward(*_conv_inputs(1, (10, 4, 4, 3), (2, 2, 3, 8), 2, 2))
    dA, dW, db = ref.conv_backward(Z, cache)
    assert (dA.shape, dW.shape, db.shape) == ((10, 4, 4, 3), (2, 2, 3, 8), (1, 1, 1, 8))
    assert np.mean(dA) == pytest.approx(1.45243777754, abs=1e-10)
    assert np.mean(dW) == pytest.approx(1.72699145831, abs=1e-10)
    assert np.mean(db) == pytest.approx(7.83923256462, abs=1e-10)


def test_mask_distribute_and_pool_backward_print_the_notebooks_values():
    np.random.seed(1)
    x = np.random.randn(2, 3)
    mask = ref.create_mask_from_window(x)
    assert mask.dtype == bool and mask.tolist() == [[True, False, False], [False, False, False]]
    np.testing.assert_array_equal(ref.distribute_value(2, (2, 2)), np.full((2, 2), 0.5))
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    _, cache = ref.pool_forward(A_prev, {"stride": 1, "f": 2})
    dA = np.random.randn(5, 4, 2, 2)
    assert np.mean(dA) == pytest.approx(0.145713902729)
    np.testing.assert_allclose(ref.pool_backward(dA, cache, mode="max")[1, 1],
                               [[0, 0], [5.05844394, -1.68282702], [0, 0]], atol=1e-8)
    np.testing.assert_allclose(ref.pool_backward(dA, cache, mode="average")[1, 1],
                               [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]],
                               atol=1e-8)


# --------------------------------------------------------------------------- finite differences


def _numeric_gradient(loss, array, eps=1e-6):
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        up = loss()
        array[index] = saved - eps
        down = loss()
        array[index] = saved
        grad[index] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("A_shape, f, n_C, pad, stride", [
    ((2, 4, 4, 3), 2, 3, 2, 2), ((1, 5, 3, 2), 3, 2, 1, 1), ((2, 7, 5, 2), 3, 2, 1, 2), ((2, 3, 4, 2), 1, 2, 1, 1)])
def test_conv_backward_matches_finite_differences(A_shape, f, n_C, pad, stride):
    A_prev, W, b, hparameters = _conv_inputs(7, A_shape, (f, f, A_shape[-1], n_C), pad, stride)
    Z, cache = ref.conv_forward(A_prev, W, b, hparameters)
    dZ = np.random.randn(*Z.shape)

    def loss():  # L = sum(Z * dZ): its gradient with respect to Z is dZ
        return float(np.sum(ref.conv_forward(A_prev, W, b, hparameters)[0] * dZ))

    dA_prev, dW, db = ref.conv_backward(dZ, cache)
    np.testing.assert_allclose(dA_prev, _numeric_gradient(loss, A_prev), atol=1e-6)
    np.testing.assert_allclose(dW, _numeric_gradient(loss, W), atol=1e-6)
    np.testing.assert_allclose(db, _numeric_gradient(loss, b), atol=1e-6)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("A_shape, f, stride", [((2, 5, 3, 2), 2, 1), ((2, 6, 6, 2), 2, 2), ((1, 7, 5, 2), 3, 2)])
def test_pool_backward_matches_finite_differences(mode, A_shape, f, stride):
    np.random.seed(11)
    A_prev = np.random.randn(*A_shape)
    hparameters = {"stride": stride, "f": f}
    A, cache = ref.pool_forward(A_prev, hparameters, mode=mode)
    dA = np.random.randn(*A.shape)

    def loss():
        return float(np.sum(ref.pool_forward(A_prev, hparameters, mode=mode)[0] * dA))

    np.testing.assert_allclose(ref.pool_backward(dA, cache, mode=mode), _numeric_gradient(loss, A_prev), atol=1e-6)


def test_no_reference_function_changes_its_arguments():
    assignment = load_assignment("conv_step_by_step")
    for function in assignment.functions:
        for case in function.cases:
            inputs = copy.deepcopy(case.inputs)
            getattr(ref, function.name)(**inputs)
            for key, value in case.inputs.items():
                np.testing.assert_equal(inputs[key], value, err_msg=f"{function.name} changed {key}")


def test_the_cases_carry_every_kind_of_value():
    """What the spec promises: a scalar, boolean and integer values, a tuple argument, dz of three
    kinds, dicts in the inputs and in the returned caches, a mode left to its default."""
    assignment = load_assignment("conv_step_by_step")
    scalar = assignment.function("conv_single_step").cases[0].expected[0]
    assert type(scalar) is np.float64
    assert assignment.function("create_mask_from_window").cases[0].expected[0].dtype == bool
    assert assignment.function("zero_pad").cases[4].inputs["X"].dtype.kind == "i"
    assert assignment.function("zero_pad").cases[4].expected[0].dtype.kind == "i"
    dz_kinds = {type(case.inputs["dz"]) for case in assignment.function("distribute_value").cases}
    assert dz_kinds == {int, float, np.float64}
    assert all(type(case.inputs["shape"]) is tuple for case in assignment.function("distribute_value").cases)
    assert assignment.function("conv_forward").cases[0].expected[1][3] == {"pad": 1, "stride": 2}
    modes = [case.inputs.get("mode") for case in assignment.function("pool_forward").cases]
    assert None in modes and "max" in modes and "average" in modes
    assert all(case.inputs["cache"][3]["pad"] >= 1 for case in assignment.function("conv_backward").cases)
