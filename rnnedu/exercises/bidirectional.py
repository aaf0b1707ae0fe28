"""Exercises for notebooks/06_bidirectional.ipynb: merge shapes, parameter counts and returned states."""

from rnnedu.exercises import Exercise, Reflection, expect, output_shapes

__all__ = ["q1", "q2", "q3", "r1"]


def _sum_shape():
    import keras

    return output_shapes(
        keras.layers.Bidirectional(keras.layers.GRU(16, return_sequences=True), merge_mode="sum"), (7, 3)
    )[0]


def _bidirectional_count():
    import keras

    layer = keras.layers.Bidirectional(keras.layers.LSTM(32))
    layer.build((None, 10, 64))
    return layer.count_params()


def _state_count():
    import keras

    return len(output_shapes(keras.layers.Bidirectional(keras.layers.LSTM(8, return_state=True)), (5, 2)))


q1 = Exercise(
    title="Summed directions",
    question="What is the output shape of keras.layers.Bidirectional(keras.layers.GRU(16, return_sequences=True), "
    'merge_mode="sum") on keras.Input((7, 3))?',
    checker=expect(_sum_shape),
    hints=[
        "return_sequences keeps the timesteps; what does adding two (…, 16) tensors give?",
        "sum, mul and ave keep the units; only concat doubles them.",
    ],
    solution="answer = (None, 7, 16)  # sum, mul and ave keep the units; only concat doubles them",
)

q2 = Exercise(
    title="Parameters of both directions",
    question="How many parameters has keras.layers.Bidirectional(keras.layers.LSTM(32)) on inputs with 64 features?",
    checker=expect(_bidirectional_count),
    hints=[
        "Two independent LSTMs, each 4 × (units × (features + units) + units).",
        "One LSTM: 4 × (32 × (64 + 32) + 32). The backward copy has its own weights.",
    ],
    solution="answer = 2 * 4 * (32 * (64 + 32) + 32)  # 24,832",
)

q3 = Exercise(
    title="Outputs and states",
    question="How many tensors does keras.layers.Bidirectional(keras.layers.LSTM(8, return_state=True)) return?",
    checker=expect(_state_count),
    hints=[
        "The merged output, then the states of each direction: how many states has an LSTM?",
        "1 merged output + 2 directions × (h and c).",
    ],
    solution="answer = 5  # the merged output, then forward h and c, then backward h and c",
)

r1 = Reflection(
    title="Not for what comes next",
    question="A Bidirectional LSTM tags words better than a forward one. Why can it not be used to generate "
    "text one character at a time, or to forecast the next value of a live stream?",
    solution="The backward layer's output at timestep t depends on every step after t: it starts at the end of "
    "the sequence. To generate or to forecast, the steps after t are exactly what you do not have yet. "
    "Trained with the future in view, such a model would also be judged unfairly well (it could read the "
    "answer from the backward direction). Bidirectional layers suit tasks where the whole sequence is known "
    "before the output is needed: tagging, classifying, encoding a source sentence for a decoder.",
)
