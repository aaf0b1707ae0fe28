"""Exercises for notebooks/06_bidirectional.ipynb: merge shapes, parameter counts and returned states."""

from rnnedu.exercises import Exercise, expect, output_shapes

__all__ = ["q1", "q2", "q3"]


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
    "Summed directions",
    "What is the output shape of keras.layers.Bidirectional(keras.layers.GRU(16, return_sequences=True), "
    'merge_mode="sum") on keras.Input((7, 3))?',
    expect(_sum_shape),
    "return_sequences keeps the timesteps; what does adding two (…, 16) tensors give?",
    "(None, 7, 16)  # sum, mul and ave keep the units; only concat doubles them",
)

q2 = Exercise(
    "Parameters of both directions",
    "How many parameters has keras.layers.Bidirectional(keras.layers.LSTM(32)) on inputs with 64 features?",
    expect(_bidirectional_count),
    "Two independent LSTMs, each 4 × (units × (features + units) + units).",
    "2 × 4 × (32 × (64 + 32) + 32) = 24,832",
)

q3 = Exercise(
    "Outputs and states",
    "How many tensors does keras.layers.Bidirectional(keras.layers.LSTM(8, return_state=True)) return?",
    expect(_state_count),
    "The merged output, then the states of each direction: how many states has an LSTM?",
    "5: the merged output, then forward h and c, then backward h and c",
)
