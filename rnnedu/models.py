"""Builders for the models the course trains more than once.

A notebook builds its model inline where seeing the code is the lesson; these
builders are for the second and later times (another notebook, an exercise, a
benchmark, a test), so every copy of a model is the same model.

* `sequence_classifier`: the guide's first models, Embedding → recurrent
  layers → Dense;
* `mnist_rows_classifier`: the guide's performance model, reading an MNIST
  image one row per timestep, with the fused LSTM layer or a generic
  RNN(LSTMCell);
* `encoder_decoder`: an encoder whose final states start the decoder, plus the
  encoder and one-step decoder models that share its layers for inference;
* `stateful_forecaster`: a stateful LSTM that predicts the next value of a
  series at every step;
* `nested_model`: Keras 3's way to run a cell whose inputs are a vector and a
  matrix per timestep.
"""

from rnnedu._validate import (
    MAX_COUNT,
    MAX_TIMESTEPS,
    MAX_UNITS,
    MAX_VOCABULARY,
    check_bool,
    check_choice,
    check_int,
    describe,
)

__all__ = ["encoder_decoder", "mnist_rows_classifier", "nested_model", "sequence_classifier", "stateful_forecaster"]

RECURRENT = ("LSTM", "GRU")


def sequence_classifier(*recurrent_layers, vocab_size=1000, embed_dim=64, num_classes=10):
    """Build the guide's sequence classifier: Embedding, recurrent layers, Dense.

    Args:
        *recurrent_layers: the Keras layers between the embedding and the
            classifier, in order; none gives the guide's first model, LSTM(128).
        vocab_size: int >= 1, the number of token ids the Embedding knows.
        embed_dim: int >= 1, the size of each token's vector.
        num_classes: int >= 1, the units of the final Dense layer (logits).

    Returns:
        An unbuilt `keras.Sequential` that reads (batch_size, timesteps) token ids.

    Example:
    >>> import keras
    >>> model = sequence_classifier()
    >>> model.build((None, None))
    >>> model.count_params()
    164106
    >>> model = sequence_classifier(keras.layers.GRU(256, return_sequences=True), keras.layers.SimpleRNN(128))
    >>> [layer.__class__.__name__ for layer in model.layers]
    ['Embedding', 'GRU', 'SimpleRNN', 'Dense']
    """
    import keras

    vocab_size = check_int("vocab_size", vocab_size, min_value=1, max_value=MAX_VOCABULARY)
    embed_dim = check_int("embed_dim", embed_dim, min_value=1, max_value=MAX_UNITS)
    num_classes = check_int("num_classes", num_classes, min_value=1, max_value=MAX_UNITS)
    for position, layer in enumerate(recurrent_layers):
        if not isinstance(layer, keras.layers.Layer):
            raise TypeError(f"`recurrent_layers[{position}]` must be a Keras layer, got {describe(layer)}.")
    layers = list(recurrent_layers) or [keras.layers.LSTM(128)]
    return keras.Sequential([keras.layers.Embedding(vocab_size, embed_dim), *layers, keras.layers.Dense(num_classes)])


def mnist_rows_classifier(units=64, layer="LSTM", fused=True):
    """Build the guide's MNIST model: each image row is a timestep of 28 features.

    Args:
        units: int >= 1, the recurrent layer's units.
        layer: "LSTM" or "GRU".
        fused: True for the built-in layer (`keras.layers.LSTM`), which may
            run a fused cuDNN kernel on a GPU; False for the same computation
            as `keras.layers.RNN(keras.layers.LSTMCell(units))`, which always
            loops over timesteps in the generic way.

    Returns:
        An unbuilt `keras.Sequential` mapping (batch_size, timesteps, 28) to
        10 logits.

    Example:
    >>> fused = mnist_rows_classifier(64)
    >>> generic = mnist_rows_classifier(64, fused=False)
    >>> fused.count_params() == generic.count_params() == 24714
    True
    >>> generic.layers[0].__class__.__name__, generic.layers[0].cell.__class__.__name__
    ('RNN', 'LSTMCell')
    """
    import keras

    units = check_int("units", units, min_value=1, max_value=MAX_UNITS)
    check_choice("layer", layer, RECURRENT)
    check_bool("fused", fused)
    layer_class = getattr(keras.layers, layer)
    cell_class = getattr(keras.layers, f"{layer}Cell")
    recurrent = layer_class(units) if fused else keras.layers.RNN(cell_class(units))
    return keras.Sequential(
        [keras.Input((None, 28)), recurrent, keras.layers.BatchNormalization(), keras.layers.Dense(10)]
    )


