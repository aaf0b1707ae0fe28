"""Attention: a decoder that looks back at every encoder step, and decoding by beam search.

An encoder-decoder (notebook 03) hands the decoder one final state: everything
it knows about the source must pass through those few numbers. Attention
gives the decoder, at every step, a weighted average of *all* the encoder's
outputs, the weights (the alignment) computed from the decoder's own output.

* `attention_encoder_decoder`: a GRU encoder-decoder whose decoder attends to
  the encoder's outputs with `keras.layers.AdditiveAttention` (Bahdanau's
  score) or `keras.layers.Attention` (Luong's dot-product score); it returns
  the training model, the encoder and a one-step decoder, as
  `rnnedu.models.encoder_decoder` does;
* `self_attention_model`: no recurrence at all: token and position
  embeddings and one `keras.layers.MultiHeadAttention`, the step towards a
  Transformer;
* `greedy_decode`, `beam_search` and `score_sequences`: decoding with any
  one-step decoder that maps [tokens, *states] to [logits, *states], the
  pattern of notebook 03.
"""

import numpy as np

from rnnedu._validate import MAX_UNITS, MAX_VOCABULARY, check_choice, check_int, describe

__all__ = [
    "ATTENTION_LAYERS",
    "attention_encoder_decoder",
    "beam_search",
    "greedy_decode",
    "score_sequences",
    "self_attention_model",
]

# The score each attention layer computes, by the name `attention_encoder_decoder` takes.
ATTENTION_LAYERS = {"additive": "AdditiveAttention", "dot": "Attention"}
MAX_DECODE_LENGTH = 1_000  # steps one call of a decoding function takes
MAX_BEAM_WIDTH = 64
MAX_DECODE_ROWS = 100_000  # batch_size × beam_width rows a decoding function runs at once


def attention_encoder_decoder(vocab_size, embed_dim=16, units=64, attention="additive"):
    """Build a GRU encoder-decoder whose decoder attends to every encoder output.

    The encoder reads the source with `return_sequences=True` and
    `return_state=True`: its outputs (one per source step) are what the
    decoder attends to, its final state h starts the decoder, as in
    notebook 03. At each target step the decoder's output is the query:
    the attention layer scores it against every encoder output, turns the
    scores into weights with a softmax over the source steps, and returns
    the weighted average (the context). The context joined to the decoder's
    output predicts the next token.

    Args:
        vocab_size: int from 1 to 1,000,000, token ids both sides read (and the decoder predicts).
        embed_dim: int from 1 to 4,096, the size of each token's vector.
        units: int from 1 to 4,096, the units of the encoder and of the decoder.
        attention: "additive" (`keras.layers.AdditiveAttention`, score
            v·tanh(q + k), Bahdanau et al. 2015) or "dot"
            (`keras.layers.Attention`, score q·k, Luong et al. 2015).

    Returns:
        (model, encoder, decoder), three `keras.Model`s sharing their layers:
        `model` maps [source (batch_size, source_timesteps), target input
        (batch_size, target_timesteps)] to logits (batch_size,
        target_timesteps, vocab_size), for training; its layer named
        "attention" was called with `return_attention_scores=True`, so its
        output is [context, weights]. `encoder` maps the source to
        [encoder outputs (batch_size, source_timesteps, units), h];
        `decoder` maps [target tokens, encoder outputs, h] to [logits,
        encoder outputs (passed through unchanged), new h]: the encoder's
        outputs travel with the state, so `greedy_decode` and `beam_search`
        treat both alike.

    Example:
    >>> model, encoder, decoder = attention_encoder_decoder(11, units=8)
    >>> source, target = np.ones((2, 5), "int32"), np.ones((2, 5), "int32")
    >>> tuple(model([source, target]).shape)
    (2, 5, 11)
    >>> memory, h = encoder.predict(source, verbose=0)
    >>> logits, memory, h = decoder.predict([target[:, :1], memory, h], verbose=0)
    >>> tuple(logits.shape), tuple(memory.shape), tuple(h.shape)
    ((2, 1, 11), (2, 5, 8), (2, 8))
    """
    import keras

    vocab_size = check_int("vocab_size", vocab_size, min_value=1, max_value=MAX_VOCABULARY)
    embed_dim = check_int("embed_dim", embed_dim, min_value=1, max_value=MAX_UNITS)
    units = check_int("units", units, min_value=1, max_value=MAX_UNITS)
    check_choice("attention", attention, tuple(ATTENTION_LAYERS))

    source = keras.Input((None,), dtype="int32", name="source")
    source_vectors = keras.layers.Embedding(vocab_size, embed_dim, name="encoder_embedding")(source)
    memory, state = keras.layers.GRU(units, return_sequences=True, return_state=True, name="encoder")(source_vectors)

    target_embedding = keras.layers.Embedding(vocab_size, embed_dim, name="decoder_embedding")
    decoder_layer = keras.layers.GRU(units, return_sequences=True, return_state=True, name="decoder")
    query_layer = keras.layers.Dense(units, use_bias=False, name="query")
    key_layer = keras.layers.Dense(units, use_bias=False, name="key")
    attention_layer = getattr(keras.layers, ATTENTION_LAYERS[attention])(name="attention")
    join = keras.layers.Concatenate(name="join")
    classifier = keras.layers.Dense(vocab_size, name="classifier")

    def decode(tokens, memory, state):
        outputs, new_state = decoder_layer(target_embedding(tokens), initial_state=state)
        query, keys = query_layer(outputs), key_layer(memory)
        context, _ = attention_layer([query, memory, keys], return_attention_scores=True)
        return classifier(join([outputs, context])), new_state

    target = keras.Input((None,), dtype="int32", name="target_input")
    logits, _ = decode(target, memory, state)
    model = keras.Model([source, target], logits, name=f"{attention}_attention")
    encoder = keras.Model(source, [memory, state], name="encoder_model")

    step_memory = keras.Input((None, units), name="encoder_outputs")
    step_state = keras.Input((units,), name="state_0")
    step_logits, new_state = decode(target, step_memory, step_state)
    passed = keras.layers.Identity(name="encoder_outputs_out")(step_memory)
    decoder = keras.Model([target, step_memory, step_state], [step_logits, passed, new_state], name="decoder_model")
    return model, encoder, decoder


