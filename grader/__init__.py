"""An autograder for notebook-based course assignments.

``from grader import check`` in a notebook checks your work (see ``grader.commands.live``); it is loaded
only when asked for, so ``import grader`` stays light.
"""
__version__ = "0.1.0"

__all__ = ["check"]


def __getattr__(name: str):
    if name == "check":
        from grader.commands.live import check
        return check
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