def encoder_decoder(encoder_vocab_size, decoder_vocab_size, embed_dim=32, units=64, layer="LSTM"):
    """Build a sequence-to-sequence model whose encoder states start the decoder.

    The encoder reads the source tokens with `return_state=True`; its final
    states (h and c for an LSTM, h for a GRU) are the decoder's
    `initial_state`. The decoder reads the target shifted right by one (the
    "teacher forcing" input) and predicts the next target token at every step.

    Args:
        encoder_vocab_size: int >= 1, token ids the encoder reads.
        decoder_vocab_size: int >= 1, token ids the decoder reads and predicts.
        embed_dim: int >= 1, the size of each token's vector (both sides).
        units: int >= 1, the units of the encoder and of the decoder.
        layer: "LSTM" or "GRU", the recurrent layer of both sides.

    Returns:
        (model, encoder, decoder), three `keras.Model`s sharing their layers:
        `model` maps [source (batch_size, source_timesteps), target input
        (batch_size, target_timesteps)] to logits (batch_size,
        target_timesteps, decoder_vocab_size), for training; `encoder` maps the
        source to the final states (a list [h, c] for an LSTM; for a GRU
        Keras returns the one state h as an array, not a list); `decoder`
        maps [target tokens, *states] to [logits, *new states], one call per
        step for inference.

    Example:
    >>> import numpy as np
    >>> model, encoder, decoder = encoder_decoder(12, 14, units=8)
    >>> source, target = np.ones((2, 5), "int32"), np.ones((2, 3), "int32")
    >>> tuple(model.predict([source, target], verbose=0).shape)
    (2, 3, 14)
    >>> states = encoder.predict(source, verbose=0)
    >>> [tuple(s.shape) for s in states]
    [(2, 8), (2, 8)]
    >>> logits, *states = decoder.predict([target[:, :1], *states], verbose=0)
    >>> tuple(logits.shape), len(states)
    ((2, 1, 14), 2)
    """
    import keras

    encoder_vocab_size = check_int("encoder_vocab_size", encoder_vocab_size, min_value=1, max_value=MAX_VOCABULARY)
    decoder_vocab_size = check_int("decoder_vocab_size", decoder_vocab_size, min_value=1, max_value=MAX_VOCABULARY)
    embed_dim = check_int("embed_dim", embed_dim, min_value=1, max_value=MAX_UNITS)
    units = check_int("units", units, min_value=1, max_value=MAX_UNITS)
    check_choice("layer", layer, RECURRENT)
    layer_class = getattr(keras.layers, layer)

    source = keras.Input((None,), dtype="int32", name="source")
    source_vectors = keras.layers.Embedding(encoder_vocab_size, embed_dim, name="encoder_embedding")(source)
    _, *states = layer_class(units, return_state=True, name="encoder")(source_vectors)

    target_embedding = keras.layers.Embedding(decoder_vocab_size, embed_dim, name="decoder_embedding")
    decoder_layer = layer_class(units, return_sequences=True, return_state=True, name="decoder")
    classifier = keras.layers.Dense(decoder_vocab_size, name="classifier")

    def decode(tokens, initial_state):
        outputs, *new_states = decoder_layer(target_embedding(tokens), initial_state=initial_state)
        return classifier(outputs), new_states

    target = keras.Input((None,), dtype="int32", name="target_input")
    logits, _ = decode(target, states)
    model = keras.Model([source, target], logits, name="encoder_decoder")
    encoder = keras.Model(source, states, name="encoder_model")

    step_states = [keras.Input((units,), name=f"state_{i}") for i in range(len(states))]
    step_logits, new_states = decode(target, step_states)
    decoder = keras.Model([target, *step_states], [step_logits, *new_states], name="decoder_model")
    return model, encoder, decoder


