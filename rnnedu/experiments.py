"""Experiments too long for a notebook: run once as a command, kept as a CSV with its provenance.

    python -m rnnedu.experiments lag                 # the sweep behind notebook 11 (about 15 minutes of CPU)
    python -m rnnedu.experiments lag --quick         # a tiny sweep that checks the command runs
    python -m rnnedu.experiments lag --csv data/lag_sweep.csv
    python -m rnnedu.experiments mingru --csv data/mingru_sweep.csv   # notebook 14's sweep: GRU, MinGRU
    python -m rnnedu.experiments mingru --layers MinGRU-shut          # MinGRU with its gate started shut
    python -m rnnedu.experiments attention           # the sweep behind notebook 13 (about 15 minutes of CPU)
    python -m rnnedu.experiments attention --csv data/attention_sweep.csv

`lag` trains SimpleRNN, GRU and LSTM on `rnnedu.datasets.delayed_recall` for
several lags and seeds and records the held-out accuracy of each run; `mingru`
does the same for GRU and `rnnedu.parallel.MinGRU` (scanned in parallel), with
the same budget per run. The notebooks read a committed result
with `rnnedu.datasets.load_lag_sweep` (checked against data/SHA256SUMS) and draw
it with `plot_lag_sweep`. `attention` trains an
encoder-decoder without attention, with additive and with dot-product
attention, and a self-attention model, on `rnnedu.datasets.reversal_problems`
for several string lengths and seeds; `load_attention_sweep` and
`plot_attention_sweep` read and draw it.
"""

import argparse
import datetime
import functools
import importlib.metadata
import os
import pathlib
import platform
import sys
import time

import numpy as np
import pandas as pd

from rnnedu._validate import check_argv, check_choice, check_int, describe
from rnnedu.datasets import ATTENTION_COLUMNS, LAG_COLUMNS

__all__ = ["attention_sweep", "lag_sweep", "main", "plot_attention_sweep", "plot_lag_sweep"]

LAYERS = ("SimpleRNN", "GRU", "LSTM", "MinGRU", "MinGRU-shut", "MinLSTM")
# MinGRU-shut: a MinGRU whose biases all start at this value, so that its update gate starts nearly shut
# (z = sigmoid(-3) = 0.05: the state keeps 95% of itself per step), as unit_forget_bias starts an LSTM's f open.
SHUT_GATE_BIAS = -3.0
# What each experiment of `main` trains, and on which lags by default.
EXPERIMENTS = {
    "lag": {"layers": ("SimpleRNN", "GRU", "LSTM"), "lags": [2, 5, 10, 20]},
    "mingru": {"layers": ("GRU", "MinGRU"), "lags": [5, 10, 20]},
}
CLASSES, NOISE = 4, 1.0
# The models of the attention sweep, and how the plot names them.
ATTENTION_MODELS = {
    "plain": "GRU encoder-decoder, no attention",
    "additive": "+ AdditiveAttention (Bahdanau)",
    "dot": "+ Attention (Luong, dot product)",
    "self_attention": "MultiHeadAttention, no recurrence",
}
TEST_SIZE = 500


