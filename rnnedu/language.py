"""Character-level language models: predict the next character, measure it in bits, and write with it.

* `Vocabulary`: the characters a model knows, and text ↔ token ids;
* `training_windows`: cut a long text into (input, target) windows, the
  target being the input shifted left by one character;
* `unigram_bits`, `bigram_bits`: what counting characters (or pairs) predicts,
  in bits per character, the baselines a model must beat;
* `bits_per_char`: the same measure for a model's logits;
* `char_language_model`: the training model (a prediction at every step,
  `return_sequences=True`) and a step model sharing its layers that carries
  its states from call to call, for generation;
* `next_char_probabilities`, `generate`, `generate_batch`: greedy, temperature
  and top-k sampling, one character at a time;
* `load_pretrained`: a model trained on The Devil's Dictionary by
  `python -m rnnedu.language train` and shipped in data/.
"""

import dataclasses
import math
import numbers

import numpy as np

from rnnedu._validate import MAX_UNITS, MAX_VOCABULARY, check_bool, check_choice, check_int, check_number, describe

RECURRENT = ("LSTM", "GRU")
MAX_LENGTH = 10_000  # the most characters one call of `generate` writes
MAX_TEMPERATURES = 64
PRETRAINED_WEIGHTS = "char_lm_devils_dictionary.weights.h5"
PRETRAINED_CURVE = "char_lm_devils_dictionary.csv"
# The pretrained model's settings; `python -m rnnedu.language train` trains with these.
PRETRAINED = {"embed_dim": 32, "units": 192, "layer": "GRU", "timesteps": 100, "batch_size": 64}

__all__ = [
    "PRETRAINED",
    "Generation",
    "Vocabulary",
    "bigram_bits",
    "bits_per_char",
    "char_language_model",
    "generate",
    "generate_batch",
    "load_pretrained",
    "next_char_probabilities",
    "train_pretrained",
    "training_windows",
    "unigram_bits",
]


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """The characters a model knows; token id i is `chars[i]`.

    Attributes:
        chars: str, every character once, in token-id order.

    Example:
    >>> vocabulary = Vocabulary.from_text("hello")
    >>> vocabulary.chars, vocabulary.vocab_size
    ('ehlo', 4)
    >>> vocabulary.encode("hole").tolist(), vocabulary.decode([1, 0])
    ([1, 3, 2, 0], 'he')
    """

    chars: str

    def __post_init__(self):
        if not isinstance(self.chars, str) or not self.chars:
            raise TypeError(f"`chars` must be a non-empty string of characters, got {describe(self.chars)}.")
        if len(set(self.chars)) != len(self.chars):
            repeated = sorted({c for c in self.chars if self.chars.count(c) > 1})
            raise ValueError(f"`chars` must hold each character once; {repeated} appear more than once.")

    @classmethod
    def from_text(cls, text):
        """The vocabulary of every character in `text`, sorted."""
        return cls("".join(sorted(set(_check_text("text", text)))))

    @property
    def vocab_size(self):
        """The number of characters, the size of the model's Embedding and of its last Dense layer."""
        return len(self.chars)

    def encode(self, text, name="text"):
        """Token ids of `text`, an int32 array; a character outside the vocabulary is a ValueError naming `name`."""
        _check_text(name, text)
        index = {char: i for i, char in enumerate(self.chars)}
        unknown = next((position for position, char in enumerate(text) if char not in index), None)
        if unknown is not None:
            raise ValueError(
                f"`{name}` holds {text[unknown]!r} at position {unknown}, a character outside the vocabulary "
                f"of {self.vocab_size} characters: {self.chars!r}."
            )
        return np.array([index[char] for char in text], dtype=np.int32)

    def decode(self, ids):
        """The text of a sequence of token ids."""
        ids = np.asarray(ids)
        if (
            ids.ndim != 1
            or not np.issubdtype(ids.dtype, np.integer)
            or ids.size
            and not (0 <= ids.min() and ids.max() < self.vocab_size)
        ):
            raise ValueError(f"`ids` must be a 1-D sequence of ints from 0 to {self.vocab_size - 1}, got {ids!r}.")
        return "".join(self.chars[i] for i in ids.tolist())


