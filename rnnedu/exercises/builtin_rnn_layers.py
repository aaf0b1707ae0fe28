"""Exercises for notebooks/01_builtin_rnn_layers.ipynb: predict parameter counts."""

from rnnedu.exercises import Exercise, Reflection, expect

__all__ = ["q1", "q2", "q3", "r1"]


def _count(layer, input_shape):
    layer.build(input_shape)
    return layer.count_params()


def _lstm_count():
    import keras

    return _count(keras.layers.LSTM(32), (None, 20, 16))


def _gru_without_reset_after_count():
    import keras

    return _count(keras.layers.GRU(10, reset_after=False), (None, 20, 5))


def _embedding_count():
    import keras

    return _count(keras.layers.Embedding(5000, 32), (None, 20))


q1 = Exercise(
    title="LSTM parameters",
    question="How many parameters has keras.layers.LSTM(32) reading sequences of 16 features?",
    checker=expect(_lstm_count),
    hints=[
        "Four gates, and each gate has a kernel (features × units), a recurrent kernel (units × units) and a bias "
        "(units).",
        "One gate: 16 × 32 + 32 × 32 + 32. Then count the gates i, f, g and o.",
    ],
    solution="answer = 4 * (16 * 32 + 32 * 32 + 32)  # 6,272\n"
    "# check: rnnedu.explain_params(keras.layers.LSTM(32), input_shape=(None, 20, 16))",
)

q2 = Exercise(
    title="GRU without reset_after",
    question="How many parameters has keras.layers.GRU(10, reset_after=False) reading sequences of 5 features?",
    checker=expect(_gru_without_reset_after_count),
    hints=[
        "Three gates; with reset_after=False there is one bias vector per gate, not two.",
        "One gate: 5 × 10 + 10 × 10 + 10. Then count the gates z, r and the candidate.",
    ],
    solution="answer = 3 * (5 * 10 + 10 * 10 + 10)  # 480\n"
    "# check: rnnedu.explain_params(keras.layers.GRU(10, reset_after=False), input_shape=(None, 20, 5))",
)

q3 = Exercise(
    title="Embedding parameters",
    question="How many parameters has keras.layers.Embedding(5000, 32)?",
    checker=expect(_embedding_count),
    hints=[
        "One vector of embed_dim numbers for each of the vocab_size tokens; the sequence length does not matter.",
        "The embedding matrix has shape (vocab_size, embed_dim) = (5000, 32), and nothing else.",
    ],
    solution="answer = 5000 * 32  # 160,000: one row of 32 numbers per token id",
)

r1 = Reflection(
    title="Dropout between timesteps",
    question="`recurrent_dropout=0.2` drops 20% of the state's connections between timesteps. Predict what "
    "would happen to a long sequence if a fresh random mask were drawn at every timestep, then read how Keras "
    "draws the mask (keras/src/layers/rnn/dropout_rnn_cell.py).",
    solution="With a fresh mask at every step, every unit of the state would be zeroed at some point of a long "
    "sequence: 20% of it at each of 100 steps leaves almost nothing carried from the start to the end, so the "
    "layer could not keep anything for long. Keras instead draws one mask per sequence and reuses it at every "
    "timestep (DropoutRNNCell caches it in `_recurrent_dropout_mask` until the next call), the 'variational' "
    "dropout of Gal and Ghahramani: the same units are dropped all along one sequence, so the others carry "
    "the memory undisturbed. Input `dropout` is drawn the same way, once per sequence.",
)
