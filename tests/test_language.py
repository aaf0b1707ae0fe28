import collections
import math

import keras
import numpy as np
import pytest

from rnnedu import datasets, language
from rnnedu.language import (
    Vocabulary,
    bigram_bits,
    bits_per_char,
    char_language_model,
    generate,
    generate_batch,
    next_char_probabilities,
    training_windows,
    unigram_bits,
)


@pytest.fixture(scope="module")
def small_model():
    keras.utils.set_random_seed(3)
    vocabulary = Vocabulary.from_text("abcde ")
    model, step_model = char_language_model(vocabulary.vocab_size, embed_dim=4, units=6)
    return model, step_model, vocabulary


def test_vocabulary_encodes_and_decodes_every_character_of_the_text():
    text = "THE DEVIL, n.  A friend\n"
    vocabulary = Vocabulary.from_text(text)
    assert vocabulary.decode(vocabulary.encode(text)) == text
    assert vocabulary.vocab_size == len(set(text)) and list(vocabulary.chars) == sorted(set(text))


@pytest.mark.parametrize("text, message", [("", "at least one character"), ("abz", "'z' at position 2")])
def test_vocabulary_rejects_empty_text_and_unknown_characters(text, message):
    with pytest.raises(ValueError, match=message):
        Vocabulary("abc").encode(text)


def test_vocabulary_rejects_repeated_characters():
    with pytest.raises(ValueError, match=r"\['a'\] appear more than once"):
        Vocabulary("aba")


@pytest.mark.parametrize("length, timesteps, stride", [(10, 3, None), (10, 9, None), (50, 7, 2), (20, 4, 5)])
def test_training_windows_targets_are_the_inputs_shifted_by_one(length, timesteps, stride):
    ids = np.arange(length) * 3 % 11
    inputs, targets = training_windows(ids, timesteps, stride)
    starts = range(0, length - timesteps, stride or timesteps)
    assert inputs.tolist() == [ids[s : s + timesteps].tolist() for s in starts]
    assert targets.tolist() == [ids[s + 1 : s + timesteps + 1].tolist() for s in starts]


def test_bigram_bits_equals_counting_pairs_by_hand():
    train, test = "abracadabra", "cadabra"
    vocabulary = Vocabulary.from_text(train)
    pairs = collections.Counter(zip(train, train[1:]))
    firsts = collections.Counter(train[:-1])
    alpha, size = 0.5, vocabulary.vocab_size
    by_hand = -np.mean(
        [math.log2((pairs[(a, b)] + alpha) / (firsts[a] + alpha * size)) for a, b in zip(test, test[1:])]
    )
    ids = vocabulary.encode(test)
    assert bigram_bits(vocabulary.encode(train), ids[:-1], ids[1:], size, alpha) == pytest.approx(by_hand)


def test_unigram_bits_equals_counting_by_hand_and_tends_to_uniform():
    train = np.array([0, 0, 1, 2, 2, 2])
    by_hand = -np.mean([math.log2(3 / 9), math.log2(2 / 9)])  # counts + 1 = 3, 2, 4 over 9
    assert unigram_bits(train, [0, 1], 3, alpha=1.0) == pytest.approx(by_hand)
    assert unigram_bits(train, [0, 1], 3, alpha=1e9) == pytest.approx(math.log2(3))


def test_bits_per_char_equals_keras_cross_entropy_in_nats_over_ln2():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 7, 9)).astype("float32") * 3
    targets = rng.integers(0, 9, size=(4, 7))
    nats = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(targets, logits)
    assert bits_per_char(logits, targets) == pytest.approx(float(nats) / math.log(2), rel=1e-5)


def test_bits_per_char_of_a_model_equals_its_evaluate_loss(small_model):
    model, _, vocabulary = small_model
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, vocabulary.vocab_size, size=(2, 5, 12))
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    loss = model.evaluate(x, y, batch_size=5, verbose=0)
    assert bits_per_char(model.predict(x, verbose=0), y) == pytest.approx(loss / math.log(2), rel=1e-5)


@pytest.mark.parametrize("layer, units", [("GRU", 5), ("LSTM", 3), ("LSTM", 16)])
def test_step_model_fed_one_character_at_a_time_equals_the_training_model(layer, units):
    keras.utils.set_random_seed(0)
    model, step_model = char_language_model(7, embed_dim=3, units=units, layer=layer)
    tokens = np.random.default_rng(2).integers(0, 7, size=(2, 9)).astype("int32")
    whole = model.predict(tokens, verbose=0)
    states = [np.zeros((2, units), "float32")] * (2 if layer == "LSTM" else 1)
    steps = []
    for t in range(tokens.shape[1]):
        logits, *states = step_model.predict([tokens[:, t : t + 1], *states], verbose=0)
        steps.append(logits[:, 0])
    np.testing.assert_allclose(np.stack(steps, axis=1), whole, atol=1e-5)
    assert len(step_model.inputs) == len(states) + 1


def test_the_step_model_shares_the_training_models_weights():
    model, step_model = char_language_model(5, units=4)
    assert {id(w) for w in model.weights} == {id(w) for w in step_model.weights}


def test_temperature_one_is_keras_softmax_and_entropy_rises_with_temperature():
    logits = np.random.default_rng(4).normal(size=(6, 30)) * 2
    np.testing.assert_allclose(next_char_probabilities(logits), keras.ops.softmax(logits), atol=1e-6)
    entropies = []
    for temperature in (0.1, 0.3, 0.7, 1.0, 1.5, 3.0, 10.0):
        p = next_char_probabilities(logits, temperature)
        entropies.append(-np.sum(p * np.log2(p), axis=-1))
    assert np.all(np.diff(entropies, axis=0) > 0)
    assert np.all(entropies[-1] < math.log2(30)) and np.all(entropies[-1] > math.log2(30) - 0.1)