@dataclasses.dataclass(frozen=True)
class Generation:
    """Samples written by a language model, with the distribution each character was drawn from.

    Attributes:
        prompt: str, the text the model continued.
        temperatures: tuple of floats, one row of samples per temperature.
        texts: tuple (one per temperature) of tuples (one per sample) of the
            generated strings, without the prompt.
        ids: int32 array (temperatures, num_samples, length) of the
            generated token ids.
        probabilities: float32 array (temperatures, num_samples, length,
            vocab_size): the distribution each character was drawn from,
            after temperature and top-k.
        greedy: bool, whether each character was the most probable one.
        top_k: int or None, how many characters could be drawn at each step.
    """

    prompt: str
    temperatures: tuple
    texts: tuple
    ids: np.ndarray
    probabilities: np.ndarray
    greedy: bool
    top_k: object

    @property
    def chosen(self):
        """The probability each generated character had when it was drawn, (temperatures, num_samples, length)."""
        return np.take_along_axis(self.probabilities, self.ids[..., None], axis=-1)[..., 0]

    @property
    def entropy(self):
        """Entropy in bits of each distribution drawn from, (temperatures, num_samples, length)."""
        p = self.probabilities.astype(np.float64)
        return -np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0), axis=-1)


def training_windows(ids, timesteps, stride=None):
    """Cut a sequence of token ids into windows for next-character prediction.

    Window i reads `ids[start : start + timesteps]` and its target is the
    same stretch shifted by one, `ids[start + 1 : start + timesteps + 1]`:
    at every step the model is asked for the character that comes next.

    Args:
        ids: 1-D array of token ids, longer than `timesteps`.
        timesteps: int >= 1, the length of each window.
        stride: int >= 1, how far each window starts after the one before;
            None means `timesteps` (windows side by side, no overlap).

    Returns:
        (inputs, targets): int32 arrays of shape (windows, timesteps).

    Example:
    >>> inputs, targets = training_windows(np.arange(8), timesteps=3)
    >>> inputs.tolist(), targets.tolist()
    ([[0, 1, 2], [3, 4, 5]], [[1, 2, 3], [4, 5, 6]])
    """
    ids = _check_ids("ids", ids)
    timesteps = check_int("timesteps", timesteps, min_value=1, max_value=max(1, len(ids) - 1))
    stride = timesteps if stride is None else check_int("stride", stride, min_value=1)
    starts = np.arange(0, len(ids) - timesteps, stride)
    offsets = starts[:, None] + np.arange(timesteps)
    return ids[offsets].astype(np.int32), ids[offsets + 1].astype(np.int32)


def unigram_bits(train_ids, targets, vocab_size, alpha=1.0):
    """Bits per character of predicting every character by its frequency in the training text.

    The unigram model ignores context: P(c) = (count(c) + alpha) /
    (N + alpha × vocab_size). `alpha` > 0 (add-alpha smoothing) keeps a
    character never seen in training from costing infinitely many bits.

    Args:
        train_ids: 1-D array of token ids the counts come from.
        targets: array of token ids to predict (any shape).
        vocab_size: int >= 1.
        alpha: number > 0, the count added to every character.

    Returns:
        float, the mean of -log2 P(target) over all targets.

    Example:
    >>> round(unigram_bits([0, 0, 0, 1], [0, 1], vocab_size=2, alpha=1.0), 4)  # P = 4/6 and 2/6
    1.085
    """
    train_ids, targets, vocab_size, alpha = _check_counts(train_ids, targets, vocab_size, alpha)
    counts = np.bincount(train_ids, minlength=vocab_size) + alpha
    return _mean_bits(np.log(counts / counts.sum())[targets])


def bigram_bits(train_ids, inputs, targets, vocab_size, alpha=1.0):
    """Bits per character of predicting each character from the one before it, by counting pairs.

    P(c | previous) = (count(previous, c) + alpha) / (count(previous) +
    alpha × vocab_size), counted over neighbouring characters of the
    training text.

    Args:
        train_ids: 1-D array of token ids the pair counts come from.
        inputs: array of token ids, the previous characters.
        targets: array of token ids of the same shape, the characters to predict.
        vocab_size: int >= 1.
        alpha: number > 0, the count added to every pair.

    Returns:
        float, the mean of -log2 P(target | input).

    Example:
    >>> round(bigram_bits([0, 1, 0, 1, 0], [0, 1], [1, 0], vocab_size=2, alpha=1.0), 4)  # P = 3/4 twice
    0.415
    """
    train_ids, targets, vocab_size, alpha = _check_counts(train_ids, targets, vocab_size, alpha)
    inputs = _check_ids("inputs", inputs, vocab_size, flat=False)
    if inputs.shape != targets.shape:
        raise ValueError(f"`inputs` and `targets` must have the same shape, got {inputs.shape} and {targets.shape}.")
    counts = np.full((vocab_size, vocab_size), alpha, dtype=np.float64)
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    log_p = np.log(counts / counts.sum(axis=1, keepdims=True))
    return _mean_bits(log_p[inputs, targets])


