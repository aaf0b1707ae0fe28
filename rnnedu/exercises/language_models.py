"""Exercises for notebooks/12_language_models.ipynb: next-character prediction, bits per character, temperature."""

import numpy as np

from rnnedu.exercises import Exercise, Reflection, call_answer, expect

__all__ = ["q1", "q2", "q3", "q4", "r1"]


def _uniform_bits():
    from rnnedu.language import bits_per_char

    return round(bits_per_char(np.zeros((1, 83)), np.array([0])), 3)


def _live_model_params():
    from rnnedu.language import char_language_model

    model, _ = char_language_model(83, embed_dim=16, units=64, layer="GRU")
    return model.count_params()


def _check_temperature_function(answer):
    from rnnedu.language import next_char_probabilities

    if not callable(answer):
        return f"expected a function f(logits, temperature), got {type(answer).__name__}."
    logits = np.random.default_rng(0).normal(size=(3, 7)) * 2
    for temperature in (0.3, 1.0, 2.5):
        given = call_answer(
            f"calling your function on logits of shape (3, 7) at temperature {temperature}",
            lambda t=temperature: np.asarray(answer(logits, t), dtype=np.float64),
        )
        if given.shape != logits.shape:
            return f"it returns shape {given.shape} for logits of shape {logits.shape}; keep one probability per logit."
        if not np.allclose(given.sum(axis=-1), 1.0, atol=1e-5):
            return "each row must sum to 1: did you divide by the sum of the exponentials?"
        if not np.allclose(given, next_char_probabilities(logits, temperature), atol=1e-5):
            return (
                f"the rows sum to 1 but are not softmax(logits / temperature) at temperature {temperature}: "
                "did you divide the logits by the temperature (not multiply) before the softmax?"
            )
    return None


q1 = Exercise(
    title="Knowing nothing",
    question="A model that gives each of the 83 characters of the vocabulary the same probability: how many bits "
    "per character does it need (to 3 decimals)?",
    checker=expect(_uniform_bits),
    hints=[
        "Every character has probability 1/83; the bits are -log2 of that probability.",
        "-log2(1/83) = log2(83); round it to 3 decimals.",
    ],
    solution="import math\n\nanswer = round(math.log2(83), 3)  # 6.375: any model worth training must do better",
)

q2 = Exercise(
    title="The live model's size",
    question="How many parameters has the notebook's live model, char_language_model(83, embed_dim=16, units=64, "
    "layer='GRU')?",
    checker=expect(_live_model_params),
    hints=[
        "Embedding 83 × 16; GRU 3 × (64 × (16 + 64) + 2 × 64) with Keras's reset_after=True; Dense 64 × 83 + 83.",
        "1,328 for the Embedding; work out the GRU and the Dense, then add the three.",
    ],
    solution="answer = 83 * 16 + 3 * (64 * (16 + 64) + 2 * 64) + (64 * 83 + 83)  # 1,328 + 15,744 + 5,395 = 22,467",
)

q3 = Exercise(
    title="Temperature by hand",
    question="Write a function `f(logits, temperature)` that returns the probabilities to sample from at that "
    "temperature, one row per row of logits (no top-k).",
    checker=_check_temperature_function,
    hints=[
        "Divide the logits by the temperature, then apply a softmax along the last axis.",
        "z = logits / temperature; subtract z.max(axis=-1, keepdims=True) so exp cannot overflow; "
        "then exp(z) / exp(z).sum(axis=-1, keepdims=True).",
    ],
    solution="import numpy as np\n\n\n"
    "def f(logits, temperature):\n"
    "    z = np.asarray(logits) / temperature\n"
    "    z = z - z.max(axis=-1, keepdims=True)\n"
    "    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)\n\n\n"
    "answer = f",
)

q4 = Exercise(
    title="Perplexity",
    question="A model needs 2.0 bits per character on held-out text. Its perplexity, 2 ** bits, is the number of "
    "equally likely characters it is as unsure as. What is it?",
    checker=expect(lambda: float(2**2.0)),
    hints=[
        "Perplexity = 2 to the power of the bits per character.",
        "2 ** 2.0.",
    ],
    solution="answer = 2**2.0  # 4.0: as unsure as choosing among 4 characters",
)

r1 = Reflection(
    title="Carrying the state across windows",
    question="The held-out windows start from zero states, so the first characters of each window are predicted "
    "with almost no context. Would the bits per character fall if the step model carried its states from one "
    "window into the next, as the stateful layers of notebook 05 do? Where in each window would the gain be? "
    "Try it with `step_model`.",
    solution="Yes, it should fall, as long as the windows are read in their order in the text (carrying the "
    "state of an unrelated window would give wrong context, not more). The gain is concentrated in the first "
    "characters of each window, which a zero state predicts about as well as a unigram model; a few "
    "characters in, the model has built its own context and the carried state matters less. So the longer "
    "the windows, the smaller the overall gain. To measure it, feed the held-out text through `step_model` "
    "one character at a time with the states it returns, and compare the bits per character with the "
    "window-by-window figure.",
)