def lag_sweep(lags=(2, 5, 10, 20), seeds=(0, 1, 2), layers=LAYERS, units=16, epochs=15, train_size=2000):
    """Train each layer on the delayed-recall task for every lag and seed; record held-out accuracy.

    The model is `keras.Input((None, 5))` → the recurrent layer with `units`
    → `Dense(4, activation="softmax")`, trained with Adam (learning rate
    0.01) and sparse categorical cross-entropy, batch_size 64. The data come
    from `rnnedu.datasets.delayed_recall(classes=4, noise=1.0)` with the
    run's seed; 500 more sequences, never trained on, measure the accuracy
    after the last epoch (chance: 0.25).

    Args:
        lags: non-empty sequence of ints 0 to 1,000.
        seeds: non-empty sequence of ints >= 0 (data and weights).
        layers: non-empty sequence of "SimpleRNN", "GRU", "LSTM", "MinGRU", "MinGRU-shut" and "MinLSTM"
            (the last three from `rnnedu.parallel`, scanned in parallel; "MinGRU-shut" is a MinGRU
            whose biases start at -3, so that its update gate starts nearly shut).
        units: int 1 to 256.
        epochs: int 1 to 200.
        train_size: int 10 to 100,000, training sequences per run.

    Returns:
        pandas.DataFrame with one row per run: layer, lag, seed, units,
        epochs, train_size, test_size, accuracy, seconds (wall time of the
        training), then the provenance: command, date (UTC), machine,
        load_average (the 1-minute load when the run started), and the
        keras, tensorflow, numpy and python versions.

    Example:
    >>> table = lag_sweep(lags=(1,), seeds=(0,), layers=("GRU",), units=2, epochs=1, train_size=10)
    >>> table[["layer", "lag", "seed", "test_size"]].values.tolist()
    [['GRU', 1, 0, 500]]
    """
    lags, seeds = _check_ints("lags", lags, 0, 1000), _check_ints("seeds", seeds, 0, None)
    layers = _check_layers(layers)
    units = check_int("units", units, min_value=1, max_value=256)
    epochs = check_int("epochs", epochs, min_value=1, max_value=200)
    train_size = check_int("train_size", train_size, min_value=10, max_value=100_000)
    provenance = _provenance() | {
        "command": f"lag_sweep(lags={lags}, seeds={seeds}, layers={layers}, units={units}, epochs={epochs}, "
        f"train_size={train_size})"
    }
    rows = []
    for lag in lags:
        for seed in seeds:
            for layer in layers:
                load = _load_average()
                accuracy, seconds = _train_once(layer, lag, seed, units, epochs, train_size)
                rows.append(
                    {"layer": layer, "lag": lag, "seed": seed, "units": units, "epochs": epochs}
                    | {"train_size": train_size, "test_size": 500, "accuracy": accuracy, "seconds": seconds}
                    | provenance
                    | {"load_average": load}
                )
    return pd.DataFrame(rows, columns=LAG_COLUMNS)


def plot_lag_sweep(table, ax=None):
    """Draw held-out accuracy against the lag: each seed as a dot, the mean over seeds as a line.

    Args:
        table: a DataFrame from `lag_sweep` or `rnnedu.datasets.load_lag_sweep`.
        ax: a matplotlib Axes to draw into, or None for a new Figure.

    Returns:
        the matplotlib Figure.

    Example:
    >>> from rnnedu.datasets import load_lag_sweep
    >>> figure = plot_lag_sweep(load_lag_sweep())
    >>> figure.axes[0].get_xlabel()
    'lag L: steps of noise between the token and the answer (log scale)'
    """
    if not isinstance(table, pd.DataFrame) or any(c not in table.columns for c in LAG_COLUMNS):
        raise TypeError(f"`table` must be a table from lag_sweep or load_lag_sweep, got {describe(table)}.")
    figure, ax = _figure(ax)
    _plot_runs(
        ax, table, "layer", "lag", {layer: lambda rows, layer=layer: f"{layer} (mean of seeds)" for layer in LAYERS}
    )
    ax.axhline(1 / CLASSES, color="grey", ls="--", lw=1, label="chance (1/4)")
    ax.set_xscale("log")
    lags = sorted(set(table["lag"]))
    ax.set_xticks(lags, [str(lag) for lag in lags])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("lag L: steps of noise between the token and the answer (log scale)")
    ax.set_ylabel("held-out accuracy")
    first = table.iloc[0]
    ax.set_title(
        f"Recall after L noisy steps: {table['seed'].nunique()} seeds, {first['units']} units, "
        f"{first['epochs']} epochs each",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="lower left")
    return figure


