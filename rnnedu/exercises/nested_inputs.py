"""Exercises for notebooks/08_nested_inputs.ipynb: packing a vector and a matrix per timestep."""

import numpy as np

from rnnedu.exercises import Exercise, Reflection, call_answer, expect
from rnnedu.models import nested_model

__all__ = ["q1", "q2", "q3", "r1"]


def _packed_features():
    import keras

    model = nested_model(keras.layers.SimpleRNNCell(1), 32, (64, 32))
    return model.get_layer("pack").output.shape[-1]


def _simple_cell_params():
    import keras

    return nested_model(keras.layers.SimpleRNNCell(16), 32, (64, 32)).count_params()


def _check_column_sum_cell(answer):
    import keras

    if not isinstance(answer, keras.layers.Layer) or not hasattr(answer, "state_size"):
        return f"expected an RNN cell (a Keras layer with a state_size), got {type(answer).__name__}."
    rng = np.random.default_rng(1)
    vectors = rng.random((2, 5, 3), dtype="float32")
    matrices = rng.random((2, 5, 2, 3), dtype="float32")
    output = call_answer(
        "running your cell in nested_model",
        lambda: nested_model(answer, 3, (2, 3)).predict([vectors, matrices], verbose=0),
    )
    expected = vectors.sum(axis=1) + matrices.sum(axis=(1, 2))
    if output.shape != expected.shape:
        return f"its final output has shape {output.shape}, not {expected.shape}."
    if not np.allclose(output, expected, rtol=1e-5):
        return "it runs, but its final output is not the running sum of vector + column sums."
    return None


q1 = Exercise(
    title="Packed features",
    question="Each step carries a vector of 32 and a matrix of 64 × 32. How many features has each step once packed?",
    checker=expect(_packed_features),
    hints=[
        "The matrix is read row by row into one long vector, then joined to the vector.",
        "The flattened matrix has 64 × 32 numbers; add the vector's 32.",
    ],
    solution="answer = 32 + 64 * 32  # 2,080",
)

q2 = Exercise(
    title="An ordinary cell on packed steps",
    question="How many parameters has nested_model(keras.layers.SimpleRNNCell(16), 32, (64, 32))?",
    checker=expect(_simple_cell_params),
    hints=[
        "The cell sees 2,080 features per step; a SimpleRNN has a kernel, a recurrent kernel and a bias.",
        "kernel 2,080 × 16, recurrent kernel 16 × 16, bias 16.",
    ],
    solution="answer = 16 * 2080 + 16 * 16 + 16  # 33,552",
)

q3 = Exercise(
    title="A column-sum cell",
    question="Write a cell for steps packed from a vector of 3 and a 2 × 3 matrix whose one state (3 numbers) "
    "adds, at every step, the vector and the matrix's column sums; its output is the state.",
    checker=_check_column_sum_cell,
    hints=[
        "Unpack with inputs[:, :3] and ops.reshape(inputs[:, 3:], (-1, 2, 3)); sum the matrix over its rows (axis 1).",
        "A keras.layers.Layer with state_size = 3 and output_size = 3, whose call(inputs, states) returns "
        "(state, [state]) with state = states[0] + vector + column sums.",
    ],
    solution="import keras\n\n\n"
    "class ColumnSumCell(keras.layers.Layer):\n"
    "    def __init__(self, **kwargs):\n"
    "        super().__init__(**kwargs)\n"
    "        self.state_size = 3\n"
    "        self.output_size = 3\n\n"
    "    def call(self, inputs, states):\n"
    "        vector, matrix = inputs[:, :3], keras.ops.reshape(inputs[:, 3:], (-1, 2, 3))\n"
    "        state = states[0] + vector + keras.ops.sum(matrix, axis=1)\n"
    "        return state, [state]\n\n\n"
    "answer = ColumnSumCell()",
)

r1 = Reflection(
    title="What packing costs",
    question="Packing flattens each step's matrix into one vector. Does the cell lose any information compared "
    "with a cell that receives the matrix as a matrix? What does packing cost you instead?",
    solution="No information is lost: flattening is a reshape, and the cell undoes it exactly with "
    "ops.reshape(inputs[:, 32:], (-1, 64, 32)). What packing costs is that the structure is no longer "
    "written in the data: the shapes live in the cell's code and config, and nothing checks them. A reshape "
    "with the wrong shape, or rows and columns swapped, runs without an error and scrambles the numbers. "
    "That is why the notebook checks a nested cell against a plain computation (as q3's checker does with "
    "NumPy) and gives it a complete get_config.",
)
