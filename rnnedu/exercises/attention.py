"""Exercises for notebooks/13_attention.ipynb: attention's weights, its shapes, and dot-product attention by hand."""

import numbers

import numpy as np

from rnnedu.exercises import Exercise, Reflection, call_answer, expect

__all__ = ["q1", "q2", "q3", "r1"]


def _additive_weights():
    """The weights of keras.layers.AdditiveAttention() on 32-feature queries and keys."""
    import keras

    layer = keras.layers.AdditiveAttention()
    layer([keras.Input((5, 32)), keras.Input((7, 32))])
    return layer.count_params()


def _check_additive_weights(answer):
    problem = expect(_additive_weights)(answer)
    if problem is None or isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return problem
    if answer == 0:
        return f"{problem} Attention() has none, but AdditiveAttention() learns a `scale` (use_scale=True by default)."
    if answer >= 32 * 32:
        return (
            f"{problem} Did you count Bahdanau's matrices W and U? Keras's AdditiveAttention has none: the "
            "notebook's Dense layers 'query' and 'key' project before it."
        )
    return problem


def _weights_shape():
    """The shape of the attention weights of the notebook's model: 4 strings of 9 digits, answers of 9."""
    import keras

    from rnnedu.attention import attention_encoder_decoder

    model, _, _ = attention_encoder_decoder(11, embed_dim=16, units=32, attention="dot")
    _, weights = model.get_layer("attention").output
    probe = keras.Model(model.inputs, weights)
    tokens = np.ones((4, 9), "int32")
    return tuple(int(d) for d in probe.predict([tokens, tokens], verbose=0).shape)


def _softmax_over(scores, axis):
    weights = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return weights / weights.sum(axis=axis, keepdims=True)


def _check_attend(answer):
    import keras

    if not callable(answer):
        return f"expected a function attend(query, keys, values), got {type(answer).__name__}."
    rng = np.random.default_rng(0)
    query, keys, values = (rng.normal(size=shape).astype("float32") for shape in ((2, 3, 4), (2, 5, 4), (2, 5, 6)))
    given = call_answer(
        "calling your function on query (2, 3, 4), keys (2, 5, 4) and values (2, 5, 6)",
        lambda: np.asarray(answer(query, keys, values), dtype=np.float64),
    )
    if given.shape != (2, 3, 6):
        return (
            f"it returns shape {given.shape}; for a query (2, 3, 4) and values (2, 5, 6) the context has one row "
            "per query step and the values' features: (2, 3, 6)."
        )
    if np.allclose(given, np.asarray(keras.layers.Attention()([query, values, keys])), atol=1e-4):
        return None
    scores = query @ keys.transpose(0, 2, 1)
    if np.allclose(given, np.broadcast_to(values.mean(axis=1, keepdims=True), given.shape), atol=1e-4):
        return "every row is the plain mean of the values: did the softmax of the scores weight them?"
    if np.allclose(given, _softmax_over(scores, axis=1) @ values, atol=1e-4):
        return "the softmax must run over the source steps (the last axis of the scores), not over the query steps."
    if np.allclose(given, _softmax_over(scores / np.sqrt(4), axis=-1) @ values, atol=1e-4):
        return "keras.layers.Attention() does not divide the scores by √d as the Transformer does: leave them unscaled."
    return "the context is not keras.layers.Attention's: softmax(query · keysᵀ) over the source steps, times values."


q1 = Exercise(
    title="What attention learns",
    question="keras.layers.Attention() has no weights at all. How many has keras.layers.AdditiveAttention() "
    "when its queries and keys have 32 features?",
    checker=_check_additive_weights,
    hints=[
        "Its score is the sum over features of scale · tanh(query + key): which of these is learned?",
        "The only weight is `scale` (use_scale=True by default), one number per feature of the keys.",
    ],
    solution="answer = 32  # one `scale` per feature; check: layer = keras.layers.AdditiveAttention(),\n"
    "# layer([keras.Input((5, 32)), keras.Input((7, 32))]), layer.count_params(). The projections W·q and U·k\n"
    "# of Bahdanau's score are the notebook's Dense layers 'query' and 'key', outside the attention layer.",
)

q2 = Exercise(
    title="The alignment's shape",
    question="The notebook's model (attention='dot', units=32) reads 4 strings of 9 digits with a target "
    "input of 9 tokens. What shape have the attention weights it returns? Answer with a tuple.",
    checker=expect(_weights_shape),
    hints=[
        "There is one row of weights per decoder step, for each string of the batch.",
        "(batch_size, target steps, source steps): each row holds one weight per source step.",
    ],
    solution="answer = (4, 9, 9)  # batch_size, decoder steps, source steps; each row sums to 1",
)

q3 = Exercise(
    title="Dot-product attention by hand",
    question="Write a function `attend(query, keys, values)` in NumPy for arrays (batch_size, Tq, d), "
    "(batch_size, Tv, d) and (batch_size, Tv, features) that returns the context keras.layers.Attention() "
    "computes (no scale, no mask). Your answer is the function itself.",
    checker=_check_attend,
    hints=[
        "Score every query step against every key, turn each query step's scores into weights that sum to 1, "
        "then average the values with those weights.",
        "scores = query @ keys.transpose(0, 2, 1); a softmax over the last axis (the source steps); "
        "then weights @ values.",
    ],
    solution="import numpy as np\n\n\n"
    "def attend(query, keys, values):\n"
    "    scores = query @ keys.transpose(0, 2, 1)  # (batch_size, Tq, Tv)\n"
    "    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
    "    weights /= weights.sum(axis=-1, keepdims=True)\n"
    "    return weights @ values\n\n\n"
    "answer = attend",
)

r1 = Reflection(
    title="Where would attention look for addition?",
    question="Notebook 03's model added two numbers such as `47+38`. Give it attention: which source characters "
    "would you expect the decoder step that writes the tens digit of the answer to attend to? Why might its "
    "alignment not be one clean diagonal, as it is for reversal?",
    solution="To write a digit of a sum, the decoder needs the two digits of the same place value, one in each "
    "operand, and the carry from the place below. So each output step should attend to two or three source "
    "positions, counted from the right end of each operand. The operands' lengths vary, so those positions "
    "move from question to question (and with left-aligned answers, so does the step that writes the tens "
    "digit): the alignment is a pair of bands that depend on the input, not one fixed diagonal. The answer is "
    "written most significant digit first, while carries travel up from the least significant digit: to know "
    "whether the tens digit gets a carry, the step must also look at the units digits, so its weight spreads "
    "beyond the matching places. That is one reason some sequence-to-sequence addition models write the "
    "answer reversed, which makes each step local. Try it: train `attention_encoder_decoder` on notebook 03's "
    'task (with "=" as token 0, the token the view starts decoding from) and look with `attention_view`.',
)