def attention_sweep(
    lengths=(3, 6, 9, 12), seeds=(0, 1), models=tuple(ATTENTION_MODELS), units=32, epochs=10, train_size=3000
):
    """Train each model to reverse strings of digits, for every length and seed; record whole-answer accuracy.

    The data come from `rnnedu.datasets.reversal_problems` with the run's
    seed; 500 more strings, never trained on, measure the share of answers
    with every digit right (`accuracy`) and the share of digits right
    (`char_accuracy`). The recurrent models ("plain":
    `rnnedu.models.encoder_decoder(layer="GRU")`; "additive" and "dot":
    `rnnedu.attention.attention_encoder_decoder`) have embed_dim 16 and
    `units` units, train with teacher forcing and answer by greedy decoding
    with their one-step decoder. "self_attention" is
    `rnnedu.attention.self_attention_model` with embed_dim `units` and 2
    heads, answering every position at once. All train with Adam (a cosine
    decay from 0.01), batch_size 64, `epochs` epochs of `train_size` strings.

    Args:
        lengths: non-empty sequence of ints 1 to 100, the string lengths.
        seeds: non-empty sequence of ints >= 0 (data and weights).
        models: non-empty sequence of "plain", "additive", "dot" and "self_attention".
        units: int 1 to 256.
        epochs: int 1 to 200.
        train_size: int 10 to 100,000, training strings per run.

    Returns:
        pandas.DataFrame with one row per run: model, length, seed, units,
        epochs, train_size, test_size, params (the model's parameter count),
        accuracy, char_accuracy, seconds (wall time of the training), then
        the provenance: command, date (UTC), machine, load_average (the
        1-minute load when the run started), and the keras, tensorflow,
        numpy and python versions.

    Example:
    >>> table = attention_sweep(lengths=(2,), seeds=(0,), models=("self_attention",), units=2, epochs=1, train_size=10)
    >>> table[["model", "length", "seed", "test_size"]].values.tolist()
    [['self_attention', 2, 0, 500]]
    """
    lengths, seeds = _check_ints("lengths", lengths, 1, 100), _check_ints("seeds", seeds, 0, None)
    models = _check_models(models)
    units = check_int("units", units, min_value=1, max_value=256)
    epochs = check_int("epochs", epochs, min_value=1, max_value=200)
    train_size = check_int("train_size", train_size, min_value=10, max_value=100_000)
    provenance = _provenance() | {
        "command": f"attention_sweep(lengths={lengths}, seeds={seeds}, models={models}, units={units}, "
        f"epochs={epochs}, train_size={train_size})"
    }
    rows = []
    for length in lengths:
        for seed in seeds:
            for name in models:
                load = _load_average()
                result = _train_reversal(name, length, seed, units, epochs, train_size)
                rows.append(
                    {"model": name, "length": length, "seed": seed, "units": units, "epochs": epochs}
                    | {"train_size": train_size, "test_size": TEST_SIZE}
                    | result
                    | provenance
                    | {"load_average": load}
                )
    return pd.DataFrame(rows, columns=ATTENTION_COLUMNS)


def plot_attention_sweep(table, ax=None):
    """Draw whole-answer accuracy against the string length: each seed as a dot, the mean over seeds as a line.

    Args:
        table: a DataFrame from `attention_sweep` or `rnnedu.datasets.load_attention_sweep`.
        ax: a matplotlib Axes to draw into, or None for a new Figure.

    Returns:
        the matplotlib Figure.

    Example:
    >>> from rnnedu.datasets import load_attention_sweep
    >>> figure = plot_attention_sweep(load_attention_sweep())
    >>> figure.axes[0].get_xlabel()
    'length of the string to reverse (digits)'
    """
    if not isinstance(table, pd.DataFrame) or any(c not in table.columns for c in ATTENTION_COLUMNS):
        raise TypeError(f"`table` must be a table from attention_sweep or load_attention_sweep, got {describe(table)}.")
    figure, ax = _figure(ax)
    labels = {
        name: lambda rows, title=title: f"{title} ({rows['params'].iloc[0]:,} parameters)"
        for name, title in ATTENTION_MODELS.items()
    }
    _plot_runs(ax, table, "model", "length", labels)
    lengths = sorted(set(table["length"]))
    ax.set_xticks(lengths, [str(length) for length in lengths])
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("length of the string to reverse (digits)")
    ax.set_ylabel("held-out accuracy, whole answers right")
    first = table.iloc[0]
    ax.set_title(
        f"Reversing digits: {table['seed'].nunique()} seeds, {first['units']} units, {first['epochs']} epochs "
        f"of {first['train_size']:,} strings each",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="lower left")
    return figure


def _load_average():
    """The 1-minute load average recorded beside each run (NaN where the system has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _figure(ax):
    """The Figure of `ax` and `ax`, or a new Figure and its one Axes when `ax` is None."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 4.2), layout="constrained")
    return figure, figure.add_subplot()


