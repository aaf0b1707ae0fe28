"""Datasets for the course: real data shipped in data/, and seeded generators.

The real data (a 5,000-image MNIST subset, the sunspot numbers and the text of
The Devil's Dictionary) lives in the repository's data/ folder, so every
notebook runs offline. Each file is checked against data/SHA256SUMS before it
is read, and read with allow_pickle=False. Benchmark results committed there
(`python -m rnnedu.bench kernels` and `scan` on a GPU) are read by
`load_kernel_results` and `load_scan_results`, and drawn by `plot_kernels` and `plot_scan`; the
lag sweeps of notebooks 11 and 14 (`python -m rnnedu.experiments lag` and `mingru`) by `load_lag_sweep`.
"""

import hashlib
import os
import pathlib
import socket

import numpy as np

from rnnedu._validate import (
    MAX_COUNT,
    MAX_TIMESTEPS,
    check_axes,
    check_bool,
    check_choice,
    check_int,
    check_number,
    check_total,
    describe,
)

__all__ = [
    "ATTENTION_COLUMNS",
    "KERNEL_COLUMNS",
    "LAG_COLUMNS",
    "PROVENANCE_COLUMNS",
    "REVERSAL_CHARS",
    "SCAN_COLUMNS",
    "DataFileError",
    "addition_problems",
    "bracket_depth",
    "data_dir",
    "delayed_recall",
    "load_attention_sweep",
    "load_devils_dictionary",
    "load_kernel_results",
    "load_lag_sweep",
    "load_scan_results",
    "load_mnist",
    "load_sunspots",
    "plot_kernels",
    "plot_scan",
    "reversal_problems",
    "solve_addition",
    "variable_length_sequences",
    "verify",
]

MNIST_URL_HOST = ("storage.googleapis.com", 443)
MAX_RECALL_SEQUENCES = 100_000  # delayed_recall: bounds on its sizes
MAX_RECALL_LAG = 1_000
MAX_REVERSAL_LENGTH = 1_000  # reversal_problems: the longest string
# The one home of the reversal task's vocabulary: token 0 is the decoder's start token "=", tokens 1-10 the digits.
REVERSAL_CHARS = "=0123456789"
RESTORE_HINT = (
    "Restore it with `git checkout -- data/{name}` in your clone of rnnedu "
    "(or rebuild it with `python data/make_data.py`); on Colab, re-run the notebook's setup cell."
)
# The columns of a kernel benchmark (`python -m rnnedu.bench kernels` writes them, `load_kernel_results` reads them).
KERNEL_COLUMNS = [
    "backend",
    "device",
    "layer",
    "timesteps",
    "batch_size",
    "units",
    "steps",
    "repeats",
    "fused_ms",
    "fused_p95_ms",
    "generic_ms",
    "generic_p95_ms",
    "speedup",
    "fused_cudnn",
]
SCAN_COLUMNS = [
    "backend",
    "device",
    "family",
    "timesteps",
    "batch_size",
    "features",
    "units",
    "steps",
    "repeats",
    "parallel_ms",
    "parallel_p95_ms",
    "sequential_ms",
    "sequential_p95_ms",
    "builtin_ms",
    "builtin_p95_ms",
    "builtin_cudnn",
    "sequential_over_parallel",
    "builtin_over_parallel",
]
PROVENANCE_COLUMNS = ["date", "hardware", "driver", "keras", "backend_version", "cudnn", "python"]
# The columns of the lag sweep (`python -m rnnedu.experiments lag` writes them, `load_lag_sweep` reads them).
LAG_COLUMNS = ["layer", "lag", "seed", "units", "epochs", "train_size", "test_size", "accuracy", "seconds"]
LAG_COLUMNS += ["command", "date", "machine", "load_average", "keras", "tensorflow", "numpy", "python"]
# The columns of the attention sweep (`python -m rnnedu.experiments attention` writes them).
ATTENTION_COLUMNS = ["model", "length", "seed", "units", "epochs", "train_size", "test_size", "params"]
ATTENTION_COLUMNS += ["accuracy", "char_accuracy", "seconds"] + LAG_COLUMNS[-8:]


class DataFileError(OSError):
    """A file in data/ is missing or does not match its recorded sha256."""