def bits_per_char(logits, targets):
    """Bits per character of a model's predictions: the mean of -log2 softmax(logits)[target].

    It is the sparse categorical cross-entropy that Keras reports, divided by
    ln 2 (Keras measures it in nats).

    Args:
        logits: float array (..., vocab_size), the model's outputs before softmax.
        targets: int array of the same shape without the last axis.

    Returns:
        float.

    Example:
    >>> round(bits_per_char(np.zeros((1, 2, 4)), np.array([[0, 3]])), 4)  # uniform over 4: 2 bits
    2.0
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim < 1 or not np.all(np.isfinite(logits)):
        raise ValueError(f"`logits` must be a finite float array (..., vocab_size), got shape {logits.shape}.")
    targets = _check_ids("targets", targets, logits.shape[-1], flat=False)
    if targets.shape != logits.shape[:-1]:
        raise ValueError(
            f"`targets` must have shape {logits.shape[:-1]} (the logits' without the last axis), got {targets.shape}."
        )
    log_p = logits - logits.max(axis=-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=-1, keepdims=True))
    return _mean_bits(np.take_along_axis(log_p, targets[..., None], axis=-1))


def char_language_model(vocab_size, embed_dim=32, units=128, layer="GRU"):
    """Build a character-level language model and a step model that shares its layers.

    Embedding → recurrent layer (return_sequences=True, return_state=True)
    → Dense(vocab_size): at every timestep the logits of the next character.

    Args:
        vocab_size: int >= 2, characters the model reads and predicts.
        embed_dim: int >= 1, the size of each character's vector.
        units: int >= 1, the recurrent layer's units.
        layer: "GRU" (one state, h) or "LSTM" (two, h and c).

    Returns:
        (model, step_model), two `keras.Model`s with the same layers and
        weights: `model` maps token ids (batch_size, timesteps) to logits
        (batch_size, timesteps, vocab_size), starting from zero states, for
        training; `step_model` maps [token ids, *states] to [logits,
        *new states], so a generator feeds it one character and the states
        it returned last time.

    Example:
    >>> model, step_model = char_language_model(vocab_size=5, units=8)
    >>> tokens = np.array([[1, 2, 3]], "int32")
    >>> tuple(model.predict(tokens, verbose=0).shape)
    (1, 3, 5)
    >>> logits, state = step_model.predict([tokens[:, :1], np.zeros((1, 8))], verbose=0)
    >>> tuple(logits.shape), tuple(state.shape)
    ((1, 1, 5), (1, 8))
    """
    import keras

    vocab_size = check_int("vocab_size", vocab_size, min_value=2, max_value=MAX_VOCABULARY)
    embed_dim = check_int("embed_dim", embed_dim, min_value=1, max_value=MAX_UNITS)
    units = check_int("units", units, min_value=1, max_value=MAX_UNITS)
    check_choice("layer", layer, RECURRENT)
    embedding = keras.layers.Embedding(vocab_size, embed_dim, name="embedding")
    recurrent = getattr(keras.layers, layer)(units, return_sequences=True, return_state=True, name="recurrent")
    classifier = keras.layers.Dense(vocab_size, name="next_char_logits")

    tokens = keras.Input((None,), dtype="int32", name="tokens")
    outputs, *_ = recurrent(embedding(tokens))
    model = keras.Model(tokens, classifier(outputs), name="char_language_model")

    states = [keras.Input((units,), name=name) for name in ("h", "c")[: 2 if layer == "LSTM" else 1]]
    step_outputs, *new_states = recurrent(embedding(tokens), initial_state=states)
    step_model = keras.Model([tokens, *states], [classifier(step_outputs), *new_states], name="step_model")
    return model, step_model


def next_char_probabilities(logits, temperature=1.0, top_k=None):
    """The distribution to draw the next character from: softmax(logits / temperature), kept to the top k.

    A temperature below 1 sharpens the distribution (towards always taking
    the most probable character), above 1 flattens it (towards uniform).
    With `top_k`, only the k most probable characters keep a probability,
    renormalized to sum to 1.

    Args:
        logits: float array (..., vocab_size).
        temperature: number > 0 (0 would divide by zero: use greedy decoding instead).
        top_k: None, or int from 1 to vocab_size.

    Returns:
        float64 array of the logits' shape; each row sums to 1.

    Example:
    >>> logits = np.log([0.5, 0.3, 0.2])
    >>> next_char_probabilities(logits, temperature=1.0).round(2).tolist()
    [0.5, 0.3, 0.2]
    >>> next_char_probabilities(logits, top_k=2).round(3).tolist()
    [0.625, 0.375, 0.0]
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim < 1 or logits.shape[-1] < 1 or not np.all(np.isfinite(logits)):
        raise ValueError(f"`logits` must be a finite float array (..., vocab_size), got shape {logits.shape}.")
    temperature = _check_temperature("temperature", temperature)
    scaled = logits / temperature
    if top_k is not None:
        top_k = check_int("top_k", top_k, min_value=1, max_value=logits.shape[-1])
        kth = np.sort(scaled, axis=-1)[..., -top_k, None]
        scaled = np.where(scaled >= kth, scaled, -np.inf)  # ties with the k-th are kept
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    weights = np.exp(scaled)
    return weights / weights.sum(axis=-1, keepdims=True)


