"""Exercises for notebooks/03_encoder_decoder.ipynb: states handed from an encoder to a decoder."""

from rnnedu.exercises import Exercise, expect, output_shapes

__all__ = ["q1", "q2", "q3"]


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
    try:
        output = answer(keras.Input((4, 5)), initial_state=states)
    except Exception as error:  # the learner's layer may fail in many ways
        return f"calling your layer with initial_state=[h, c] raised {type(error).__name__}: {error}"
    output = output[0] if isinstance(output, (list, tuple)) else output
    if tuple(output.shape) != (None, 4, 32):
        return f"on 4 timesteps your layer returns shape {tuple(output.shape)}, not (None, 4, 32)."
    if not isinstance(answer, keras.layers.LSTM):
        return "it runs, but only an LSTM keeps both h and c: other layers ignore part of the state."
    return None


q1 = Exercise(
    "States of a GRU",
    "How many state tensors does keras.layers.GRU(32, return_state=True) hand to its decoder?",
    expect(_gru_state_count),
    "Count what comes after the output: a GRU keeps no cell state.",
    "1: output, h = keras.layers.GRU(32, return_state=True)(x)",
)

q2 = Exercise(
    "A wider decoder",
    "How many parameters has keras.layers.LSTM(128) reading 64-dimensional embeddings?",
    expect(_wider_decoder_params),
    "Four gates, each with a kernel (64 × units), a recurrent kernel (units × units) and a bias.",
    "4 × (128 × (64 + 128) + 128) = 98,816",
)

q3 = Exercise(
    "A decoder for an LSTM encoder",
    "Make a layer that accepts the [h, c] of keras.layers.LSTM(32, return_state=True) as initial_state "
    "and returns an output for every timestep.",
    _check_decoder,
    "The states must match the encoder's in kind (h and c) and size (32).",
    "keras.layers.LSTM(32, return_sequences=True)",
)