def _plot_runs(ax, table, group, x, labels):
    """Each run's accuracy against `x` as a dot and each group's mean over seeds as a line, one colour per group.

    `labels` maps every group, in the order to draw them, to a function of the group's rows returning its label.
    """
    drawn = [name for name in labels if name in set(table[group])]
    for colour, name in enumerate(drawn):
        rows = table[table[group] == name]
        means = rows.groupby(x)["accuracy"].mean()
        ax.plot(means.index, means.values, marker="o", color=f"C{colour}", label=labels[name](rows))
        ax.scatter(rows[x], rows["accuracy"], color=f"C{colour}", alpha=0.4, s=18)


def main(argv=None):
    """Run an experiment from the command line, print its table and write its CSV.

    Args:
        argv: list of command-line arguments, e.g. ["lag", "--quick"] or ["mingru", "--quick"];
            None reads sys.argv.

    Returns:
        the experiment's pandas.DataFrame.
    """
    check_argv(argv, "['lag', '--quick']")
    parser = argparse.ArgumentParser(prog="python -m rnnedu.experiments", description=__doc__.splitlines()[0])
    parser.add_argument(
        "experiment",
        choices=[*EXPERIMENTS, "attention"],
        help="lag: SimpleRNN, GRU, LSTM; mingru: GRU, MinGRU; attention: encoder-decoders with and without attention",
    )
    parser.add_argument("--quick", action="store_true", help="a tiny sweep: checks that it runs, measures nothing")
    parser.add_argument("--csv", help="where to write the table (default build/experiments/EXPERIMENT_sweep.csv)")
    parser.add_argument("--lags", type=int, nargs="+", help="lag, mingru: the lags L (lag: 2 5 10 20; mingru: 5 10 20)")
    parser.add_argument("--layers", nargs="+", help=f"among {', '.join(LAYERS)} (default: the experiment's own)")
    parser.add_argument("--lengths", type=int, nargs="+", default=[3, 6, 9, 12], help="attention: string lengths")
    parser.add_argument("--seeds", type=int, nargs="+", help="the seeds (lag, mingru: 0 1 2; attention: 0 1)")
    parser.add_argument("--epochs", type=int, help="training epochs per run (lag, mingru: 15; attention: 10)")
    args = parser.parse_args(argv)
    if args.experiment == "attention":
        table, group = _run_attention(args), "model"
    else:
        table, group = _run_lag(args), "layer"
    table["command"] = " ".join(["python -m rnnedu.experiments", *(sys.argv[1:] if argv is None else argv)])
    summary = table.groupby([group, table.columns[1]], sort=False)["accuracy"].agg(["mean", "min", "max"])
    print(f"held-out accuracy over {table['seed'].nunique()} seeds, on {table['machine'].iloc[0]}:")
    print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
    path = pathlib.Path(args.csv or f"build/experiments/{args.experiment}_sweep.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.4f")
    print(f"wrote {path}")
    return table


def _run_lag(args):
    layers = args.layers or EXPERIMENTS[args.experiment]["layers"]
    if args.quick:
        return lag_sweep(lags=(1, 2), seeds=(0,), layers=layers, units=2, epochs=1, train_size=20)
    lags = args.lags or EXPERIMENTS[args.experiment]["lags"]
    return lag_sweep(lags=lags, seeds=args.seeds or (0, 1, 2), layers=layers, epochs=args.epochs or 15)


def _run_attention(args):
    if args.quick:
        return attention_sweep(lengths=(2,), seeds=(0,), units=2, epochs=1, train_size=20)
    return attention_sweep(lengths=args.lengths, seeds=args.seeds or (0, 1), epochs=args.epochs or 10)


