"""Exercises for notebooks/13_attention.ipynb: attention's weights, its shapes, and dot-product attention by hand."""

import numpy as np

from rnnedu.exercises import Exercise, expect

__all__ = ["q1", "q2", "q3"]


def _additive_weights():
    """The weights of keras.layers.AdditiveAttention() on 32-feature queries and keys."""
    import keras

    layer = keras.layers.AdditiveAttention()
    layer([keras.Input((5, 32)), keras.Input((7, 32))])
    return layer.count_params()


def _weights_shape():
    """The shape of the attention weights of the notebook's model: 4 strings of 9 digits, answers of 9."""
    import keras

    from rnnedu.attention import attention_encoder_decoder

    model, _, _ = attention_encoder_decoder(11, embed_dim=16, units=32, attention="dot")
    _, weights = model.get_layer("attention").output
    probe = keras.Model(model.inputs, weights)
    tokens = np.ones((4, 9), "int32")
    return tuple(int(d) for d in probe.predict([tokens, tokens], verbose=0).shape)


def _check_attend(answer):
    import keras

    if not callable(answer):
        return f"expected a function attend(query, keys, values), got {type(answer).__name__}."
    rng = np.random.default_rng(0)
    query, keys, values = (rng.normal(size=shape).astype("float32") for shape in ((2, 3, 4), (2, 5, 4), (2, 5, 6)))
    try:
        given = np.asarray(answer(query, keys, values), dtype=np.float64)
    except Exception as error:  # the learner's function may fail in many ways
        return f"calling your function on query (2, 3, 4), keys (2, 5, 4), values (2, 5, 6) raised {error!r}"
    if given.shape != (2, 3, 6):
        return (
            f"it returns shape {given.shape}; for a query (2, 3, 4) and values (2, 5, 6) the context has one row "
            "per query step and the values' features: (2, 3, 6)."
        )
    expected = np.asarray(keras.layers.Attention()([query, values, keys]))
    if np.allclose(given, expected, atol=1e-4):
        return None
    if np.allclose(given, np.broadcast_to(values.mean(axis=1, keepdims=True), given.shape), atol=1e-4):
        return "every row is the plain mean of the values: did the softmax of the scores weight them?"
    scores = query @ keys.transpose(0, 2, 1)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    if np.allclose(given, weights @ values, atol=1e-4):
        return "the softmax must run over the source steps (the last axis of the scores), not over the query steps."
    return "the context is not keras.layers.Attention's: softmax(query · keysᵀ) over the source steps, times values."


q1 = Exercise(
    title="What attention learns",
    question="keras.layers.Attention() has no weights at all. How many has keras.layers.AdditiveAttention() "
    "when its queries and keys have 32 features?",
    checker=expect(_additive_weights),
    hint="Its score is the sum over features of scale · tanh(query + key): the only weight is `scale` "
    "(use_scale=True), one number per feature.",
    solution="32: layer = keras.layers.AdditiveAttention(); layer([query, key]); layer.count_params()  # 32\n"
    "The projections W·q and U·k of Bahdanau's score are the notebook's Dense layers 'query' and 'key'.",
)

q2 = Exercise(
    title="The alignment's shape",
    question="The notebook's model (attention='dot', units=32) reads 4 strings of 9 digits with a target "
    "input of 9 tokens. What shape have the attention weights it returns? Answer with a tuple.",
    checker=expect(_weights_shape),
    hint="One row per decoder step (batch_size, target steps, ...), one weight per source step in each row.",
    solution="(4, 9, 9): batch_size, decoder steps, source steps; each row sums to 1.",
)

q3 = Exercise(
    title="Dot-product attention by hand",
    question="Write a function `attend(query, keys, values)` in NumPy for arrays (batch_size, Tq, d), "
    "(batch_size, Tv, d) and (batch_size, Tv, features) that returns the context keras.layers.Attention() "
    "computes (no scale, no mask), and pass the function itself to `check`.",
    checker=_check_attend,
    hint="scores = query @ keys.transpose(0, 2, 1); softmax over the last axis (the source steps); weights @ values.",
    solution="def attend(query, keys, values):\n"
    "    scores = query @ keys.transpose(0, 2, 1)  # (batch_size, Tq, Tv)\n"
    "    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
    "    weights /= weights.sum(axis=-1, keepdims=True)\n"
    "    return weights @ values",
)