def test_top_k_keeps_the_k_most_probable_characters_renormalized():
    logits = np.log([0.1, 0.4, 0.05, 0.3, 0.15])
    p = next_char_probabilities(logits, top_k=3)
    assert np.flatnonzero(p).tolist() == [1, 3, 4]
    np.testing.assert_allclose(p[[1, 3, 4]], np.array([0.4, 0.3, 0.15]) / 0.85)


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan"), float("inf")])
def test_temperature_must_be_a_finite_positive_number(temperature):
    with pytest.raises(ValueError, match="`temperature` must be a finite number > 0.*greedy=True"):
        next_char_probabilities([0.0, 1.0], temperature)


def test_sampled_characters_follow_the_distribution_they_were_drawn_from(small_model):
    _, step_model, vocabulary = small_model
    generation = generate_batch(step_model, vocabulary, "ab", 1, temperatures=(1.7,) * 64, num_samples=64, seed=5)
    p = generation.probabilities[0, 0, 0]
    np.testing.assert_allclose(generation.probabilities[..., 0, :], np.broadcast_to(p, (64, 64, len(p))), atol=1e-6)
    counts = np.bincount(generation.ids.ravel(), minlength=len(p))
    expected = p * counts.sum()
    assert np.sum((counts - expected) ** 2 / expected) < 25  # chi-square, 5 degrees of freedom: p < 0.001


def test_greedy_takes_the_most_probable_character_and_ignores_temperature(small_model):
    _, step_model, vocabulary = small_model
    generation = generate_batch(step_model, vocabulary, "abc", 12, temperatures=(0.3, 3.0), greedy=True)
    np.testing.assert_array_equal(generation.ids, generation.probabilities.argmax(axis=-1))
    assert generation.texts[0] == generation.texts[1]


def test_chosen_and_entropy_describe_each_draw(small_model):
    _, step_model, vocabulary = small_model
    generation = generate_batch(step_model, vocabulary, "a", 8, temperatures=(0.5, 1.0, 2.0), num_samples=2)
    p = generation.probabilities
    chosen = p[np.arange(3)[:, None, None], np.arange(2)[None, :, None], np.arange(8), generation.ids]
    np.testing.assert_allclose(generation.chosen, chosen)
    assert np.all(np.diff(generation.entropy.mean(axis=(1, 2))) > 0)


def test_generate_continues_the_prompt_with_characters_of_the_vocabulary(small_model):
    _, step_model, vocabulary = small_model
    text = generate(step_model, vocabulary, "abc", length=30, temperature=0.8, top_k=3, seed=1)
    assert len(text) == 30 and set(text) <= set(vocabulary.chars)
    assert text == generate(step_model, vocabulary, "abc", length=30, temperature=0.8, top_k=3, seed=1)


@pytest.mark.parametrize(
    "changes, error, message",
    [
        ({"prompt": ""}, ValueError, "`prompt` must be a string of at least one character"),
        ({"prompt": "abz"}, ValueError, "'z' at position 2, a character outside the vocabulary"),
        ({"temperature": 0}, ValueError, "`temperature` must be a finite number > 0"),
        ({"top_k": 0}, ValueError, "`top_k` must be an integer >= 1 and <= 6"),
        ({"length": 10**6}, ValueError, "`length` must be an integer >= 1 and <= 10000"),
    ],
)
def test_generate_rejects_bad_input_clearly(small_model, changes, error, message):
    _, step_model, vocabulary = small_model
    with pytest.raises(error, match=message):
        generate(step_model, vocabulary, **({"prompt": "ab", "length": 3} | changes))


def test_the_devils_dictionary_is_split_at_an_entry():
    train_text, test_text = datasets.load_devils_dictionary()
    assert len(train_text) + len(test_text) == 380_595
    assert train_text.endswith("\n\n") and test_text.split(",")[0].isupper()
    assert 0.09 < len(test_text) / (len(train_text) + len(test_text)) < 0.11


def test_the_pretrained_model_beats_the_bigram_baseline_on_held_out_text():
    model, _, vocabulary, history = language.load_pretrained()
    train_text, test_text = datasets.load_devils_dictionary()
    x, y = training_windows(vocabulary.encode(test_text), 100)
    model_bits = bits_per_char(model.predict(x, verbose=0), y)
    baseline = bigram_bits(vocabulary.encode(train_text), x, y, vocabulary.vocab_size)
    assert model_bits < baseline - 0.5
    assert model_bits == pytest.approx(history["val_bits"].iloc[-1], abs=1e-3)


def test_language_model_exercises_accept_the_solutions_and_explain_mistakes():
    from rnnedu.exercises import language_models as ex

    assert ex.q1.evaluate(round(math.log2(83), 3)).passed and not ex.q1.evaluate(math.log2(83) / 2).passed
    assert ex.q2.evaluate(22_467).passed and "too low" in ex.q2.evaluate(21_000).reason
    assert ex.q4.evaluate(4.0).passed and not ex.q4.evaluate(2.0).passed

    def softmax_at(logits, temperature):
        z = np.asarray(logits) / temperature
        z = z - z.max(axis=-1, keepdims=True)
        return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)

    assert ex.q3.evaluate(softmax_at).passed
    result = ex.q3.evaluate(lambda logits, temperature: softmax_at(logits, 1 / temperature))
    assert not result.passed and "divide the logits by the temperature" in result.reason
    result = ex.q3.evaluate(lambda logits, temperature: np.exp(logits / temperature))
    assert not result.passed and "each row must sum to 1" in result.reason
