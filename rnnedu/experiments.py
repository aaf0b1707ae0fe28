"""Experiments too long for a notebook: run once as a command, kept as a CSV with its provenance.

    python -m rnnedu.experiments lag                 # the sweep behind notebook 11 (about 15 minutes of CPU)
    python -m rnnedu.experiments lag --quick         # a tiny sweep that checks the command runs
    python -m rnnedu.experiments lag --csv data/lag_sweep.csv
    python -m rnnedu.experiments mingru --csv data/mingru_sweep.csv   # notebook 14's sweep: GRU, MinGRU
    python -m rnnedu.experiments mingru --layers MinGRU-shut          # MinGRU with its gate started shut

`lag` trains SimpleRNN, GRU and LSTM on `rnnedu.datasets.delayed_recall` for
several lags and seeds and records the held-out accuracy of each run; `mingru`
does the same for GRU and `rnnedu.parallel.MinGRU` (scanned in parallel), with
the same budget per run. The notebooks read a committed result
with `rnnedu.datasets.load_lag_sweep` (checked against data/SHA256SUMS) and draw
it with `plot_lag_sweep`.
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

import pandas as pd

from rnnedu._validate import check_argv, check_choice, check_int, describe
from rnnedu.datasets import LAG_COLUMNS

__all__ = ["lag_sweep", "main", "plot_lag_sweep"]

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
                load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
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
    if ax is None:
        from matplotlib.figure import Figure

        figure = Figure(figsize=(7.5, 4.2), layout="constrained")
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    for colour, layer in enumerate(layer for layer in LAYERS if layer in set(table["layer"])):
        rows = table[table["layer"] == layer]
        means = rows.groupby("lag")["accuracy"].mean()
        ax.plot(means.index, means.values, marker="o", color=f"C{colour}", label=f"{layer} (mean of seeds)")
        ax.scatter(rows["lag"], rows["accuracy"], color=f"C{colour}", alpha=0.4, s=18)
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
    parser.add_argument("experiment", choices=list(EXPERIMENTS), help="lag: SimpleRNN, GRU, LSTM; mingru: GRU, MinGRU")
    parser.add_argument("--quick", action="store_true", help="a tiny sweep: checks that it runs, measures nothing")
    parser.add_argument("--csv", help="where to write the table (default build/experiments/EXPERIMENT_sweep.csv)")
    parser.add_argument("--lags", type=int, nargs="+", help="the lags L (lag: 2 5 10 20; mingru: 5 10 20)")
    parser.add_argument("--layers", nargs="+", help=f"among {', '.join(LAYERS)} (default: the experiment's)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="the seeds")
    parser.add_argument("--epochs", type=int, default=15, help="training epochs per run")
    args = parser.parse_args(argv)
    layers = args.layers or EXPERIMENTS[args.experiment]["layers"]
    if args.quick:
        table = lag_sweep(lags=(1, 2), seeds=(0,), layers=layers, units=2, epochs=1, train_size=20)
    else:
        lags = args.lags or EXPERIMENTS[args.experiment]["lags"]
        table = lag_sweep(lags=lags, seeds=args.seeds, layers=layers, epochs=args.epochs)
    table["command"] = " ".join(["python -m rnnedu.experiments", *(sys.argv[1:] if argv is None else argv)])
    summary = table.groupby(["layer", "lag"], sort=False)["accuracy"].agg(["mean", "min", "max"])
    print(f"held-out accuracy over {table['seed'].nunique()} seeds, on {table['machine'].iloc[0]}:")
    print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
    path = pathlib.Path(args.csv or f"build/experiments/{args.experiment}_sweep.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.4f")
    print(f"wrote {path}")
    return table


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


def _check_layers(layers):
    if isinstance(layers, str) or not hasattr(layers, "__iter__") or not list(layers):
        raise TypeError(f"`layers` must be a non-empty sequence of {', '.join(map(repr, LAYERS))}, got {layers!r}.")
    return [check_choice(f"layers[{i}]", layer, LAYERS) for i, layer in enumerate(layers)]


if __name__ == "__main__":
    main()
