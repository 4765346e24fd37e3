"""Stand-in for the course's ``public_tests`` module: the grader runs its own cases instead.

A notebook's ``from public_tests import *`` loads; calling one of the course's test helpers
does nothing.
"""


__all__ = ["rnn_cell_forward_tests", "rnn_forward_test", "lstm_cell_forward_test", "lstm_forward_test"]


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return lambda *args, **kwargs: None
