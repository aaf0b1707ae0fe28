"""Exercises for notebooks/02_outputs_and_states.ipynb: predict shapes and outputs."""

from rnnedu.exercises import Exercise, expect, output_shapes

__all__ = ["q1", "q2", "q3"]

INPUT_SHAPE = (12, 6)  # (timesteps, features) of every question here


def _gru_sequence_shape():
    import keras

    return output_shapes(keras.layers.GRU(20, return_sequences=True), INPUT_SHAPE)[0]


def _lstm_state_count():
    import keras

    return len(output_shapes(keras.layers.LSTM(20, return_sequences=True, return_state=True), INPUT_SHAPE))


def _check_state_layer(answer):
    import keras

    if not isinstance(answer, keras.layers.Layer):
        return f"expected a Keras layer, got {type(answer).__name__}."
    shapes = output_shapes(answer, INPUT_SHAPE)
    if shapes != [(None, 12, 8), (None, 8)]:
        return f"on inputs of shape (None, 12, 6) your layer returns {shapes}, not [(None, 12, 8), (None, 8)]."
    return None


q1 = Exercise(
    "A whole sequence",
    "What is the output shape of keras.layers.GRU(20, return_sequences=True) on keras.Input((12, 6))?",
    expect(_gru_sequence_shape),
    "return_sequences=True keeps the timesteps axis; the batch axis is None.",
    "(None, 12, 20)  # (batch_size, timesteps, units)",
)

q2 = Exercise(
    "Counting outputs",
    "How many tensors does keras.layers.LSTM(20, return_sequences=True, return_state=True) return?",
    expect(_lstm_state_count),
    "The output, then the states: which states does an LSTM keep?",
    "3: the sequence of outputs, then the final h and the final c",
)

q3 = Exercise(
    "Build it",
    "Make a recurrent layer that, on inputs of shape (None, 12, 6), returns exactly two tensors: "
    "a sequence of shape (None, 12, 8) and a final state of shape (None, 8).",
    _check_state_layer,
    "Which layers keep one state? Then you need both return flags.",
    "keras.layers.GRU(8, return_sequences=True, return_state=True)  # or SimpleRNN",
)