def data_dir():
    """Return the folder that holds the course's data files.

    It is the `data/` folder beside the `rnnedu` package in a clone of the
    repository, or the folder named by the environment variable RNNEDU_DATA.

    Returns:
        pathlib.Path of the data folder.

    Example:
    >>> (data_dir() / "SHA256SUMS").exists()
    True
    """
    folder = os.environ.get("RNNEDU_DATA")
    path = pathlib.Path(folder) if folder else pathlib.Path(__file__).resolve().parent.parent / "data"
    if not (path / "SHA256SUMS").is_file():
        raise DataFileError(
            f"No rnnedu data folder at {path} (it should hold SHA256SUMS and the .npz files). "
            "Work from a clone of the rnnedu repository, or set RNNEDU_DATA to its data/ folder."
        )
    return path


def verify(name):
    """Check one data file against its sha256 in data/SHA256SUMS.

    Args:
        name: str, the file's name inside data/, e.g. "mnist_5k.npz".

    Returns:
        pathlib.Path of the verified file.

    Raises:
        DataFileError: the file is missing or its content has changed; the
            message names the file and how to restore it.

    Example:
    >>> verify("sunspots.npz").name
    'sunspots.npz'
    """
    folder = data_dir()
    expected = _recorded_checksums(folder)
    check_choice("name", name, tuple(expected))
    path = folder / name
    if not path.is_file():
        raise DataFileError(f"Data file {path} is missing. " + RESTORE_HINT.format(name=name))
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != expected[name]:
        raise DataFileError(
            f"Data file {path} is corrupt: its sha256 is {actual}, expected {expected[name]}. "
            + RESTORE_HINT.format(name=name)
        )
    return path


def load_mnist(source="auto", timeout=5.0, verbose=True):
    """Load MNIST digits as (x_train, y_train), (x_test, y_test), like keras.datasets.

    With source="auto" it uses the full keras.datasets MNIST (60,000 + 10,000
    images) when Keras has it cached, or when it can be downloaded, and the
    5,000-image subset shipped in data/ otherwise (split 4,000 / 1,000, 10%
    of each digit held out). It never waits more than `timeout` seconds for
    the network, and makes no attempt at all when RNNEDU_OFFLINE=1.

    Args:
        source: "auto", "full" (keras.datasets, downloading if needed) or
            "subset" (the shipped 5,000 images).
        timeout: seconds to wait for the download server, > 0.
        verbose: bool, whether to print which data set was used.

    Returns:
        ((x_train, y_train), (x_test, y_test)): uint8 images of shape
        (n, 28, 28) with values 0-255, and uint8 labels 0-9.

    Example:
    >>> (x_train, y_train), (x_test, y_test) = load_mnist("subset", verbose=False)
    >>> x_train.shape, x_test.shape
    ((4000, 28, 28), (1000, 28, 28))
    """
    check_choice("source", source, ("auto", "full", "subset"))
    check_number("timeout", timeout, min_value=0.001)
    check_bool("verbose", verbose)
    if source == "auto" and (_mnist_cached() or _mnist_reachable(timeout)):
        try:
            return _load_full_mnist(timeout, verbose)
        except Exception as error:  # keras.utils.get_file wraps network errors in a bare Exception
            if verbose:
                print(f"Could not load the full MNIST ({error}); using the shipped subset instead.")
    elif source == "full":
        return _load_full_mnist(timeout, verbose)
    splits = _mnist_subset()
    if verbose:
        print("MNIST: the 5,000-image subset shipped in data/mnist_5k.npz (4,000 train / 1,000 test)")
    return splits


def load_sunspots(frequency="monthly"):
    """Load the mean sunspot numbers, a real time series with an ~11-year cycle.

    Args:
        frequency: "monthly" (1749-2008, 3,120 values) or "yearly"
            (1700-2008, 309 values).

    Returns:
        (time, values): float64 arrays; `time` in decimal years (a month is
        placed at its middle, e.g. 1749.04 for January 1749) and `values` the
        sunspot numbers.

    Example:
    >>> time, values = load_sunspots("yearly")
    >>> int(time[0]), len(values)
    (1700, 309)
    """
    check_choice("frequency", frequency, ("monthly", "yearly"))
    with np.load(verify("sunspots.npz"), allow_pickle=False) as data:
        if frequency == "yearly":
            return data["yearly_year"].astype(np.float64), data["yearly"]
        time = data["monthly_year"] + (data["monthly_month"] - 0.5) / 12.0
        return time, data["monthly"]