def stateful_forecaster(batch_size, units=32, features=1, timesteps=None):
    """Build a stateful LSTM that predicts the next value of a series at every step.

    Stateful layers keep their final states between batches, so row `i` of
    each batch must continue row `i` of the batch before; Keras 3 needs the
    batch size fixed in the Input for that.

    Args:
        batch_size: int >= 1, the fixed number of series read side by side.
        units: int >= 1, the LSTM's units.
        features: int >= 1, values per timestep (in and out).
        timesteps: int >= 1, or None for any length.

    Returns:
        A built `keras.Sequential` mapping (batch_size, timesteps, features)
        to a prediction of the same shape; its stateful LSTM layer is named
        "lstm".

    Example:
    >>> import numpy as np
    >>> model = stateful_forecaster(batch_size=2, units=4)
    >>> model.get_layer("lstm").stateful
    True
    >>> tuple(model.predict(np.zeros((2, 7, 1)), batch_size=2, verbose=0).shape)
    (2, 7, 1)
    """
    import keras

    batch_size = check_int("batch_size", batch_size, min_value=1, max_value=MAX_COUNT)
    units = check_int("units", units, min_value=1, max_value=MAX_UNITS)
    features = check_int("features", features, min_value=1, max_value=MAX_UNITS)
    if timesteps is not None:
        timesteps = check_int("timesteps", timesteps, min_value=1, max_value=MAX_TIMESTEPS)
    return keras.Sequential(
        [
            keras.Input((timesteps, features), batch_size=batch_size),
            keras.layers.LSTM(units, stateful=True, return_sequences=True, name="lstm"),
            keras.layers.Dense(features, name="forecast"),
        ]
    )


def nested_model(cell, vector_features, matrix_shape, return_sequences=False):
    """Run a cell whose step input is a vector and a matrix, the Keras 3 way.

    `keras.layers.RNN` in Keras 3 steps through one tensor of shape
    (batch_size, timesteps, features). This builder takes the two sequences as
    separate inputs, flattens each step's matrix and joins it to the vector,
    so the cell receives (batch_size, vector_features + rows × columns) per
    step and splits it again.

    Args:
        cell: a Keras layer with `state_size` and `call(inputs, states)`,
            reading the packed step input described above.
        vector_features: int >= 1, the length of each step's vector.
        matrix_shape: (rows, columns) of each step's matrix, ints >= 1.
        return_sequences: bool, passed to `keras.layers.RNN`.

    Returns:
        A `keras.Model` with inputs [vectors (batch_size, timesteps,
        vector_features), matrices (batch_size, timesteps, rows, columns)]
        and the RNN's output.

    Example:
    >>> import keras
    >>> model = nested_model(keras.layers.SimpleRNNCell(3), 2, (4, 5))
    >>> [tuple(x.shape) for x in model.inputs], tuple(model.output.shape)
    ([(None, None, 2), (None, None, 4, 5)], (None, 3))
    """
    import keras

    if not isinstance(cell, keras.layers.Layer) or not hasattr(cell, "state_size"):
        raise TypeError(f"`cell` must be a Keras layer with a `state_size` (an RNN cell), got {describe(cell)}.")
    vector_features = check_int("vector_features", vector_features, min_value=1, max_value=MAX_UNITS)
    if not isinstance(matrix_shape, (tuple, list)) or len(matrix_shape) != 2:
        raise ValueError(f"`matrix_shape` must be (rows, columns), got {describe(matrix_shape)}.")
    rows, columns = (
        check_int(f"matrix_shape[{i}]", n, min_value=1, max_value=MAX_UNITS) for i, n in enumerate(matrix_shape)
    )
    check_bool("return_sequences", return_sequences)
    vectors = keras.Input((None, vector_features), name="vectors")
    matrices = keras.Input((None, rows, columns), name="matrices")
    flat = keras.layers.Reshape((-1, rows * columns), name="flatten_matrices")(matrices)
    packed = keras.layers.Concatenate(name="pack")([vectors, flat])
    outputs = keras.layers.RNN(cell, return_sequences=return_sequences, name="rnn")(packed)
    return keras.Model([vectors, matrices], outputs, name="nested_model")
