"""Exercises for notebooks/00_start_here.ipynb."""

from rnnedu.exercises import Exercise, expect

__all__ = ["q1", "q2", "q3"]


def _mnist_row_shape():
    from rnnedu.datasets import load_mnist

    (x_train, _), _ = load_mnist("subset", verbose=False)
    return tuple(x_train.shape[1:])


def _simple_rnn_weights():
    import keras

    layer = keras.layers.SimpleRNN(3)
    layer.build((None, None, 4))
    return layer.count_params()


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
    "Weights of the loop",
    "How many numbers (weights) has keras.layers.SimpleRNN(3) reading sequences of 4 features? "
    "Count the kernel W, the recurrent_kernel U and the bias b of the loop above.",
    expect(_simple_rnn_weights),
    "W maps 4 features to 3 units, U maps the 3-unit state to 3 units, and b adds one number per unit.",
    "4 * 3 + 3 * 3 + 3  # 24: kernel (4, 3), recurrent_kernel (3, 3), bias (3,)",
)

q3 = Exercise(
    "An input for any length",
    "Make a keras.Input for batches of sequences of any number of timesteps, each step with 8 features.",
    _check_input,
    "None in a shape means 'any size'. The batch axis is not part of the shape you pass.",
    "keras.Input(shape=(None, 8))  # shape (batch_size, timesteps, features) = (None, None, 8)",
)
