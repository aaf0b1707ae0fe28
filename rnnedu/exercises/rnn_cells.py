"""Exercises for notebooks/04_rnn_cells.ipynb: cells, stacks of cells and what the forget gate keeps."""

import numpy as np

from rnnedu.exercises import Exercise, Reflection, call_answer, expect

__all__ = ["q1", "q2", "q3", "r1"]

FEATURES = 3


def _stacked_count():
    import keras

    layer = keras.layers.RNN(keras.layers.StackedRNNCells([keras.layers.LSTMCell(16), keras.layers.LSTMCell(8)]))
    layer.build((None, 10, FEATURES))
    return layer.count_params()


def _kept_cell_state():
    """Run a real LSTMCell whose biases hold f at 1 and i at 0 for 10 steps, from c = 0.7."""
    import keras

    cell = keras.layers.LSTMCell(1, kernel_initializer="zeros", recurrent_initializer="zeros")
    cell.build((None, FEATURES))
    cell.bias.assign(np.array([-30.0, 30.0, 0.0, 0.0], "float32"))  # gate order i, f, g, o
    states = [np.zeros((1, 1), "float32"), np.full((1, 1), 0.7, "float32")]
    for _ in range(10):
        _, states = cell(np.ones((1, FEATURES), "float32"), states)
    return float(keras.ops.convert_to_numpy(states[1])[0, 0])


def _check_stack(answer):
    import keras

    if not isinstance(answer, keras.layers.RNN):
        return f"expected a keras.layers.RNN layer, got {type(answer).__name__}."
    reference = keras.Sequential(
        [keras.Input((5, FEATURES)), keras.layers.LSTM(6, return_sequences=True), keras.layers.GRU(4)]
    )
    x = np.random.default_rng(0).normal(size=(2, 5, FEATURES)).astype("float32")
    call_answer(f"calling your layer on inputs of shape {x.shape}", answer, x)
    try:
        answer.set_weights(reference.get_weights())
    except ValueError as error:
        return f"its weights do not match LSTM(6) then GRU(4): {str(error).splitlines()[0]}"
    output = call_answer("running your layer again", lambda: keras.ops.convert_to_numpy(answer(x)))
    expected = keras.ops.convert_to_numpy(reference(x))
    if output.shape != expected.shape:
        return f"its output has shape {output.shape}; LSTM(6) then GRU(4) gives {expected.shape}."
    difference = float(np.max(np.abs(output - expected)))
    if difference > 1e-5:
        return f"with the same weights its output differs from LSTM(6) then GRU(4) by up to {difference:.3g}."
    return None


q1 = Exercise(
    title="Parameters of a stack",
    question=f"How many parameters has keras.layers.RNN(keras.layers.StackedRNNCells([LSTMCell(16), LSTMCell(8)])) "
    f"on inputs with {FEATURES} features?",
    checker=expect(_stacked_count),
    hints=[
        "Each cell is an LSTM cell: 4 × (units × (its inputs + units) + units). What are the second cell's inputs?",
        "The second cell reads the first cell's output, 16 numbers, not the 3 features.",
    ],
    solution="answer = 4 * (16 * (3 + 16) + 16) + 4 * (8 * (16 + 8) + 8)  # 1,280 + 800 = 2,080",
)

q2 = Exercise(
    title="The forget gate keeps",
    question="An LSTM cell starts with cell state c = 0.7. For 10 steps its forget gate is 1 and its input gate "
    "is 0. What is c after the 10 steps?",
    checker=expect(_kept_cell_state),
    hints=[
        "c(t) = f·c(t-1) + i·g. What do f = 1 and i = 0 leave?",
        "With f = 1 and i = 0 the update is c(t) = c(t-1): apply it 10 times.",
    ],
    solution="answer = 0.7  # with f = 1 and i = 0, c(t) = c(t-1) at every step: the cell state is kept unchanged",
)

q3 = Exercise(
    title="One loop, two cells",
    question=f"Build a single keras.layers.RNN layer that computes the same as LSTM(6, return_sequences=True) "
    f"followed by GRU(4), on inputs with {FEATURES} features (the checker copies the two layers' weights into yours).",
    checker=_check_stack,
    hints=[
        "A list of cells, or keras.layers.StackedRNNCells, runs them one after the other at every step.",
        "keras.layers.RNN([...]) with an LSTMCell of 6 units, then a GRUCell of 4 units.",
    ],
    solution="import keras\n\nanswer = keras.layers.RNN([keras.layers.LSTMCell(6), keras.layers.GRUCell(4)])",
)

r1 = Reflection(
    title="Why start the forget gate at 1",
    question="Keras initialises an LSTM's forget-gate bias to 1 (unit_forget_bias=True), so f starts near "
    "σ(1) ≈ 0.73 rather than σ(0) = 0.5. Predict what is left after 20 steps of c from each starting f, and "
    "explain why the larger start helps training.",
    solution="With i · g aside, c is multiplied by f at each step: 0.5²⁰ ≈ 1e-6 and 0.73²⁰ ≈ 0.002. Neither "
    "keeps much, but the gradient along the cell state is multiplied by the same f at each step, so with "
    "f ≈ 0.5 a dependency 20 steps back sends back a signal a thousand times weaker than with f ≈ 0.73. "
    "Starting f nearer 1 lets the first updates 'see' longer dependencies, and training can then push f "
    "towards 1 where keeping matters (Jozefowicz et al., 2015, measured the gain).",
)
