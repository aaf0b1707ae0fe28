"""Exercises for notebooks/05_stateful_and_state_reuse.ipynb: stateful layers and their batches."""

import numpy as np

from rnnedu.exercises import Exercise, expect

__all__ = ["q1", "q2", "q3"]


def _gru_state_shape():
    import keras

    gru = keras.layers.GRU(16, stateful=True)
    gru(keras.Input(shape=(None, 3), batch_size=4))
    return tuple(gru.states[0].shape)


def _batches_per_epoch(length=1200, streams=6, chunk=25):
    months = np.arange(length).reshape(streams, -1)
    chunks = months.reshape(streams, -1, chunk).transpose(1, 0, 2).reshape(-1, chunk)
    return len(chunks) // streams


def _check_stateful_model(answer):
    import keras

    if not isinstance(answer, keras.Model):
        return f"expected a keras.Model, got {type(answer).__name__}."
    stateful = [layer for layer in answer.layers if getattr(layer, "stateful", False)]
    if not stateful:
        return "none of its layers is stateful: pass stateful=True to the LSTM."
    if not isinstance(stateful[-1], keras.layers.LSTM) or stateful[-1].units != 5:
        return f"its last stateful layer is {stateful[-1].__class__.__name__}, not an LSTM(5)."
    shape = tuple(answer.inputs[0].shape)
    if shape[0] != 3 or shape[-1] != 2:
        return f"its input has shape {shape}: the batch size must be fixed to 3 and the features to 2."
    return None


q1 = Exercise(
    "Shape of a state",
    "A model starts with keras.Input(shape=(None, 3), batch_size=4) then keras.layers.GRU(16, stateful=True). "
    "What is the shape of each tensor in the GRU's states?",
    expect(_gru_state_shape),
    "One row per sequence of the batch, one column per unit.",
    "(4, 16): (batch_size, units)",
)

q2 = Exercise(
    "Batches per epoch",
    "1,200 months cut into 6 streams, each stream into chunks of 25 months: how many batches per epoch?",
    expect(_batches_per_epoch),
    "A batch holds one chunk of every stream; count the chunks in one stream.",
    "1,200 / 6 = 200 months per stream, 200 / 25 = 8 batches",
)

q3 = Exercise(
    "A stateful model",
    "Make a model for batches of 3 rows of (timesteps, 2 features) that ends in a stateful LSTM(5).",
    _check_stateful_model,
    "Stateful layers need the batch size in keras.Input.",
    "inputs = keras.Input(shape=(None, 2), batch_size=3)\n"
    "model = keras.Model(inputs, keras.layers.LSTM(5, stateful=True)(inputs))",
)
