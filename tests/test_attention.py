"""rnnedu.attention: the models agree with themselves step by step, and decoding finds what it should."""

import itertools

import keras
import numpy as np
import pytest

from rnnedu.attention import (
    attention_encoder_decoder,
    beam_search,
    greedy_decode,
    score_sequences,
    self_attention_model,
)
from rnnedu.datasets import REVERSAL_CHARS, reversal_problems
from rnnedu.models import encoder_decoder


@pytest.fixture(scope="module", params=["additive", "dot"])
def attention_models(request):
    keras.utils.set_random_seed(0)
    return attention_encoder_decoder(5, embed_dim=3, units=4, attention=request.param)


@pytest.fixture(scope="module")
def plain_models():
    keras.utils.set_random_seed(1)
    return encoder_decoder(4, 4, embed_dim=3, units=3, layer="GRU")


def shifted(tokens, start=0):
    return np.concatenate([np.full((len(tokens), 1), start, tokens.dtype), tokens[:, :-1]], axis=1)


def test_reversal_problems_are_seeded_reversed_and_use_the_digit_tokens():
    source, target = reversal_problems(50, 7, seed=3)
    again, _ = reversal_problems(50, 7, seed=3)
    other, _ = reversal_problems(50, 7, seed=4)
    assert source.shape == target.shape == (50, 7) and source.dtype == np.int32
    assert (source == again).all() and not (source == other).all()
    assert (target == source[:, ::-1]).all()
    assert source.min() >= 1 and source.max() == len(REVERSAL_CHARS) - 1 and REVERSAL_CHARS[0] == "="


def test_one_step_decoder_writes_what_the_training_model_computes_with_teacher_forcing(attention_models):
    model, encoder, decoder = attention_models
    rng = np.random.default_rng(0)
    source, target = rng.integers(1, 5, size=(3, 6)).astype("int32"), rng.integers(1, 5, size=(3, 4)).astype("int32")
    expected = np.asarray(model([source, shifted(target)]))
    memory, state = (np.asarray(s) for s in encoder(source))
    tokens = np.zeros((3, 1), "int32")
    for t in range(4):
        logits, memory_out, state = (np.asarray(o) for o in decoder([tokens, memory, state]))
        np.testing.assert_allclose(logits[:, 0], expected[:, t], atol=1e-5)
        np.testing.assert_array_equal(memory_out, memory)  # the encoder's outputs pass through unchanged
        tokens = target[:, t : t + 1]


def test_attention_weights_are_a_distribution_over_the_source_steps(attention_models):
    model, _, _ = attention_models
    _, weights = model.get_layer("attention").output
    probe = keras.Model(model.inputs, weights)
    scores = probe.predict([np.ones((2, 7), "int32"), np.ones((2, 3), "int32")], verbose=0)
    assert scores.shape == (2, 3, 7) and (scores >= 0).all()
    np.testing.assert_allclose(scores.sum(axis=-1), 1.0, atol=1e-5)


def test_self_attention_model_counts_its_parameters_like_keras_and_ignores_no_position():
    model = self_attention_model(11, max_length=6, embed_dim=8, num_heads=2)
    # token and position embeddings, MultiHeadAttention (query, key, value of 2 heads × 4, output), Dense
    expected = 11 * 8 + 6 * 8 + 3 * (8 * 2 * 4 + 2 * 4) + (2 * 4 * 8 + 8) + 8 * 11 + 11
    assert model.count_params() == expected
    tokens = np.full((1, 6), 3, "int32")  # the same token everywhere: only the positions tell the steps apart
    logits = np.asarray(model(tokens))[0]
    assert not np.allclose(logits[0], logits[-1])


def test_greedy_decode_writes_the_argmax_of_the_training_model_fed_its_own_answer(attention_models):
    model, encoder, decoder = attention_models
    source = np.random.default_rng(2).integers(1, 5, size=(4, 5)).astype("int32")
    tokens, scores = greedy_decode(decoder, list(encoder(source)), length=5)
    logits = np.asarray(model([source, shifted(tokens)]))
    np.testing.assert_array_equal(tokens, logits.argmax(axis=-1))
    log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(scores, np.take_along_axis(log_p, tokens[..., None], -1).sum(axis=(1, 2)), atol=1e-4)


def _random_decoder(seed, vocab_size, embed_dim, units, rows, length):
    """An untrained GRU encoder-decoder's one-step decoder, and its encoder's states for `rows` random sources."""
    keras.utils.set_random_seed(seed)
    _, encoder, decoder = encoder_decoder(vocab_size, vocab_size, embed_dim=embed_dim, units=units, layer="GRU")
    source = np.random.default_rng(seed).integers(0, vocab_size, size=(rows, length)).astype("int32")
    return decoder, [np.asarray(encoder(source))]


@pytest.mark.parametrize("seed", range(3))
def test_beam_of_width_one_is_greedy_decoding_exactly(seed):
    decoder, states = _random_decoder(seed, vocab_size=4, embed_dim=2, units=3, rows=50, length=3)
    greedy, greedy_scores = greedy_decode(decoder, states, length=5)
    beam, beam_scores = beam_search(decoder, states, length=5, beam_width=1)
    np.testing.assert_array_equal(beam, greedy)
    np.testing.assert_array_equal(beam_scores, greedy_scores)


