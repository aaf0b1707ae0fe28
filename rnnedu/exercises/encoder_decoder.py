"""Exercises for notebooks/03_encoder_decoder.ipynb: states handed from an encoder to a decoder."""

from rnnedu.exercises import Exercise, Reflection, call_answer, expect, output_shapes

__all__ = ["q1", "q2", "q3", "r1"]


def _gru_state_count():
    import keras

    return len(output_shapes(keras.layers.GRU(32, return_state=True), (10, 8))) - 1


def _wider_decoder_params():
    import keras

    decoder = keras.layers.LSTM(128)
    decoder.build((None, None, 64))
    return decoder.count_params()


def _check_decoder(answer):
    import keras

    if not isinstance(answer, keras.layers.Layer):
        return f"expected a Keras layer, got {type(answer).__name__}."
    if answer.built:
        return "pass a new layer, not one that has already been called."
    _, *states = keras.layers.LSTM(32, return_state=True)(keras.Input((6, 5)))
    output = call_answer(
        "calling your layer with initial_state=[h, c]", answer, keras.Input((4, 5)), initial_state=states
    )
    output = output[0] if isinstance(output, (list, tuple)) else output
    shape = call_answer("reading the shape of your layer's output", lambda: tuple(output.shape))
    if shape != (None, 4, 32):
        return f"on 4 timesteps your layer returns shape {shape}, not (None, 4, 32)."
    if not isinstance(answer, keras.layers.LSTM):
        return "it runs, but only an LSTM keeps both h and c: other layers ignore part of the state."
    return None


q1 = Exercise(
    title="States of a GRU",
    question="How many state tensors does keras.layers.GRU(32, return_state=True) hand to its decoder?",
    checker=expect(_gru_state_count),
    hints=[
        "Count what comes after the output: a GRU keeps no cell state.",
        "output, *states = keras.layers.GRU(32, return_state=True)(x): how long is states?",
    ],
    solution="answer = 1  # output, h = keras.layers.GRU(32, return_state=True)(x)",
)

q2 = Exercise(
    title="A wider decoder",
    question="How many parameters has keras.layers.LSTM(128) reading 64-dimensional embeddings?",
    checker=expect(_wider_decoder_params),
    hints=[
        "Four gates, each with a kernel (64 × units), a recurrent kernel (units × units) and a bias.",
        "One gate: 64 × 128 + 128 × 128 + 128; four gates.",
    ],
    solution="answer = 4 * (128 * (64 + 128) + 128)  # 98,816",
)

q3 = Exercise(
    title="A decoder for an LSTM encoder",
    question="Make a layer that accepts the [h, c] of keras.layers.LSTM(32, return_state=True) as initial_state "
    "and returns an output for every timestep.",
    checker=_check_decoder,
    hints=[
        "The states must match the encoder's in kind (h and c) and size (32).",
        "Only an LSTM takes [h, c]; an output for every timestep is return_sequences=True.",
    ],
    solution="import keras\n\nanswer = keras.layers.LSTM(32, return_sequences=True)",
)

r1 = Reflection(
    title="Its own mistakes",
    question="In training the decoder always reads the true previous token (teacher forcing); at inference it "
    "reads its own previous prediction. Predict how one wrong token early in a decoded sequence affects the "
    "tokens after it, and why training never showed the decoder that situation.",
    solution="A wrong token becomes the next step's input, and the state it produces is one the decoder never "
    "met in training, where every input was correct. The next prediction is made from unfamiliar ground, so "
    "errors tend to follow errors: one early mistake can derail the rest of the sequence, while the same "
    "decoder looks excellent when scored with teacher forcing. This gap is called exposure bias. Remedies "
    "include scheduled sampling (sometimes feeding the model's own prediction during training) and beam "
    "search at inference, which keeps several candidate sequences instead of committing to one token at a time.",
)