def self_attention_model(vocab_size, max_length, embed_dim=32, num_heads=2):
    """Build a model that writes every output position at once with self-attention, and no recurrence.

    Each source token becomes its embedding plus an embedding of its
    position (attention by itself does not know the order); one
    `keras.layers.MultiHeadAttention` lets every position look at every
    other, a residual connection keeps the token, and a Dense layer
    predicts the output token at each position. For a task whose answer has
    the source's length (such as reversal) that is enough: there is no
    decoder loop. A Transformer stacks such layers, with feed-forward
    blocks, normalisation and a causal decoder.

    Args:
        vocab_size: int from 1 to 1,000,000, token ids read and predicted.
        max_length: int from 1 to 100,000, the longest source the position embedding knows.
        embed_dim: int from 1 to 4,096, the size of each token's and position's vector.
        num_heads: int from 1 to 64, the attention heads (each with key_dim embed_dim // num_heads, at least 1).

    Returns:
        A `keras.Model` mapping source tokens (batch_size, timesteps) to
        logits (batch_size, timesteps, vocab_size); its layer named
        "self_attention" is the `MultiHeadAttention`.

    Example:
    >>> model = self_attention_model(11, max_length=8)
    >>> tuple(model(np.ones((2, 8), "int32")).shape)
    (2, 8, 11)
    """
    import keras

    vocab_size = check_int("vocab_size", vocab_size, min_value=1, max_value=MAX_VOCABULARY)
    max_length = check_int("max_length", max_length, min_value=1, max_value=100_000)
    embed_dim = check_int("embed_dim", embed_dim, min_value=1, max_value=MAX_UNITS)
    num_heads = check_int("num_heads", num_heads, min_value=1, max_value=64)
    source = keras.Input((None,), dtype="int32", name="source")
    positions = keras.ops.cumsum(keras.ops.ones_like(source), axis=1) - 1  # 0, 1, 2, ... along each row
    tokens = keras.layers.Embedding(vocab_size, embed_dim, name="token_embedding")(source)
    where = keras.layers.Embedding(max_length, embed_dim, name="position_embedding")(positions)
    x = keras.layers.Add(name="tokens_and_positions")([tokens, where])
    attended = keras.layers.MultiHeadAttention(num_heads, max(1, embed_dim // num_heads), name="self_attention")(x, x)
    x = keras.layers.Add(name="residual")([x, attended])
    return keras.Model(source, keras.layers.Dense(vocab_size, name="classifier")(x), name="self_attention_model")


def greedy_decode(decoder, states, length, start_token=0):
    """Write `length` tokens, each time the one the decoder finds most probable.

    Args:
        decoder: a one-step decoder: a Keras model (or any callable) mapping
            [tokens (batch_size, 1), *states] to [logits (batch_size, 1,
            vocab_size), *new states], as `rnnedu.models.encoder_decoder`
            and `attention_encoder_decoder` return.
        states: list of arrays whose first axis is batch_size (what the encoder returned).
        length: int from 1 to 1,000, tokens to write.
        start_token: int >= 0, the token fed at the first step.

    Returns:
        (tokens, scores): int32 array (batch_size, length), and float64
        array (batch_size,): the sum of the log-probabilities (natural
        logarithm) of the tokens written.

    Example:
    >>> from rnnedu.models import encoder_decoder
    >>> _, encoder, decoder = encoder_decoder(5, 5, units=4, layer="GRU")
    >>> tokens, scores = greedy_decode(decoder, [encoder(np.ones((3, 4), "int32"))], length=6)
    >>> tokens.shape, bool((scores < 0).all())
    ((3, 6), True)
    """
    states = _check_states(states)
    length = check_int("length", length, min_value=1, max_value=MAX_DECODE_LENGTH)
    start_token = check_int("start_token", start_token, min_value=0, max_value=MAX_VOCABULARY)
    rows = np.arange(len(states[0]))
    tokens = np.full(len(rows), start_token, dtype=np.int32)
    written, scores = [], np.zeros(len(rows))
    for _ in range(length):
        log_p, states = _step(decoder, tokens, states)
        tokens = log_p.argmax(axis=-1).astype(np.int32)
        scores += log_p[rows, tokens]
        written.append(tokens)
    return np.stack(written, axis=1), scores


def beam_search(decoder, states, length, beam_width=3, start_token=0):
    """Keep the `beam_width` most probable partial answers at every step; return the best full one.

    Each step extends every kept answer by every token, scores each
    extension by the sum of its log-probabilities, and keeps the
    `beam_width` best (ties go to the lower beam, then the lower token).
    With `beam_width=1` this is greedy decoding. A wider beam finds
    answers that greedy decoding misses when an early token that looks less
    probable leads to a more probable whole; it is not guaranteed to find
    the most probable answer, nor one at least as probable as greedy's
    (the greedy prefix can fall out of the beam), unless the beam holds
    every prefix (`beam_width` >= vocab_size ** (length - 1)).

    Args:
        decoder: a one-step decoder (see `greedy_decode`).
        states: list of arrays whose first axis is batch_size.
        length: int from 1 to 1,000, tokens to write.
        beam_width: int from 1 to 64; batch_size × beam_width <= 100,000.
        start_token: int >= 0, the token fed at the first step.

    Returns:
        (tokens, scores): int32 array (batch_size, length), the best answer
        found for each row, and float64 array (batch_size,), its sum of
        log-probabilities.

    Example:
    >>> from rnnedu.models import encoder_decoder
    >>> _, encoder, decoder = encoder_decoder(5, 5, units=4, layer="GRU")
    >>> states = [encoder(np.ones((3, 4), "int32"))]
    >>> greedy, greedy_scores = greedy_decode(decoder, states, length=6)
    >>> beam, beam_scores = beam_search(decoder, states, length=6, beam_width=1)
    >>> bool((beam == greedy).all())
    True
    """
    states = _check_states(states)
    length = check_int("length", length, min_value=1, max_value=MAX_DECODE_LENGTH)
    beam_width = check_int("beam_width", beam_width, min_value=1, max_value=MAX_BEAM_WIDTH)
    start_token = check_int("start_token", start_token, min_value=0, max_value=MAX_VOCABULARY)
    batch_size = len(states[0])
    if batch_size * beam_width > MAX_DECODE_ROWS:
        raise ValueError(
            f"`beam_width` × batch_size must be <= {MAX_DECODE_ROWS:,}, got {beam_width} × {batch_size}; "
            "decode the batch in parts."
        )
    rows = np.repeat(np.arange(batch_size), beam_width)
    states = [state[rows] for state in states]
    scores = np.full((batch_size, beam_width), -np.inf)
    scores[:, 0] = 0.0  # one live beam at the start: the others would only repeat it
    written = np.zeros((batch_size, beam_width, 0), dtype=np.int32)
    tokens = np.full(batch_size * beam_width, start_token, dtype=np.int32)
    for _ in range(length):
        log_p, states = _step(decoder, tokens, states)
        vocab_size = log_p.shape[-1]
        total = (scores[:, :, None] + log_p.reshape(batch_size, beam_width, vocab_size)).reshape(batch_size, -1)
        best = np.argsort(-total, axis=1, kind="stable")[:, :beam_width]
        beam, token = np.divmod(best, vocab_size)
        scores = np.take_along_axis(total, best, axis=1)
        written = np.concatenate([np.take_along_axis(written, beam[:, :, None], axis=1), token[:, :, None]], axis=2)
        keep = (np.arange(batch_size)[:, None] * beam_width + beam).ravel()
        states = [state[keep] for state in states]
        tokens = token.ravel().astype(np.int32)
    first = np.argmax(scores, axis=1)
    picked = np.arange(batch_size)
    return written[picked, first].astype(np.int32), scores[picked, first]


def score_sequences(decoder, states, sequences, start_token=0):
    """Score given answers: the sum of the log-probabilities the decoder gives their tokens.

    Args:
        decoder: a one-step decoder (see `greedy_decode`).
        states: list of arrays whose first axis is batch_size.
        sequences: int array (batch_size, length) of token ids, one answer per row of `states`.
        start_token: int >= 0, the token fed at the first step.

    Returns:
        float64 array (batch_size,): log p(answer) under the decoder (natural logarithm).

    Example:
    >>> from rnnedu.models import encoder_decoder
    >>> _, encoder, decoder = encoder_decoder(5, 5, units=4, layer="GRU")
    >>> states = [encoder(np.ones((3, 4), "int32"))]
    >>> tokens, scores = greedy_decode(decoder, states, length=6)
    >>> bool(np.allclose(score_sequences(decoder, states, tokens), scores))
    True
    """
    states = _check_states(states)
    sequences = np.asarray(sequences)
    if sequences.ndim != 2 or not np.issubdtype(sequences.dtype, np.integer) or sequences.shape[1] < 1:
        raise ValueError(f"`sequences` must be an int array (batch_size, length) of ids, got {describe(sequences)}.")
    if len(sequences) != len(states[0]) or sequences.shape[1] > MAX_DECODE_LENGTH or sequences.min() < 0:
        raise ValueError(
            f"`sequences` must hold one row of ids >= 0 per row of `states` ({len(states[0])}) and at most "
            f"{MAX_DECODE_LENGTH} columns, got shape {sequences.shape} with ids from {sequences.min()}."
        )
    start_token = check_int("start_token", start_token, min_value=0, max_value=MAX_VOCABULARY)
    tokens = np.full(len(sequences), start_token, dtype=np.int32)
    total = np.zeros(len(sequences))
    for t in range(sequences.shape[1]):
        log_p, states = _step(decoder, tokens, states)
        if sequences.max() >= log_p.shape[-1]:
            raise ValueError(f"`sequences` holds id {sequences.max()}, outside the decoder's {log_p.shape[-1]} tokens.")
        tokens = sequences[:, t].astype(np.int32)
        total += log_p[np.arange(len(tokens)), tokens]
    return total


def _step(decoder, tokens, states):
    """Run the decoder one step: (log-probabilities (rows, vocab_size) in float64, new states as arrays)."""
    outputs = decoder([tokens[:, None], *states])
    logits, *states = (np.asarray(output) for output in outputs)
    logits = logits.reshape(len(tokens), -1).astype(np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)), states


def _check_states(states):
    if not isinstance(states, (list, tuple)) or not states:
        raise TypeError(f"`states` must be a non-empty list of arrays (the encoder's outputs), got {describe(states)}.")
    arrays = [np.asarray(state) for state in states]
    if any(a.ndim < 1 for a in arrays) or len({len(a) for a in arrays}) != 1 or len(arrays[0]) < 1:
        shapes = [a.shape for a in arrays]
        raise ValueError(f"`states` must be arrays sharing their first axis (batch_size >= 1), got shapes {shapes}.")
    for i, a in enumerate(arrays):
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"`states[{i}]` must hold finite numbers; it has NaN or infinite values.")
    return arrays
