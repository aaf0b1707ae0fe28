"""Exercises for notebooks/12_language_models.ipynb: next-character prediction, bits per character, temperature."""

import numpy as np

from rnnedu.exercises import Exercise, expect

__all__ = ["q1", "q2", "q3", "q4"]


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
        try:
            given = np.asarray(answer(logits, temperature), dtype=np.float64)
        except Exception as error:  # the learner's function may fail in many ways
            return f"calling your function on logits of shape (3, 7) raised {type(error).__name__}: {error}"
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
    "Knowing nothing",
    "A model that gives each of the 83 characters of the vocabulary the same probability: how many bits per "
    "character does it need (to 3 decimals)?",
    expect(_uniform_bits),
    "Every character has probability 1/83; the bits are -log2 of that probability.",
    "round(math.log2(83), 3)  # 6.375: any model worth training must do better than this",
)

q2 = Exercise(
    "The live model's size",
    "How many parameters has the notebook's live model, char_language_model(83, embed_dim=16, units=64, layer='GRU')?",
    expect(_live_model_params),
    "Embedding 83 × 16; GRU 3 × (64 × (16 + 64) + 2 × 64) with Keras's reset_after=True; Dense 64 × 83 + 83.",
    "model.count_params()  # 1,328 + 15,744 + 5,395 = 22,467",
)

q3 = Exercise(
    "Temperature by hand",
    "Write a function `f(logits, temperature)` that returns the probabilities to sample from at that "
    "temperature, one row per row of logits (no top-k).",
    _check_temperature_function,
    "Divide the logits by the temperature, then apply a softmax along the last axis (subtract the max first).",
    "def f(logits, temperature):\n"
    "    z = np.asarray(logits) / temperature\n"
    "    z = z - z.max(axis=-1, keepdims=True)\n"
    "    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)",
)

q4 = Exercise(
    "Perplexity",
    "A model needs 2.0 bits per character on held-out text. Its perplexity, 2 ** bits, is the number of equally "
    "likely characters it is as unsure as. What is it?",
    expect(lambda: float(2**2.0)),
    "Perplexity = 2 to the power of the bits per character.",
    "2 ** 2.0  # 4.0: as unsure as choosing among 4 characters",
)
