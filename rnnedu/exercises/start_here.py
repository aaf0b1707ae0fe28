"""Exercises for notebooks/00_start_here.ipynb."""

from rnnedu.exercises import Exercise, expect

__all__ = ["q1", "q2", "q3"]


def _mnist_row_shape():
    from rnnedu.datasets import load_mnist

    (x_train, _), _ = load_mnist("subset", verbose=False)
    return tuple(x_train.shape[1:])


def _layers_with_two_states():
    import keras
    import numpy as np

    x = np.zeros((1, 3, 2), dtype="float32")
    names = []
    for layer_class in (keras.layers.SimpleRNN, keras.layers.GRU, keras.layers.LSTM):
        outputs = layer_class(4, return_state=True)(x)
        if len(outputs) == 3:  # the output, then two states
            names.append(layer_class.__name__)
    return names[0]


def _check_input(answer):
    import keras

    if not isinstance(answer, keras.KerasTensor):
        return f"expected the result of keras.Input(...), got {type(answer).__name__}."
    return expect(lambda: (None, None, 8))(tuple(answer.shape))


q1 = Exercise(
    "Reading digits row by row",
    "An RNN reads an MNIST image one row per timestep. Give (timesteps, features) as a tuple.",
    expect(_mnist_row_shape),
    "Look at x_train.shape: the first axis counts images.",
    "(x_train, y_train), _ = rnnedu.load_mnist()\nx_train.shape[1:]  # (28, 28): 28 rows of 28 pixels",
)

q2 = Exercise(
    "Two states",
    "Which built-in layer (SimpleRNN, GRU or LSTM) returns two states with return_state=True? Answer with its name.",
    expect(_layers_with_two_states),
    "One of them keeps a cell state c beside its hidden state h.",
    'keras.layers.LSTM: it returns [output, h, c]; GRU and SimpleRNN return [output, h].\n"LSTM"',
)

q3 = Exercise(
    "An input for any length",
    "Make a keras.Input for batches of sequences of any number of timesteps, each step with 8 features.",
    _check_input,
    "None in a shape means 'any size'. The batch axis is not part of the shape you pass.",
    "keras.Input(shape=(None, 8))  # shape (batch_size, timesteps, features) = (None, None, 8)",
)