def load_devils_dictionary(test_fraction=0.1):
    """Load Ambrose Bierce's "The Devil's Dictionary" (1911, public domain) as training and held-out text.

    380,595 characters of ASCII: the entries ABASEMENT to ZOOLOGY, each a
    headword, its part of speech and a definition, some with verses. The
    held-out text is the end of the book, cut at the start of an entry, so
    no entry is split between the two.

    Args:
        test_fraction: number from 0.01 to 0.5, about how much of the text is held out.

    Returns:
        (train_text, test_text): two strings that join to the whole text.

    Example:
    >>> train_text, test_text = load_devils_dictionary()
    >>> train_text[:41]
    'ABASEMENT, n.  A decent and customary men'
    >>> len(train_text) + len(test_text), test_text[:8]
    (380595, 'TECHNICA')
    """
    test_fraction = check_number("test_fraction", test_fraction, min_value=0.01, max_value=0.5)
    text = verify("devils_dictionary.txt").read_bytes().decode("ascii")
    cut = text.index("\n\n", int(len(text) * (1 - test_fraction))) + 2
    return text[:cut], text[cut:]


def addition_problems(n, digits=2, seed=0):
    """Generate integer-addition questions and answers as character strings.

    A sequence-to-sequence task: read "35+7" one character at a time and
    write "42". Operands have 1 to `digits` digits.

    Args:
        n: number of problems, 1 to 1,000,000.
        digits: the most digits an operand has, 1-9.
        seed: int >= 0 for numpy's random generator.

    Returns:
        (questions, answers): two lists of `n` strings.

    Example:
    >>> questions, answers = addition_problems(3, digits=2, seed=1)
    >>> all(solve_addition(q) == int(a) for q, a in zip(questions, answers))
    True
    """
    n = check_int("n", n, min_value=1, max_value=MAX_COUNT)
    digits = check_int("digits", digits, min_value=1, max_value=9)
    rng = _rng(seed)
    a, b = rng.integers(0, 10**digits, size=(2, n))
    questions = [f"{x}+{y}" for x, y in zip(a.tolist(), b.tolist())]
    answers = [str(x + y) for x, y in zip(a.tolist(), b.tolist())]
    return questions, answers


def solve_addition(question):
    """Compute the answer to an addition question such as "35+7".

    Args:
        question: str, two non-negative integers joined by "+".

    Returns:
        int, their sum.

    Example:
    >>> solve_addition("35+7")
    42
    """
    if not isinstance(question, str) or question.count("+") != 1:
        raise ValueError(f"`question` must be a string like '35+7', got {question!r}.")
    left, right = question.split("+")
    if not (left.isdigit() and right.isdigit()):
        raise ValueError(f"`question` must be two non-negative integers joined by '+', got {question!r}.")
    return int(left) + int(right)


def variable_length_sequences(n, min_length=1, max_length=10, vocab_size=20, seed=0):
    """Generate token sequences of different lengths, for padding and masking.

    Tokens are 1 .. vocab_size-1; 0 is left free for padding. The label is 1
    when the sequence's mean token is above the middle of the vocabulary, so
    padding zeros that are not masked drag the mean down and change answers.

    Args:
        n: number of sequences, 1 to 1,000,000.
        min_length: shortest length, >= 0 (0 gives empty sequences).
        max_length: longest length, min_length to 100,000; n × max_length <= 50,000,000.
        vocab_size: number of token ids including the padding id 0, >= 2.
        seed: int >= 0.

    Returns:
        (sequences, labels): a list of `n` lists of ints, and an int64 array
        of `n` labels (0 or 1; an empty sequence gets 0).

    Example:
    >>> sequences, labels = variable_length_sequences(4, 2, 5, seed=0)
    >>> [2 <= len(s) <= 5 for s in sequences]
    [True, True, True, True]
    """
    n = check_int("n", n, min_value=1, max_value=MAX_COUNT)
    min_length = check_int("min_length", min_length, min_value=0, max_value=MAX_TIMESTEPS)
    max_length = check_int("max_length", max_length, min_value=min_length, max_value=MAX_TIMESTEPS)
    check_total("`n` × `max_length`", n * max_length)
    vocab_size = check_int("vocab_size", vocab_size, min_value=2, max_value=2**31 - 1)
    rng = _rng(seed)
    lengths = rng.integers(min_length, max_length + 1, size=n)
    sequences = [rng.integers(1, vocab_size, size=length).tolist() for length in lengths]
    labels = np.array([int(bool(s) and np.mean(s) > vocab_size / 2) for s in sequences], dtype=np.int64)
    return sequences, labels


