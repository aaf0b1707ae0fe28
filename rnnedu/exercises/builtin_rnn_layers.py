"""Exercises for notebooks/01_builtin_rnn_layers.ipynb: predict parameter counts."""

from rnnedu.exercises import Exercise, expect

__all__ = ["q1", "q2", "q3"]


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
    "LSTM parameters",
    "How many parameters has keras.layers.LSTM(32) reading sequences of 16 features?",
    expect(_lstm_count),
    "Four gates, and each gate has a kernel (features × units), a recurrent kernel (units × units) and a bias (units).",
    "4 * (16 * 32 + 32 * 32 + 32)  # 6,272\nrnnedu.explain_params(keras.layers.LSTM(32), input_shape=(None, 20, 16))",
)

q2 = Exercise(
    "GRU without reset_after",
    "How many parameters has keras.layers.GRU(10, reset_after=False) reading sequences of 5 features?",
    expect(_gru_without_reset_after_count),
    "Three gates; with reset_after=False there is one bias vector per gate, not two.",
    "3 * (5 * 10 + 10 * 10 + 10)  # 480\n"
    "rnnedu.explain_params(keras.layers.GRU(10, reset_after=False), input_shape=(None, 20, 5))",
)

q3 = Exercise(
    "Embedding parameters",
    "How many parameters has keras.layers.Embedding(5000, 32)?",
    expect(_embedding_count),
    "One vector of embed_dim numbers for each of the vocab_size tokens; the sequence length does not matter.",
    "5000 * 32  # 160,000",
)