def generate_batch(
    step_model, vocabulary, prompt, length, temperatures=(1.0,), num_samples=1, top_k=None, greedy=False, seed=0
):
    """Continue a prompt, one character at a time, for several temperatures and samples at once.

    The step model reads the prompt in one call; from then on each step feeds
    it the character just drawn and the states it returned, as notebooks 02,
    03 and 05 did by hand. All samples run side by side as one batch.

    Args:
        step_model: the step model of `char_language_model` (or any model
            mapping [token ids, *states] to [logits, *states]).
        vocabulary: the `Vocabulary` the model was trained with.
        prompt: str of at least one character, all in the vocabulary.
        length: int from 1 to 10,000, characters to write after the prompt.
        temperatures: non-empty sequence (at most 64) of numbers > 0.
        num_samples: int from 1 to 64, samples per temperature.
        top_k: None, or int from 1 to vocab_size.
        greedy: bool; True takes the most probable character every time
            (the temperature then changes nothing).
        seed: int >= 0 for numpy's random generator.

    Returns:
        `Generation`.

    Example:
    >>> vocabulary = Vocabulary.from_text("ab")
    >>> _, step_model = char_language_model(vocabulary.vocab_size, units=4)
    >>> generation = generate_batch(step_model, vocabulary, "ab", 5, temperatures=(0.5, 2.0), num_samples=3)
    >>> generation.ids.shape, len(generation.texts[1][2])
    ((2, 3, 5), 5)
    """
    if not isinstance(vocabulary, Vocabulary):
        raise TypeError(f"`vocabulary` must be an rnnedu.language.Vocabulary, got {describe(vocabulary)}.")
    prompt_ids = vocabulary.encode(prompt, name="prompt")
    length = check_int("length", length, min_value=1, max_value=MAX_LENGTH)
    temperatures = _check_temperatures(temperatures)
    num_samples = check_int("num_samples", num_samples, min_value=1, max_value=64)
    if top_k is not None:
        top_k = check_int("top_k", top_k, min_value=1, max_value=vocabulary.vocab_size)
    check_bool("greedy", greedy)
    rng = np.random.default_rng(check_int("seed", seed, min_value=0))
    rows = len(temperatures) * num_samples
    row_temperature = np.repeat(temperatures, num_samples)[:, None]
    states = [np.zeros((rows,) + tuple(s.shape[1:]), dtype="float32") for s in step_model.inputs[1:]]
    tokens = np.tile(prompt_ids, (rows, 1))
    ids = np.zeros((rows, length), dtype=np.int32)
    probabilities = np.zeros((rows, length, vocabulary.vocab_size), dtype=np.float32)
    for t in range(length):
        logits, states = _step(step_model, tokens, states)
        p = next_char_probabilities(logits / row_temperature, 1.0, top_k)
        chosen = p.argmax(axis=-1) if greedy else _draw(p, rng)
        ids[:, t], probabilities[:, t] = chosen, p
        tokens = chosen[:, None].astype(np.int32)
    shape = (len(temperatures), num_samples)
    texts = tuple(tuple(vocabulary.decode(row) for row in block) for block in ids.reshape(*shape, length))
    return Generation(
        prompt=prompt,
        temperatures=tuple(temperatures.tolist()),
        texts=texts,
        ids=ids.reshape(*shape, length),
        probabilities=probabilities.reshape(*shape, length, -1),
        greedy=greedy,
        top_k=top_k,
    )