def bracket_depth(n, timesteps=40, max_depth=4, seed=0):
    """Generate bracket strings and the nesting depth after every character.

    Token 0 is "(" and token 1 is ")". Every string is well nested at each
    prefix (the depth never goes below 0 nor above `max_depth`). A recurrent
    network that predicts the depth has to count, which makes the unit that
    tracks the count easy to find among its gates.

    Args:
        n: number of strings, 1 to 1,000,000.
        timesteps: length of each string, 1 to 100,000; n × timesteps <= 50,000,000.
        max_depth: the deepest nesting allowed, >= 1.
        seed: int >= 0.

    Returns:
        (tokens, depth): int64 arrays of shape (n, timesteps).

    Example:
    >>> tokens, depth = bracket_depth(1, timesteps=6, seed=3)
    >>> "".join("()"[t] for t in tokens[0]), depth[0].tolist()
    ('()(())', [1, 0, 1, 2, 1, 0])
    """
    n = check_int("n", n, min_value=1, max_value=MAX_COUNT)
    timesteps = check_int("timesteps", timesteps, min_value=1, max_value=MAX_TIMESTEPS)
    check_total("`n` × `timesteps`", n * timesteps)
    max_depth = check_int("max_depth", max_depth, min_value=1)
    rng = _rng(seed)
    tokens = np.zeros((n, timesteps), dtype=np.int64)
    depth = np.zeros((n, timesteps), dtype=np.int64)
    level = np.zeros(n, dtype=np.int64)
    for t in range(timesteps):
        close = rng.random(n) < 0.5
        close = np.where(level == 0, False, np.where(level == max_depth, True, close))
        level = level + np.where(close, -1, 1)
        tokens[:, t] = close
        depth[:, t] = level
    return tokens, depth


def load_kernel_results(name="kernels_h200.csv"):
    """Load a kernel benchmark that was run on a GPU and committed in data/.

    Args:
        name: str, the CSV's name in data/ (checked against data/SHA256SUMS).

    Returns:
        pandas.DataFrame with the columns KERNEL_COLUMNS and PROVENANCE_COLUMNS,
        as `python -m rnnedu.bench kernels` writes them.

    Example:
    >>> sorted(set(load_kernel_results()["backend"]))
    ['jax', 'torch']
    """
    return _load_results(name, KERNEL_COLUMNS + PROVENANCE_COLUMNS, "a kernel benchmark")


def load_scan_results(name="scan_h200.csv"):
    """Load a scan benchmark (minGRU/minLSTM against GRU/LSTM) that was run on a GPU and committed in data/.

    Args:
        name: str, the CSV's name in data/ (checked against data/SHA256SUMS).

    Returns:
        pandas.DataFrame with the columns SCAN_COLUMNS and PROVENANCE_COLUMNS,
        as `python -m rnnedu.bench scan` writes them.

    Example:
    >>> table = load_scan_results()
    >>> sorted(set(table["backend"])), sorted(set(table["timesteps"]))
    (['jax', 'torch'], [64, 256, 1024, 4096])
    """
    return _load_results(name, SCAN_COLUMNS + PROVENANCE_COLUMNS, "a scan benchmark")


