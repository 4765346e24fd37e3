"""A long fuzzing run of the grader's front door (loading and extraction), by hand:

    python fuzz/front_door.py [EXAMPLES_PER_PROPERTY]

It runs the property tests of tests/test_fuzz.py with many more examples and prints how many
inputs were tried and how many crashed (anything but a graded submission or an InvalidNotebook).
"""
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

EXAMPLES = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
os.environ["FUZZ_EXAMPLES"] = str(EXAMPLES)

import test_fuzz  # noqa: E402

PROPERTIES = ["test_random_bytes", "test_any_json", "test_wrong_types_in_every_top_level_field",
              "test_wrong_types_in_cell_fields", "test_mutated_and_truncated_notebooks",
              "test_odd_sources_and_encodings"]


def main() -> int:
    inputs, crashes = 0, 0
    started = time.monotonic()
    original = test_fuzz.front_door
    for name in PROPERTIES:
        count = [0]

        def counting(data, count=count):
            count[0] += 1
            original(data)

        test_fuzz.front_door = counting
        try:
            getattr(test_fuzz, name)()
        except Exception as error:  # hypothesis has shrunk the crash to a small input
            crashes += 1
            print(f"{name}: CRASH {type(error).__name__}: {str(error)[:300]}")
        test_fuzz.front_door = original
        inputs += count[0]
        print(f"{name}: {count[0]} inputs", flush=True)
    print(f"tried {inputs} inputs in {time.monotonic() - started:.0f} s; {crashes} crashed")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
