"""Running the reference while recording its calls of the other graded functions: their answers
make the replay table, which lets a student's function call a stand-in that answers as the
reference would (in the child, and offline in a student bundle).
"""
from __future__ import annotations

import copy
import inspect

from grader.runtime import codec, replay_key
from grader.runtime.child import reseed


def parameter_names(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def run_recording(reference, name: str, graded_names: list[str], inputs: dict, replay: dict,
                   called: set[str] | None = None):
    """The reference's result on ``inputs``, noting every call it makes to another graded
    function: its answer in ``replay``, the function's name in ``called``."""
    originals = {other: getattr(reference, other) for other in graded_names
                 if other != name and callable(getattr(reference, other, None))}

    def recorder(other, original):
        names = parameter_names(original)

        def recording(*args, **kwargs):
            key = replay_key.call_key(other, names, list(args), kwargs)
            if called is not None:
                called.add(other)
            result = original(*args, **kwargs)
            replay[key] = codec.encode_trusted(result)
            return result
        return recording

    try:
        for other, original in originals.items():
            setattr(reference, other, recorder(other, original))
        inputs = copy.deepcopy(inputs)
        reseed()  # as before the student's call
        return getattr(reference, name)(**inputs)
    finally:
        for other, original in originals.items():
            setattr(reference, other, original)