def load_lag_sweep(name="lag_sweep.csv"):
    """Load a committed lag sweep (`python -m rnnedu.experiments lag` or `mingru`) from data/.

    Args:
        name: str, the CSV's name in data/ (checked against data/SHA256SUMS): "lag_sweep.csv"
            (notebook 11: SimpleRNN, GRU, LSTM) or "mingru_sweep.csv" (notebook 14: GRU, MinGRU, LSTM, MinLSTM).

    Returns:
        pandas.DataFrame with the columns LAG_COLUMNS: held-out accuracy per layer, lag and seed,
        and the command, date, machine and versions that made it.

    Example:
    >>> sorted(set(load_lag_sweep()["layer"]))
    ['GRU', 'LSTM', 'SimpleRNN']
    """
    return _load_results(name, LAG_COLUMNS, "a lag sweep")


def load_attention_sweep(name="attention_sweep.csv"):
    """Load the committed attention sweep of notebook 13 (`python -m rnnedu.experiments attention`) from data/.

    Args:
        name: str, the CSV's name in data/ (checked against data/SHA256SUMS).

    Returns:
        pandas.DataFrame with the columns ATTENTION_COLUMNS: whole-answer accuracy per model,
        string length and seed, and the command, date, machine and versions that made it.

    Example:
    >>> sorted(set(load_attention_sweep()["model"]))
    ['additive', 'dot', 'plain', 'self_attention']
    """
    return _load_results(name, ATTENTION_COLUMNS, "an attention sweep")


def _load_results(name, columns, what):
    """Read a committed result CSV after checking its sha256 and its columns."""
    import pandas as pd

    table = pd.read_csv(verify(name))
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"`name` data/{name} is not {what}: it lacks the columns {missing}.")
    return table


def plot_kernels(table, ax=None):
    """Draw a kernel benchmark: median ms per training step, fused and generic, one panel per backend.

    Args:
        table: a DataFrame from `load_kernel_results` (or the benchmark that writes it).
        ax: None, or a sequence of matplotlib Axes, one per backend in `table`
            (in order of first appearance), to draw into.

    Returns:
        the matplotlib Figure (a new `matplotlib.figure.Figure` unless `ax` is
        given); each panel's bars are labelled with the speedup.

    Example:
    >>> figure = plot_kernels(load_kernel_results())
    >>> [ax.get_ylabel() for ax in figure.axes]
    ['median ms per training step (log scale)', 'median ms per training step (log scale)']
    """
    import pandas as pd
    from matplotlib.figure import Figure

    if not isinstance(table, pd.DataFrame) or any(c not in table.columns for c in KERNEL_COLUMNS + ["hardware"]):
        raise TypeError(f"`table` must be a table from load_kernel_results, got {describe(table)}.")
    backends = list(dict.fromkeys(table["backend"]))
    if ax is None:
        figure = Figure(figsize=(6.5 * len(backends), 4.6))
        axes = figure.subplots(1, len(backends), squeeze=False)[0]
    else:
        axes = check_axes("ax", ax, len(backends), "one per backend")
        figure = axes[0].figure
    for panel, backend in zip(axes, backends):
        _plot_backend(panel, table[table["backend"] == backend].reset_index(drop=True), backend)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    figure.suptitle("Fused kernel against generic loop; the number over each pair is generic ms / fused ms")
    if ax is None:
        figure.tight_layout(rect=(0, 0.07, 1, 1))
    return figure