def generate(step_model, vocabulary, prompt, length=200, temperature=1.0, top_k=None, greedy=False, seed=0):
    """Continue a prompt with a language model, one character at a time; return the new text.

    Args:
        step_model: the step model of `char_language_model`.
        vocabulary: the `Vocabulary` the model was trained with.
        prompt: str of at least one character, all in the vocabulary.
        length: int from 1 to 10,000, characters to write.
        temperature: number > 0.
        top_k: None, or int from 1 to vocab_size.
        greedy: bool, take the most probable character every time.
        seed: int >= 0.

    Returns:
        str of `length` characters (the prompt is not repeated).

    Example:
    >>> vocabulary = Vocabulary.from_text("abc")
    >>> _, step_model = char_language_model(vocabulary.vocab_size, units=4)
    >>> len(generate(step_model, vocabulary, "a", length=10))
    10
    """
    temperature = _check_temperature("temperature", temperature)
    generation = generate_batch(
        step_model, vocabulary, prompt, length, (temperature,), 1, top_k=top_k, greedy=greedy, seed=seed
    )
    return generation.texts[0][0]


def load_pretrained():
    """Load the language model trained on The Devil's Dictionary and shipped in data/.

    It was trained by `python -m rnnedu.language train` (see data/README.md);
    its weights are checked against data/SHA256SUMS before they are read.

    Returns:
        (model, step_model, vocabulary, history): the two models of
        `char_language_model` with the trained weights, the `Vocabulary`, and
        the training curve (a pandas DataFrame: epoch, loss_bits, val_bits, seconds).

    Example:
    >>> model, step_model, vocabulary, history = load_pretrained()
    >>> vocabulary.vocab_size, list(history.columns)
    (83, ['epoch', 'loss_bits', 'val_bits', 'seconds'])
    """
    import pandas as pd

    from rnnedu.datasets import DataFileError, load_devils_dictionary, verify

    train_text, test_text = load_devils_dictionary()
    vocabulary = Vocabulary.from_text(train_text + test_text)
    model, step_model = char_language_model(
        vocabulary.vocab_size, PRETRAINED["embed_dim"], PRETRAINED["units"], PRETRAINED["layer"]
    )
    path = verify(PRETRAINED_WEIGHTS)
    try:
        model.load_weights(path)
    except Exception as error:  # h5py and Keras raise many kinds for a file of the wrong model
        raise DataFileError(f"{path} does not hold this model's weights: {error}") from error
    return model, step_model, vocabulary, pd.read_csv(verify(PRETRAINED_CURVE))


