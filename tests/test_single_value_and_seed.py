"""Two things any assignment may use: a graded function that returns one value (``returns =
"name"`` in the spec), and random numbers drawn inside a graded function, which the reference and
the student's code draw from the same seed before every call."""
import textwrap

import pytest

from grader.core.assignment import AssignmentError, load_assignment

SPEC = '''
name = "noisy"
reference = "reference.py"
cases = "cases.py"

[[functions]]
name = "jitter"
points = 10
returns = "{returns}"
compare = ["{compare}"]
builder = "jitter_case"
cases = [
  {{ name = "small", visibility = "public" }},
  {{ name = "large", args = {{ size = 7 }} }},
  {{ name = "again", args = {{ size = 3 }} }},
]
'''

REFERENCE = '''
import numpy as np

def jitter(x):
    """x plus noise drawn here: the same only when every call starts from the same seed."""
    return x + np.random.randn(*x.shape)
'''

CASES = '''
import numpy as np

def jitter_case(reference, *, size=3):
    return {"x": np.arange(size, dtype=float)}
'''


def _assignment(folder, returns="value", compare="value"):
    folder.mkdir(exist_ok=True)
    (folder / "spec.toml").write_text(SPEC.format(returns=returns, compare=compare))
    (folder / "reference.py").write_text(REFERENCE)
    (folder / "cases.py").write_text(CASES)
    return load_assignment(str(folder))


def test_a_single_value_is_compared_as_the_output_it_names(tmp_path):
    assignment = _assignment(tmp_path / "noisy")
    function = assignment.function("jitter")
    assert function.single and function.returns == ("value",)
    assert all(type(case.expected) is tuple and len(case.expected) == 1 for case in function.cases)


def test_a_return_name_that_is_not_a_name_is_refused(tmp_path):
    with pytest.raises(AssignmentError, match="a list of names, one name, or \"dict\""):
        _assignment(tmp_path / "bad", returns="two words", compare="two words")


def test_the_same_draws_as_the_reference_on_every_case_and_a_tuple_is_not_the_value(tmp_path, grade):
    assignment = _assignment(tmp_path / "noisy")
    same = textwrap.dedent('''
        import numpy as np
        def jitter(x):
            return x + np.random.randn(len(x))
    ''')
    functions, _ = grade([same], using=assignment)
    assert functions["jitter"].status == "passed", functions["jitter"].message
    wrapped = same.replace("return x + np.random.randn(len(x))", "return (x + np.random.randn(len(x)),)")
    functions, _ = grade([wrapped], using=assignment)
    assert functions["jitter"].status == "failed" and "value is a tuple" in functions["jitter"].message
    other_seed = same.replace("return x", "np.random.seed(2)\n    return x")
    functions, _ = grade([other_seed], using=assignment)
    assert functions["jitter"].status == "failed"