def _plot_backend(ax, rows, backend):
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    positions = np.arange(len(rows))
    ax.bar(positions - 0.2, rows["fused_ms"], 0.4, color="C0", label="fused: LSTM(units) or GRU(units)")
    ax.bar(positions + 0.2, rows["generic_ms"], 0.4, color="C1", label="generic: RNN(LSTMCell) or RNN(GRUCell)")
    for position, row in rows.iterrows():
        top = max(row["fused_ms"], row["generic_ms"]) * 1.08
        ax.annotate(f"{row['speedup']:.1f}×", (position, top), ha="center", va="bottom", fontsize=8)
    labels = [f"{r.layer}\nT={r.timesteps}\nB={r.batch_size}" for r in rows.itertuples()]
    ax.set_xticks(positions, labels, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(top=ax.get_ylim()[1] * 2)
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("layer, timesteps T, batch_size B")
    ax.set_ylabel("median ms per training step (log scale)")
    ax.set_title(f"{backend} on {rows['hardware'].iloc[0]}")


def plot_scan(table, family="GRU", ax=None):
    """Draw a scan benchmark: median ms per training step against the sequence length, one panel per backend.

    Each panel has three lines for the `family`: the min-layer scanned in parallel
    (`parallel=True`), the same layer looped (`parallel=False`) and the built-in
    Keras layer; the number over each length is sequential ms / parallel ms.

    Args:
        table: a DataFrame from `load_scan_results` (or `python -m rnnedu.bench scan`).
        family: "GRU" (MinGRU against GRU) or "LSTM" (MinLSTM against LSTM).
        ax: None, or a sequence of matplotlib Axes, one per backend in `table`
            (in order of first appearance), to draw into.

    Returns:
        the matplotlib Figure (a new `matplotlib.figure.Figure` unless `ax` is given).

    Example:
    >>> figure = plot_scan(load_scan_results())
    >>> [ax.get_title() for ax in figure.axes]
    ['jax on NVIDIA H200', 'torch on NVIDIA H200']
    """
    import pandas as pd
    from matplotlib.figure import Figure

    if not isinstance(table, pd.DataFrame) or any(c not in table.columns for c in SCAN_COLUMNS + ["hardware"]):
        raise TypeError(f"`table` must be a table from load_scan_results, got {describe(table)}.")
    family = check_choice("family", family, sorted(set(table["family"])))
    backends = list(dict.fromkeys(table["backend"]))
    if ax is None:
        figure = Figure(figsize=(5.5 * len(backends), 4.4), layout="constrained")
        axes = figure.subplots(1, len(backends), squeeze=False)[0]
    else:
        axes = check_axes("ax", ax, len(backends), "one per backend")
        figure = axes[0].figure
    names = {"GRU": ("MinGRU", "GRU"), "LSTM": ("MinLSTM", "LSTM")}[family]
    for panel, backend in zip(axes, backends):
        rows = table[(table["backend"] == backend) & (table["family"] == family)].sort_values("timesteps")
        lines = [
            ("parallel_ms", f"{names[0]}(parallel=True): one scan", "C0", "o"),
            ("sequential_ms", f"{names[0]}(parallel=False): a loop of steps", "C1", "s"),
            ("builtin_ms", f"keras.layers.{names[1]} (cuDNN where the backend has it)", "C2", "^"),
        ]
        for column, label, colour, marker in lines:
            panel.plot(rows["timesteps"], rows[column], marker=marker, color=colour, label=label)
        for row in rows.itertuples():
            top = max(row.parallel_ms, row.sequential_ms, row.builtin_ms) * 1.15
            panel.annotate(f"{row.sequential_over_parallel:.1f}×", (row.timesteps, top), ha="center", fontsize=8)
        panel.set_xscale("log", base=2)
        panel.set_yscale("log")
        panel.set_xticks(rows["timesteps"], [str(t) for t in rows["timesteps"]])
        panel.set_xlabel("timesteps T (log scale)")
        panel.set_ylabel("median ms per training step (log scale)")
        panel.set_title(f"{backend} on {rows['hardware'].iloc[0]}")
        panel.legend(fontsize=7, loc="upper left")
    figure.suptitle(f"{names[0]} scanned or looped, and {names[1]}; over each length: looped ms / scanned ms")
    return figure


def delayed_recall(n, lag, classes=4, noise=1.0, seed=0):
    """Generate sequences whose first token must be recalled after `lag` steps of noise.

    A long-range task. Step 0 holds the token to remember, one of `classes`,
    one-hot, and a marker feature set to 1; each of the `lag` steps after it
    holds Gaussian noise on the token features (and a marker of 0). The
    answer, read after the last step, is the first token. A layer that can
    shut its input after the marker keeps the token; one that adds every
    input into its state buries it under the noise. Chance is 1 / `classes`.

    Args:
        n: number of sequences, 1 to 100,000.
        lag: steps of noise between the token and the answer, 0 to 1,000.
        classes: how many tokens there are to recall, 2 to 64.
        noise: the standard deviation of the noise, 0 to 10.
        seed: int >= 0.

    Returns:
        (x, labels): x float32 of shape (n, lag + 1, classes + 1), the last
        feature being the marker; labels int64 of shape (n,).

    Example:
    >>> x, labels = delayed_recall(3, lag=5, classes=4, seed=0)
    >>> x.shape, bool((x[:, 0, :4].argmax(axis=1) == labels).all()), x[:, :, 4].sum(axis=1).tolist()
    ((3, 6, 5), True, [1.0, 1.0, 1.0])
    """
    n = check_int("n", n, min_value=1, max_value=MAX_RECALL_SEQUENCES)
    lag = check_int("lag", lag, min_value=0, max_value=MAX_RECALL_LAG)
    classes = check_int("classes", classes, min_value=2, max_value=64)
    noise = check_number("noise", noise, min_value=0.0, max_value=10.0)
    rng = _rng(seed)
    labels = rng.integers(0, classes, size=n)
    x = np.zeros((n, lag + 1, classes + 1), dtype=np.float32)
    x[:, 1:, :classes] = rng.normal(0.0, noise, size=(n, lag, classes))
    x[np.arange(n), 0, labels] = 1.0
    x[:, 0, classes] = 1.0
    return x, labels


def reversal_problems(n, length, seed=0):
    """Generate strings of digits and the same strings reversed, as token ids: a task where length matters.

    Reversing is easy to state and hard for an encoder-decoder that must
    squeeze the whole string into its final state: the first digit it writes
    is the last one it read, the last one the first it read. Token ids follow
    `REVERSAL_CHARS`: 1-10 are the digits "0"-"9"; 0 ("=") never occurs in a
    string and is left for the decoder's start token.

    Args:
        n: number of strings, 1 to 1,000,000.
        length: digits per string, 1 to 1,000; n × length <= 50,000,000.
        seed: int >= 0.

    Returns:
        (source, target): int32 arrays of shape (n, length), `target` being
        `source` reversed along each row.

    Example:
    >>> source, target = reversal_problems(2, 5, seed=0)
    >>> ["".join(REVERSAL_CHARS[i] for i in row) for row in source]
    ['86523', '00018']
    >>> bool((target == source[:, ::-1]).all()), int(source.min()) >= 1
    (True, True)
    """
    n = check_int("n", n, min_value=1, max_value=MAX_COUNT)
    length = check_int("length", length, min_value=1, max_value=MAX_REVERSAL_LENGTH)
    check_total("`n` × `length`", n * length)
    source = _rng(seed).integers(1, len(REVERSAL_CHARS), size=(n, length)).astype(np.int32)
    return source, np.ascontiguousarray(source[:, ::-1])


def _rng(seed):
    return np.random.default_rng(check_int("seed", seed, min_value=0))


def _recorded_checksums(folder):
    checksums = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            checksums[name.lstrip("*")] = digest
    return checksums


def _mnist_subset():
    with np.load(verify("mnist_5k.npz"), allow_pickle=False) as data:
        images, labels = data["images"], data["labels"].astype(np.uint8)
    # A fixed, stratified split: 100 of each digit's 500 images are held out.
    rng = np.random.default_rng(0)
    order = rng.permutation(len(labels))
    test = np.zeros(len(labels), dtype=bool)
    for digit in range(10):
        test[order[labels[order] == digit][:100]] = True
    train_idx, test_idx = rng.permutation(np.flatnonzero(~test)), rng.permutation(np.flatnonzero(test))
    return (images[train_idx], labels[train_idx]), (images[test_idx], labels[test_idx])


def _mnist_cached():
    # Where keras.utils.get_file keeps it: KERAS_HOME or ~/.keras, or /tmp/.keras when that is read-only.
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    if not os.access(home, os.W_OK):
        home = os.path.join("/tmp", ".keras")
    return (pathlib.Path(home) / "datasets" / "mnist.npz").is_file()


def _mnist_reachable(timeout):
    if os.environ.get("RNNEDU_OFFLINE") == "1":
        return False
    try:
        socket.create_connection(MNIST_URL_HOST, timeout=timeout).close()
        return True
    except OSError:
        return False


def _load_full_mnist(timeout, verbose):
    import keras

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    finally:
        socket.setdefaulttimeout(previous)
    if verbose:
        print(f"MNIST: the full keras.datasets set ({len(x_train):,} train / {len(x_test):,} test)")
    return (x_train, y_train), (x_test, y_test)
