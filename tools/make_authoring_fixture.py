"""Writes tests/fixtures/authoring/solution.ipynb: a small solution notebook in the course's style
(three graded functions, one calling another, a test cell each), which the tests author an
assignment from with ``grader new``."""
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "authoring"

CELLS = [
    ("markdown", "# Building a Layer Step by Step\n\nA forward pass, an activation and a cost."),
    ("code", "import numpy as np\nfrom layer_utils import sigmoid"),
    ("markdown", "## 1 - Linear forward"),
    ("code", '''# GRADED FUNCTION: linear_forward

def linear_forward(A, W, b):
    """Z = W A + b, and the cache (A, W, b) for the backward pass."""
    ### START CODE HERE ### (≈ 1 line of code)
    Z = np.dot(W, A) + b
    ### END CODE HERE ###
    cache = (A, W, b)
    return Z, cache'''),
    ("code", '''np.random.seed(1)
n_x, n_h, m = 3, 4, 5
A = np.random.randn(n_x, m)
W = np.random.randn(n_h, n_x)
b = np.random.randn(n_h, 1)
Z, linear_cache = linear_forward(A, W, b)
print("Z = " + str(Z))'''),
    ("markdown", "## 2 - Linear-activation forward"),
    ("code", '''# GRADED FUNCTION: linear_activation_forward

def linear_activation_forward(A_prev, parameters, activation):
    """The layer's activation from the previous one; parameters holds W and b."""
    W, b = parameters["W"], parameters["b"]
    ### START CODE HERE ### (≈ 5 lines of code)
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A = sigmoid(Z)
    else:
        A = np.maximum(0, Z)
    ### END CODE HERE ###
    cache = (linear_cache, Z)
    return A, cache'''),
    ("code", '''np.random.seed(2)
n_x, n_h, m = 3, 2, 4
A_prev = np.random.randn(n_x, m)
parameters = {"W": np.random.randn(n_h, n_x), "b": np.random.randn(n_h, 1)}
A, cache = linear_activation_forward(A_prev, parameters, activation="sigmoid")
print("With sigmoid: A = " + str(A))
A, cache = linear_activation_forward(A_prev, parameters, activation="relu")
print("With ReLU: A = " + str(A))'''),
    ("markdown", "## 3 - Cost"),
    ("code", '''# GRADED FUNCTION: compute_cost

def compute_cost(AL, Y):
    """The cross-entropy cost of the predictions AL against the labels Y, a float."""
    m = Y.shape[1]
    ### START CODE HERE ### (≈ 2 lines of code)
    cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    cost = float(np.squeeze(cost))
    ### END CODE HERE ###
    return cost'''),
    ("code", '''np.random.seed(3)
m = 6
Y = (np.random.rand(1, m) > 0.5).astype(float)
AL = sigmoid(np.random.randn(1, m))
print("cost = " + str(compute_cost(AL, Y)))'''),
]

UTILS = '''"""Helpers the course hands out with the notebook."""
import numpy as np


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))
'''


def main() -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(source) if kind == "markdown"
                      else nbformat.v4.new_code_cell(source) for kind, source in CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    HERE.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(HERE / "solution.ipynb"))
    (HERE / "layer_utils.py").write_text(UTILS, encoding="utf-8")


if __name__ == "__main__":
    main()
