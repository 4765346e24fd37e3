"""Stand-in for the course's ``public_tests`` module: the grader runs its own cases instead.

A notebook's ``from public_tests import *`` loads; calling one of the course's test helpers
does nothing.
"""


__all__ = ["zero_pad_test", "conv_single_step_test", "conv_forward_test_1", "conv_forward_test_2",
           "pool_forward_test_1", "pool_forward_test_2"]


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return lambda *args, **kwargs: None
