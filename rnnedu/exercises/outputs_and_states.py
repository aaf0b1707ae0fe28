"""Exercises for notebooks/02_outputs_and_states.ipynb: predict shapes and outputs."""

from rnnedu.exercises import Exercise, Reflection, call_answer, expect, output_shapes

__all__ = ["q1", "q2", "q3", "r1"]

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
    shapes = call_answer("calling your layer on keras.Input((12, 6))", output_shapes, answer, INPUT_SHAPE)
    if shapes != [(None, 12, 8), (None, 8)]:
        return f"on inputs of shape (None, 12, 6) your layer returns {shapes}, not [(None, 12, 8), (None, 8)]."
    return None


q1 = Exercise(
    title="A whole sequence",
    question="What is the output shape of keras.layers.GRU(20, return_sequences=True) on keras.Input((12, 6))?",
    checker=expect(_gru_sequence_shape),
    hints=[
        "return_sequences=True keeps the timesteps axis; the batch axis is None.",
        "The shape is (batch_size, timesteps, units): fill in each from the layer and the input.",
    ],
    solution="answer = (None, 12, 20)  # (batch_size, timesteps, units)",
)

q2 = Exercise(
    title="Counting outputs",
    question="How many tensors does keras.layers.LSTM(20, return_sequences=True, return_state=True) return?",
    checker=expect(_lstm_state_count),
    hints=[
        "The output, then the states: which states does an LSTM keep?",
        "An LSTM keeps two states, h and c; return_sequences changes the output's shape, not the count.",
    ],
    solution="answer = 3  # the sequence of outputs, then the final h and the final c",
)

q3 = Exercise(
    title="Build it",
    question="Make a recurrent layer that, on inputs of shape (None, 12, 6), returns exactly two tensors: "
    "a sequence of shape (None, 12, 8) and a final state of shape (None, 8).",
    checker=_check_state_layer,
    hints=[
        "Which layers keep one state? Then you need both return flags.",
        "A GRU (or SimpleRNN) of 8 units with return_sequences=True and return_state=True.",
    ],
    solution="import keras\n\nanswer = keras.layers.GRU(8, return_sequences=True, return_state=True)  # or SimpleRNN",
)

r1 = Reflection(
    title="Why return c?",
    question="An LSTM's last output equals its final h. Why, then, does return_state=True also return c, "
    "and when would you be stuck without it?",
    solution="h is what the LSTM shows, o · tanh(c); c is what it remembers. h cannot be turned back into c "
    "(the output gate and tanh lose information), so a layer that should continue where another stopped needs "
    "both. That is the case whenever the reading is split: an encoder handing its state to a decoder "
    "(notebook 03), a long sequence read in chunks, or text generated one step at a time. Started from h "
    "alone, with c reset to zeros, the LSTM would forget everything its cell state was carrying.",
)
