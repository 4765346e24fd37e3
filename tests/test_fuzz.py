"""The front door never crashes: whatever bytes arrive, loading and extraction either give a
submission or an InvalidNotebook with a one-line reason. (A longer run: python fuzz/front_door.py)"""
import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.core.extract import extract
from grader.core.notebook import InvalidNotebook, parse_notebook

SEED = (Path(__file__).resolve().parent.parent / "submissions" / "seed" / "RNN.ipynb").read_bytes()
# CI runs a few thousand inputs in all; fuzz/front_door.py sets FUZZ_EXAMPLES for a long run
SETTINGS = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "400")), deadline=None,
                    database=None, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30)


def front_door(data: bytes) -> None:
    try:
        notebook = parse_notebook(data, Path("fuzzed.ipynb"))
    except InvalidNotebook as error:
        reason = str(error)
        assert reason and "\n" not in reason and len(reason) < 400
        return
    submission = extract(notebook, frozenset({"public_tests"}))
    assert all("\n" not in warning for warning in submission.warnings)


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    front_door(data)


@SETTINGS
@given(json_values)
def test_any_json(value):
    front_door(json.dumps(value).encode())


@SETTINGS
@given(st.sampled_from(["nbformat", "nbformat_minor", "cells", "metadata", "worksheets"]), json_values,
       st.integers(min_value=3, max_value=4))
def test_wrong_types_in_every_top_level_field(field, value, version):
    notebook = json.loads(SEED)
    notebook["nbformat"] = version
    notebook[field] = value
    front_door(json.dumps(notebook).encode())


@SETTINGS
@given(st.integers(min_value=0, max_value=15), st.sampled_from(["cell_type", "source", "metadata", "outputs",
                                                                "execution_count", "id"]), json_values)
def test_wrong_types_in_cell_fields(index, field, value):
    notebook = json.loads(SEED)
    notebook["cells"][index][field] = value
    front_door(json.dumps(notebook).encode())


@SETTINGS
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=len(SEED) - 1), st.integers(0, 255)), max_size=20),
       st.integers(min_value=0, max_value=len(SEED)))
def test_mutated_and_truncated_notebooks(flips, cut):
    data = bytearray(SEED)
    for position, byte in flips:
        data[position] = byte
    front_door(bytes(data[:cut] if cut > 10 else data))


@SETTINGS
@given(st.text(max_size=300), st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_odd_sources_and_encodings(source, encoding):
    notebook = json.loads(SEED)
    notebook["cells"][3]["source"] = source
    front_door(json.dumps(notebook, ensure_ascii=False).encode(encoding, errors="replace"))


def test_huge_cells_and_deep_nesting():
    notebook = json.loads(SEED)
    notebook["cells"][3]["source"] = "x = (" * 5000 + ")" * 5000
    notebook["cells"][4]["source"] = "def f():\n" + "    pass\n" * 200_000
    front_door(json.dumps(notebook).encode())
    front_door(b'{"nbformat": 4, "cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def test_a_v3_notebook_with_v4_cells_mixed_in():
    notebook = json.loads(SEED)
    notebook["nbformat"] = 3
    notebook["worksheets"] = [{"cells": notebook["cells"]}]
    front_door(json.dumps(notebook).encode())
