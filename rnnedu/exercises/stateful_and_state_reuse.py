"""Exercises for notebooks/05_stateful_and_state_reuse.ipynb: stateful layers and their batches."""

import numpy as np

from rnnedu.exercises import Exercise, Reflection, expect

__all__ = ["q1", "q2", "q3", "r1"]


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
    if not getattr(answer, "inputs", None):
        return "it has no inputs: build it from keras.Input(...), with the batch size."
    shape = tuple(answer.inputs[0].shape)
    if shape[0] != 3 or shape[-1] != 2:
        return f"its input has shape {shape}: the batch size must be fixed to 3 and the features to 2."
    return None


q1 = Exercise(
    title="Shape of a state",
    question="A model starts with keras.Input(shape=(None, 3), batch_size=4) then keras.layers.GRU(16, "
    "stateful=True). What is the shape of each tensor in the GRU's states?",
    checker=expect(_gru_state_shape),
    hints=[
        "One row per sequence of the batch, one column per unit.",
        "(batch_size, units), with the numbers of this model.",
    ],
    solution="answer = (4, 16)  # (batch_size, units)",
)

q2 = Exercise(
    title="Batches per epoch",
    question="1,200 months cut into 6 streams, each stream into chunks of 25 months: how many batches per epoch?",
    checker=expect(_batches_per_epoch),
    hints=[
        "A batch holds one chunk of every stream; count the chunks in one stream.",
        "Months per stream: 1,200 / 6. Chunks per stream: that divided by 25.",
    ],
    solution="answer = 1200 // 6 // 25  # 200 months per stream, 200 / 25 = 8 batches",
)

q3 = Exercise(
    title="A stateful model",
    question="Make a model for batches of 3 rows of (timesteps, 2 features) that ends in a stateful LSTM(5).",
    checker=_check_stateful_model,
    hints=[
        "Stateful layers need the batch size in keras.Input.",
        "keras.Input(shape=(None, 2), batch_size=3), then keras.layers.LSTM(5, stateful=True) on it.",
    ],
    solution="import keras\n\n"
    "inputs = keras.Input(shape=(None, 2), batch_size=3)\n"
    "answer = keras.Model(inputs, keras.layers.LSTM(5, stateful=True)(inputs))",
)

r1 = Reflection(
    title="Shuffled by mistake",
    question="A stateful model is trained on streams cut into chunks, but someone calls fit with shuffle=True. "
    "Nothing fails. Predict what the model learns from the carried states, and how you would notice.",
    solution="Row i of each batch is meant to continue row i of the batch before: that is why the state is "
    "carried. Shuffled, row i follows a chunk from another stream or another time, so the carried state is "
    "context that belongs elsewhere. The model learns either to ignore its initial state (and becomes a "
    "stateless model on short chunks) or to trust it and make confident mistakes. You notice it on held-out "
    "data read in order: a correctly trained stateful model beats the same model reset before every chunk, "
    "and the shuffled one does not. Keep shuffle=False, reset the states at the start of each epoch, and "
    "check the order of your batches with a few known values.",
)