def train_pretrained(epochs=20, seed=0, folder=None):
    """Train the model `load_pretrained` loads, and write its weights and training curve.

    Args:
        epochs: int >= 1.
        seed: int >= 0, for Keras and the window order.
        folder: where to write the two files; None means data/.

    Returns:
        pandas DataFrame of the training curve (epoch, loss_bits, val_bits, seconds).
    """
    import pathlib
    import time

    import keras
    import pandas as pd

    from rnnedu.datasets import data_dir, load_devils_dictionary

    epochs = check_int("epochs", epochs, min_value=1)
    keras.utils.set_random_seed(check_int("seed", seed, min_value=0))
    train_text, test_text = load_devils_dictionary()
    vocabulary = Vocabulary.from_text(train_text + test_text)
    timesteps, batch_size = PRETRAINED["timesteps"], PRETRAINED["batch_size"]
    x_train, y_train = training_windows(vocabulary.encode(train_text), timesteps)
    x_test, y_test = training_windows(vocabulary.encode(test_text), timesteps)
    model, _ = char_language_model(
        vocabulary.vocab_size, PRETRAINED["embed_dim"], PRETRAINED["units"], PRETRAINED["layer"]
    )
    steps = epochs * math.ceil(len(x_train) / batch_size)
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(0.005, decay_steps=steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    rows, start = [], time.monotonic()
    for epoch in range(1, epochs + 1):
        history = model.fit(x_train, y_train, batch_size=batch_size, epochs=1, verbose=2)
        val_bits = bits_per_char(model.predict(x_test, batch_size=256, verbose=0), y_test)
        loss_bits = history.history["loss"][0] / math.log(2)
        rows.append({"epoch": epoch, "loss_bits": loss_bits, "val_bits": val_bits, "seconds": time.monotonic() - start})
        print(f"epoch {epoch}: training {loss_bits:.3f} bits/char, held-out {val_bits:.3f} bits/char")
    folder = pathlib.Path(folder) if folder else data_dir()
    # An uncompiled copy: a compiled model's weights file would also hold the optimizer's state, three times the size.
    weights_only, _ = char_language_model(
        vocabulary.vocab_size, PRETRAINED["embed_dim"], PRETRAINED["units"], PRETRAINED["layer"]
    )
    weights_only.set_weights(model.get_weights())
    weights_only.save_weights(folder / PRETRAINED_WEIGHTS)
    curve = pd.DataFrame(rows)
    curve.to_csv(folder / PRETRAINED_CURVE, index=False, float_format="%.4f")
    return curve


def main(argv=None):
    """`python -m rnnedu.language train [--epochs N] [--folder DIR]`: train the shipped model."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m rnnedu.language", description=train_pretrained.__doc__)
    parser.add_argument("command", choices=["train"])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", help="where to write the weights and curve (default: data/)")
    args = parser.parse_args(argv)
    return train_pretrained(args.epochs, args.seed, args.folder)


def _step(step_model, tokens, states):
    outputs = step_model.predict_on_batch([tokens, *states])
    logits, *states = (np.asarray(o) for o in outputs)
    return logits[:, -1], states


def _draw(p, rng):
    """One index per row of `p`, drawn with those probabilities."""
    u = rng.random((len(p), 1))
    return np.minimum((np.cumsum(p, axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)


def _mean_bits(log_p):
    return float(-np.mean(log_p) / math.log(2))


def _check_text(name, text):
    if not isinstance(text, str) or not text:
        raise ValueError(f"`{name}` must be a string of at least one character, got {describe(text)}.")
    return text


def _check_temperature(name, value):
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    value = float(value) if real else value
    if real and not (math.isfinite(value) and value > 0):
        raise ValueError(
            f"`{name}` must be a finite number > 0, got {describe(value)}; for the most probable character "
            "every time, use greedy decoding (greedy=True) instead of temperature 0."
        )
    return check_number(name, value)


def _check_temperatures(values):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or not 1 <= len(values) <= MAX_TEMPERATURES:
        raise ValueError(
            f"`temperatures` must be a sequence of 1 to {MAX_TEMPERATURES} numbers, got {describe(values)}."
        )
    return np.array([_check_temperature(f"temperatures[{i}]", v) for i, v in enumerate(values)], dtype=np.float64)


def _check_ids(name, ids, vocab_size=None, flat=True):
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer) or (flat and ids.ndim != 1) or ids.size == 0:
        wanted = "a non-empty 1-D array" if flat else "a non-empty array"
        raise ValueError(f"`{name}` must be {wanted} of integer token ids, got {describe(ids)}.")
    if ids.min() < 0 or (vocab_size is not None and ids.max() >= vocab_size):
        top = "" if vocab_size is None else f" and < vocab_size = {vocab_size}"
        raise ValueError(f"`{name}` must hold token ids >= 0{top}; got values from {ids.min()} to {ids.max()}.")
    return ids


def _check_counts(train_ids, targets, vocab_size, alpha):
    vocab_size = check_int("vocab_size", vocab_size, min_value=1)
    train_ids = _check_ids("train_ids", train_ids, vocab_size)
    targets = _check_ids("targets", targets, vocab_size, flat=False)
    alpha = check_number("alpha", alpha)
    if not alpha > 0 or not math.isfinite(alpha):
        raise ValueError(f"`alpha` must be a finite number > 0 (add-alpha smoothing), got {describe(alpha)}.")
    return train_ids, targets, vocab_size, alpha


if __name__ == "__main__":
    main()