def brute_force(decoder, states, vocab_size, length):
    """The most probable answer of each row, found by scoring every one of vocab_size ** length answers."""
    answers = np.array(list(itertools.product(range(vocab_size), repeat=length)), dtype=np.int32)
    best = []
    for row in range(len(states[0])):
        tiled = [np.repeat(s[row : row + 1], len(answers), axis=0) for s in states]
        scores = score_sequences(decoder, tiled, answers)
        best.append((answers[scores.argmax()], scores.max()))
    return np.array([a for a, _ in best]), np.array([s for _, s in best])


def test_a_beam_holding_every_prefix_finds_the_brute_force_optimum(plain_models):
    _, encoder, decoder = plain_models
    source = np.random.default_rng(5).integers(0, 4, size=(6, 3)).astype("int32")
    states = [np.asarray(encoder(source))]
    best, best_scores = brute_force(decoder, states, 4, 4)
    beam, beam_scores = beam_search(decoder, states, length=4, beam_width=4**3)
    np.testing.assert_array_equal(beam, best)
    np.testing.assert_allclose(beam_scores, best_scores, atol=1e-9)
    for width in (1, 2, 4):  # a narrower beam can only find answers as probable or less
        assert (beam_search(decoder, states, 4, beam_width=width)[1] <= best_scores + 1e-9).all()


def test_scores_are_the_log_probability_of_the_answer(plain_models):
    _, encoder, decoder = plain_models
    states = [np.asarray(encoder(np.ones((2, 3), "int32")))]
    answers = np.array(list(itertools.product(range(4), repeat=3)), dtype=np.int32)
    for row in range(2):
        tiled = [np.repeat(s[row : row + 1], len(answers), axis=0) for s in states]
        assert np.exp(score_sequences(decoder, tiled, answers)).sum() == pytest.approx(1.0, abs=1e-5)


def test_a_wider_beam_beats_or_ties_greedy_on_random_models():
    lower, higher, rows = 0, 0, 0
    for seed in range(4):
        decoder, states = _random_decoder(seed, vocab_size=5, embed_dim=3, units=4, rows=100, length=4)
        _, greedy_scores = greedy_decode(decoder, states, length=6)
        _, beam_scores = beam_search(decoder, states, length=6, beam_width=4)
        lower += int((beam_scores < greedy_scores - 1e-9).sum())
        higher += int((beam_scores > greedy_scores + 1e-9).sum())
        rows += len(states[0])
    assert lower == 0 and higher > 0, (lower, higher, rows)


class Table:
    """A decoder from a table: the state is the answer so far, and each prefix has its own next-token probabilities."""

    def __init__(self, probabilities, start_token):
        self.probabilities, self.start_token = probabilities, start_token  # prefix (tuple) -> probabilities
        self.prefixes = [()]  # state i stands for the answer self.prefixes[i]

    def __call__(self, inputs):
        tokens, states = inputs
        prefixes = [self.prefixes[int(i)] for i in states]
        prefixes = [p if t == self.start_token else p + (int(t),) for p, t in zip(prefixes, tokens[:, 0])]
        logits = np.log([self.probabilities.get(p, [1 / 3] * 3) for p in prefixes])[:, None]
        for p in prefixes:
            if p not in self.prefixes:
                self.prefixes.append(p)
        return [logits, np.array([self.prefixes.index(p) for p in prefixes])]


def test_a_wider_beam_can_miss_what_greedy_finds():
    # Greedy: 0 (p 0.4), then its best child (0.34), then certainty: 0.4 · 0.34 = 0.136.
    # A beam of 2 keeps 0 and 1 after step 1; after step 2 it keeps (1, 0) and (1, 1), 0.15 each, over (0, 0),
    # 0.136; their children are uniform (1/3), so it ends at 0.05.
    table = {
        (): [0.4, 0.3, 0.3],
        (0,): [0.34, 0.33, 0.33],
        (1,): [0.5, 0.5 - 1e-9, 1e-9],
        (0, 0): [1.0 - 2e-9, 1e-9, 1e-9],
    }
    decoder = Table(table, start_token=9)
    states = [np.zeros(1, np.int64)]
    greedy, greedy_score = greedy_decode(decoder, states, length=3, start_token=9)
    beam, beam_score = beam_search(decoder, states, length=3, beam_width=2, start_token=9)
    assert greedy.tolist() == [[0, 0, 0]] and np.exp(greedy_score[0]) == pytest.approx(0.136, rel=1e-6)
    assert np.exp(beam_score[0]) == pytest.approx(0.05, rel=1e-6) and beam_score[0] < greedy_score[0]
    wide, wide_score = beam_search(decoder, states, length=3, beam_width=9, start_token=9)
    assert wide.tolist() == greedy.tolist() and wide_score[0] == pytest.approx(greedy_score[0])