def _train_reversal(name, length, seed, units, epochs, train_size):
    """Train one model to reverse strings; return its parameter count, accuracies and training seconds."""
    import keras

    from rnnedu.attention import attention_encoder_decoder, greedy_decode, self_attention_model
    from rnnedu.datasets import REVERSAL_CHARS, reversal_problems
    from rnnedu.models import encoder_decoder

    source, target = reversal_problems(train_size + TEST_SIZE, length, seed=seed)
    keras.utils.set_random_seed(seed)
    vocab_size = len(REVERSAL_CHARS)
    if name == "self_attention":
        model = self_attention_model(vocab_size, length, embed_dim=units)
        inputs = source[:train_size]
    else:
        if name == "plain":
            model, encoder, decoder = encoder_decoder(vocab_size, vocab_size, embed_dim=16, units=units, layer="GRU")
        else:
            model, encoder, decoder = attention_encoder_decoder(vocab_size, 16, units, attention=name)
        target_input = np.concatenate([np.zeros_like(target[:, :1]), target[:, :-1]], axis=1)  # "=" then the answer
        inputs = [source[:train_size], target_input[:train_size]]
    steps = epochs * -(-train_size // 64)
    model.compile(
        keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(0.01, decay_steps=steps)),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    start = time.perf_counter()
    model.fit(inputs, target[:train_size], epochs=epochs, batch_size=64, verbose=0)
    seconds = time.perf_counter() - start
    test_source, test_target = source[train_size:], target[train_size:]
    if name == "self_attention":
        answers = np.asarray(model.predict(test_source, verbose=0)).argmax(axis=-1)
    else:
        states = encoder(test_source)
        answers, _ = greedy_decode(decoder, list(states) if isinstance(states, (list, tuple)) else [states], length)
    right = answers == test_target
    return {
        "params": model.count_params(),
        "accuracy": float(right.all(axis=1).mean()),
        "char_accuracy": float(right.mean()),
        "seconds": seconds,
    }


def _train_once(layer, lag, seed, units, epochs, train_size):
    """Train one model; return (held-out accuracy after the last epoch, seconds of training)."""
    import keras

    from rnnedu import parallel
    from rnnedu.datasets import delayed_recall

    x, labels = delayed_recall(train_size + 500, lag, classes=CLASSES, noise=NOISE, seed=seed)
    keras.utils.set_random_seed(seed)
    recurrent = {"SimpleRNN": keras.layers.SimpleRNN, "GRU": keras.layers.GRU, "LSTM": keras.layers.LSTM}
    shut = functools.partial(parallel.MinGRU, bias_initializer=keras.initializers.Constant(SHUT_GATE_BIAS))
    recurrent = (recurrent | {"MinGRU": parallel.MinGRU, "MinGRU-shut": shut, "MinLSTM": parallel.MinLSTM})[layer]
    model = keras.Sequential(
        [keras.Input((None, CLASSES + 1)), recurrent(units), keras.layers.Dense(CLASSES, activation="softmax")]
    )
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x[:train_size], labels[:train_size], epochs=epochs, batch_size=64, verbose=0)
    seconds = time.perf_counter() - start
    accuracy = model.evaluate(x[train_size:], labels[train_size:], verbose=0)[1]
    return float(accuracy), seconds


def _provenance():
    import keras

    versions = {}
    for name in ("tensorflow", "numpy"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = ""
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": _machine(),
        "keras": keras.__version__,
        "tensorflow": versions["tensorflow"],
        "numpy": versions["numpy"],
        "python": platform.python_version(),
    }


def _machine():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    name = platform.processor() or platform.machine()
    try:
        lines = pathlib.Path("/proc/cpuinfo").read_text().splitlines()
        models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
        name = models[0] if models else name
    except OSError:
        pass
    return f"{name} ({cores} cores, CPU)"


def _check_ints(name, values, low, high):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not list(values):
        raise TypeError(f"`{name}` must be a non-empty sequence of integers, got {describe(values)}.")
    return [check_int(f"{name}[{i}]", value, min_value=low, max_value=high) for i, value in enumerate(values)]


def _check_models(models):
    names = tuple(ATTENTION_MODELS)
    if isinstance(models, str) or not hasattr(models, "__iter__") or not list(models):
        raise TypeError(f"`models` must be a non-empty sequence of {', '.join(map(repr, names))}, got {models!r}.")
    return [check_choice(f"models[{i}]", name, names) for i, name in enumerate(models)]


def _check_layers(layers):
    if isinstance(layers, str) or not hasattr(layers, "__iter__") or not list(layers):
        raise TypeError(f"`layers` must be a non-empty sequence of {', '.join(map(repr, LAYERS))}, got {layers!r}.")
    return [check_choice(f"layers[{i}]", layer, LAYERS) for i, layer in enumerate(layers)]


if __name__ == "__main__":
    main()
