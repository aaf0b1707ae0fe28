"""Exercises for notebooks/00_start_here.ipynb."""

from rnnedu.exercises import Exercise, Reflection, expect

__all__ = ["q1", "q2", "q3", "r1"]


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
    title="Reading digits row by row",
    question="An RNN reads an MNIST image one row per timestep. Give (timesteps, features) as a tuple.",
    checker=expect(_mnist_row_shape),
    hints=[
        "Look at x_train.shape: the first axis counts images.",
        "Drop the first axis of x_train.shape: what is left is one image, rows by columns.",
    ],
    solution="import rnnedu\n\n"
    "(x_train, y_train), _ = rnnedu.load_mnist('subset', verbose=False)\n"
    "answer = x_train.shape[1:]  # (28, 28): 28 rows (timesteps) of 28 pixels (features)",
)

q2 = Exercise(
    title="Weights of the loop",
    question="How many numbers (weights) has keras.layers.SimpleRNN(3) reading sequences of 4 features? "
    "Count the kernel W, the recurrent_kernel U and the bias b of the loop above.",
    checker=expect(_simple_rnn_weights),
    hints=[
        "W maps 4 features to 3 units, U maps the 3-unit state to 3 units, and b adds one number per unit.",
        "Shapes: W (4, 3), U (3, 3), b (3,). Multiply out each shape and add.",
    ],
    solution="answer = 4 * 3 + 3 * 3 + 3  # 24: kernel (4, 3), recurrent_kernel (3, 3), bias (3,)",
)

q3 = Exercise(
    title="An input for any length",
    question="Make a keras.Input for batches of sequences of any number of timesteps, each step with 8 features.",
    checker=_check_input,
    hints=[
        "None in a shape means 'any size'. The batch axis is not part of the shape you pass.",
        "keras.Input(shape=(timesteps, features)), with None for the timesteps.",
    ],
    solution="import keras\n\n"
    "answer = keras.Input(shape=(None, 8))  # shape (batch_size, timesteps, features) = (None, None, 8)",
)

r1 = Reflection(
    title="Any length, the same weights",
    question="Your answer to q2 does not mention the number of timesteps. Why does a SimpleRNN reading 1,000 "
    "timesteps have exactly as many weights as one reading 10, and what does the longer sequence cost instead?",
    solution="The loop applies the same W, U and b at every timestep: the weights describe one step, and the "
    "sequence is read by repeating that step. So the count depends only on features and units, never on "
    "timesteps. A longer sequence costs time and memory instead: 1,000 steps must run one after another (each "
    "needs the state of the one before), and training keeps every step's activations for backpropagation. "
    "A Dense layer reading the flattened sequence would be the opposite: one weight per (timestep, feature) "
    "pair, and it could not read a sequence of another length at all.",
)
