"""Benchmarks: medians and 95th percentiles, printed, never asserted.

Run from the project's environment:

    python -m rnnedu.bench gates           # the gate explorer: redraw and precompute
    python -m rnnedu.bench gates --quick   # fewer repeats, as the tests run it
    python -m rnnedu.bench gradients       # the gradient view: redraw per control and precompute
    python -m rnnedu.bench kernels         # training steps: fused LSTM/GRU against RNN(cell)
    KERAS_BACKEND=jax python -m rnnedu.bench kernels --csv kernels_jax.csv

Timings depend on the machine; a test only checks that a benchmark runs.
"""

import argparse
import contextlib
import datetime
import importlib
import importlib.metadata
import itertools
import os
import pathlib
import platform
import shutil
import subprocess
import time

import numpy as np
import pandas as pd

from rnnedu._validate import check_choice, check_int, describe

COLUMNS = ["measurement", "repeats", "median_ms", "p95_ms"]
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
PROVENANCE_COLUMNS = ["date", "hardware", "driver", "keras", "backend_version", "cudnn", "python"]
# Where each backend's fused layers reach cuDNN: (module, function) pairs, watched while the fused model trains.
CUDNN_FUNCTIONS = {
    "tensorflow": [
        ("keras.src.backend.tensorflow.rnn", "_cudnn_lstm"),
        ("keras.src.backend.tensorflow.rnn", "_cudnn_gru"),
    ],
    "torch": [("keras.src.backend.torch.rnn", "_cudnn_lstm"), ("keras.src.backend.torch.rnn", "_cudnn_gru")],
    "jax": [("jax.experimental.rnn", "lstm")],
}


def bench_gates(repeats=50, units=64, timesteps=100, long_timesteps=1000, batch_size=8, features=8):
    """Time the gate explorer: one redraw callback, and the precompute it does once.

    Args:
        repeats: redraws timed per control, >= 1 (the precompute runs
            `max(1, repeats // 10)` times).
        units: LSTM units, >= 1.
        timesteps: length of the sequences the redraws show, >= 1.
        long_timesteps: length of the sequences the precompute reads, >= 1.
        batch_size: sequences in the batch, >= 1.
        features: input features per timestep, >= 1.

    Returns:
        pandas.DataFrame with columns measurement, repeats, median_ms, p95_ms.

    Example:
    >>> table = bench_gates(repeats=2, units=4, timesteps=5, long_timesteps=10, batch_size=2)
    >>> table["measurement"].tolist()
    ['redraw: step slider', 'redraw: unit slider', 'redraw: sample slider', 'precompute: gate_data']
    """
    import keras

    from rnnedu.viz import gate_data, gate_explorer

    repeats = check_int("repeats", repeats, min_value=1)
    sizes = {"units": units, "timesteps": timesteps, "long_timesteps": long_timesteps}
    sizes |= {"batch_size": batch_size, "features": features}
    for name, value in sizes.items():
        check_int(name, value, min_value=1)
    rng = np.random.default_rng(0)
    layer = keras.layers.LSTM(units, return_sequences=True)
    x = rng.normal(size=(batch_size, timesteps, features)).astype("float32")
    layer(x)
    explorer = gate_explorer(layer, x)
    rows = []
    for name, top in (("step", timesteps), ("unit", min(units, 32)), ("sample", batch_size)):
        control = explorer.controls[name]
        times = _time(lambda i, control=control, top=top: setattr(control, "value", (i + 1) % top), repeats)
        rows.append(_row(f"redraw: {name} slider", times))
    long_x = rng.normal(size=(batch_size, long_timesteps, features)).astype("float32")
    rows.append(_row("precompute: gate_data", _time(lambda _: gate_data(layer, long_x), max(1, repeats // 10))))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs["setup"] = (
        f"LSTM({units}), batch_size {batch_size}, {features} features; redraws on {timesteps} steps, "
        f"precompute on {long_timesteps} steps"
    )
    return table


def bench_gradients(repeats=50, units=32, timesteps=100, batch_size=8, features=8):
    """Time the gradient view: one redraw per control, and the precompute it does once.

    The view is built on a model with two recurrent layers (a GRU, then an
    LSTM), so that its "layer" drop-down exists, with the default 25 scales.

    Args:
        repeats: redraws timed per control, >= 1.
        units: units of each recurrent layer, 1 to 256.
        timesteps: length of the sequences, 1 to 1,000.
        batch_size: sequences in the batch, 1 to 64.
        features: input features per timestep, >= 1.

    Returns:
        pandas.DataFrame with columns measurement, repeats, median_ms, p95_ms.

    Example:
    >>> table = bench_gradients(repeats=2, units=3, timesteps=4, batch_size=2, features=2)
    >>> table["measurement"].tolist()
    ['redraw: sample slider', 'redraw: scale slider', 'redraw: layer drop-down', 'precompute: gradient_view']
    """
    import keras

    from rnnedu.viz import gradient_view

    repeats = check_int("repeats", repeats, min_value=1)
    units = check_int("units", units, min_value=1, max_value=256)
    timesteps = check_int("timesteps", timesteps, min_value=1, max_value=1000)
    batch_size = check_int("batch_size", batch_size, min_value=1, max_value=64)
    features = check_int("features", features, min_value=1)
    keras.utils.set_random_seed(0)
    inputs = keras.Input((timesteps, features))
    sequence = keras.layers.GRU(units, return_sequences=True, name="gru")(inputs)
    model = keras.Model(inputs, keras.layers.LSTM(units, name="lstm")(sequence))
    x = np.random.default_rng(0).normal(size=(batch_size, timesteps, features)).astype("float32")
    start = time.perf_counter()
    view = gradient_view(model, x)
    precompute = (time.perf_counter() - start) * 1000.0
    count = len(view.controls["scale"].options)
    moves = {
        "sample": lambda i: (i + 1) % batch_size,
        "scale": lambda i: (i + 1) % count,
        "layer": lambda i: ("gru", "lstm")[i % 2],
    }
    rows = []
    for name, label in (("sample", "slider"), ("scale", "slider"), ("layer", "drop-down")):
        control, move = view.controls[name], moves[name]
        times = _time(lambda i, control=control, move=move: setattr(control, "value", move(i)), repeats)
        rows.append(_row(f"redraw: {name} {label}", times))
    rows.append(_row("precompute: gradient_view", np.array([precompute])))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs["setup"] = (
        f"GRU({units}) then LSTM({units}), batch_size {batch_size}, {timesteps} timesteps, {features} features, "
        f"{count} scales"
    )
    return table


def bench_kernels(timesteps=(28, 112), batch_sizes=(64, 256), units=64, steps=32, repeats=5, layers=("LSTM", "GRU")):
    """Time training steps of the guide's MNIST-rows model, fused layer against RNN(cell).

    For every layer, number of timesteps and batch size, it builds
    `rnnedu.models.mnist_rows_classifier` twice: with the built-in layer
    (`keras.layers.LSTM(units)`, which may run one fused cuDNN kernel) and
    with `keras.layers.RNN(keras.layers.LSTMCell(units))` (the generic loop
    over timesteps); the same for GRU. Each is compiled and trained with
    `model.fit` as the guide does, on random inputs of the right shape (the
    values do not change the time): one untimed epoch of `steps` batches
    (it compiles), then `repeats` timed epochs. An epoch's time divided by
    `steps` is its time per training step; the table gives the median.
    Whatever backend and device Keras runs on is measured.

    Args:
        timesteps: non-empty sequence of ints >= 1, the sequence lengths (28 is MNIST's rows).
        batch_sizes: non-empty sequence of ints >= 1.
        units: int >= 1, the recurrent layer's units (64 in the guide).
        steps: int >= 1, training steps (batches) per epoch.
        repeats: int >= 1, timed epochs per model.
        layers: non-empty sequence of "LSTM" and "GRU".

    Returns:
        pandas.DataFrame, one row per layer, timesteps and batch size:
        backend, device, layer, timesteps, batch_size, units, steps, repeats,
        fused_ms and generic_ms (median ms per training step),
        fused_p95_ms, generic_p95_ms, speedup (generic_ms / fused_ms) and
        fused_cudnn (whether the fused layer called the backend's cuDNN
        function while it trained), then the provenance: date, hardware,
        driver, keras, backend_version, cudnn (the installed cuDNN wheel), python.

    Example:
    >>> table = bench_kernels(timesteps=(4,), batch_sizes=(2,), units=3, steps=2, repeats=1, layers=("GRU",))
    >>> table[["layer", "timesteps", "batch_size", "steps", "repeats"]].values.tolist()
    [['GRU', 4, 2, 2, 1]]
    """
    from rnnedu.environment import environment
    from rnnedu.models import mnist_rows_classifier

    timesteps, batch_sizes = _check_sizes("timesteps", timesteps), _check_sizes("batch_sizes", batch_sizes)
    units = check_int("units", units, min_value=1)
    steps = check_int("steps", steps, min_value=1)
    repeats = check_int("repeats", repeats, min_value=1)
    layers = _check_layers(layers)
    info = environment()
    rows = []
    for layer, length, batch_size in itertools.product(layers, timesteps, batch_sizes):
        rng = np.random.default_rng(0)
        batch = rng.normal(size=(batch_size, length, 28)).astype("float32"), rng.integers(0, 10, size=batch_size)
        fused, cudnn = _time_training(mnist_rows_classifier(units, layer=layer), batch, steps, repeats, info)
        generic, _ = _time_training(mnist_rows_classifier(units, layer=layer, fused=False), batch, steps, repeats, info)
        rows.append(
            {"backend": info["backend"], "device": info["device"], "layer": layer}
            | {"timesteps": length, "batch_size": batch_size, "units": units, "steps": steps, "repeats": repeats}
            | {"fused_ms": fused["median_ms"], "fused_p95_ms": fused["p95_ms"]}
            | {"generic_ms": generic["median_ms"], "generic_p95_ms": generic["p95_ms"]}
            | {"speedup": generic["median_ms"] / fused["median_ms"], "fused_cudnn": cudnn}
        )
    table = pd.DataFrame(rows, columns=KERNEL_COLUMNS)
    for column, value in _provenance(info).items():
        table[column] = value
    return table


def load_kernel_results(name="kernels_h200.csv"):
    """Load a kernel benchmark that was run on a GPU and committed in data/.

    Args:
        name: str, the CSV's name in data/ (checked against data/SHA256SUMS).

    Returns:
        pandas.DataFrame with the columns `bench_kernels` returns.

    Example:
    >>> sorted(set(load_kernel_results()["backend"]))
    ['jax', 'torch']
    """
    from rnnedu.datasets import verify

    table = pd.read_csv(verify(name))
    missing = [c for c in KERNEL_COLUMNS + PROVENANCE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"data/{name} is not a kernel benchmark: it lacks the columns {missing}.")
    return table


def plot_kernels(table):
    """Draw a kernel benchmark: median ms per training step, fused and generic, one panel per backend.

    Args:
        table: a DataFrame from `bench_kernels` or `load_kernel_results`.

    Returns:
        the matplotlib Figure; each panel's bars are labelled with the speedup.

    Example:
    >>> figure = plot_kernels(load_kernel_results())
    >>> [ax.get_ylabel() for ax in figure.axes]
    ['median ms per training step (log scale)', 'median ms per training step (log scale)']
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if not isinstance(table, pd.DataFrame) or any(c not in table.columns for c in KERNEL_COLUMNS + ["hardware"]):
        raise TypeError(f"`table` must be a table from bench_kernels or load_kernel_results, got {describe(table)}.")
    backends = list(dict.fromkeys(table["backend"]))
    figure, axes = plt.subplots(1, len(backends), figsize=(6.5 * len(backends), 4.6), squeeze=False)
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    for ax, backend in zip(axes[0], backends):
        rows = table[table["backend"] == backend].reset_index(drop=True)
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
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("layer, timesteps T, batch_size B")
        ax.set_ylabel("median ms per training step (log scale)")
        ax.set_title(f"{backend} on {rows['hardware'].iloc[0]}")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    figure.suptitle("Fused kernel against generic loop; the number over each pair is generic ms / fused ms")
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    return figure


def main(argv=None):
    """Run a benchmark from the command line and print its table.

    Args:
        argv: list of command-line arguments, e.g. ["gates", "--quick"]; None reads sys.argv.

    Returns:
        the benchmark's pandas.DataFrame.
    """
    parser = argparse.ArgumentParser(prog="python -m rnnedu.bench", description=__doc__.splitlines()[0])
    parser.add_argument("benchmark", choices=["gates", "gradients", "kernels"], help="what to measure")
    parser.add_argument("--quick", action="store_true", help="few repeats: checks that it runs, measures little")
    parser.add_argument("--csv", help="kernels: where to write the table (default build/bench/kernels_BACKEND.csv)")
    parser.add_argument("--timesteps", type=int, nargs="+", default=[28, 112], help="kernels: sequence lengths")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256], help="kernels: batch sizes")
    parser.add_argument("--steps", type=int, default=32, help="kernels: training steps per timed epoch")
    args = parser.parse_args(argv)
    if args.benchmark == "kernels":
        return _run_kernels(args)
    if args.benchmark == "gradients":
        return _run_gradients(args)
    table = bench_gates(repeats=5) if args.quick else bench_gates()
    print(f"gate explorer: {table.attrs['setup']}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    step = table.set_index("measurement").loc["redraw: step slider", "median_ms"]
    print(f"step redraw median {step:.1f} ms (aim: under 30 ms on a 2-core machine)")
    return table


def _run_gradients(args):
    table = bench_gradients(repeats=5, units=8, timesteps=20) if args.quick else bench_gradients()
    print(f"gradient view: {table.attrs['setup']}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    slowest = table[table["measurement"].str.startswith("redraw")]["median_ms"].max()
    print(f"slowest redraw median {slowest:.1f} ms (aim: under 30 ms on a 2-core machine)")
    return table


def _run_kernels(args):
    quick = {"timesteps": (8,), "batch_sizes": (8,), "units": 8, "steps": 2, "repeats": 1}
    sizes = {"timesteps": args.timesteps, "batch_sizes": args.batch_sizes, "steps": args.steps}
    table = bench_kernels(**quick) if args.quick else bench_kernels(**sizes)
    first = table.iloc[0]
    print(
        f"training steps of the MNIST-rows model on {first['backend']} {first['backend_version']}, "
        f"Keras {first['keras']}, {first['hardware']}: median ms per step "
        f"over {first['repeats']} epochs of {first['steps']} steps"
    )
    shown = ["layer", "timesteps", "batch_size", "fused_ms", "generic_ms", "speedup", "fused_cudnn"]
    print(table[shown].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    path = pathlib.Path(args.csv or f"build/bench/kernels_{first['backend']}.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.4f")
    print(f"wrote {path}")
    return table


def _time(function, repeats):
    function(0)  # warm-up: the first call pays for caches and imports
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        function(i)
        times.append(time.perf_counter() - start)
    return np.array(times) * 1000.0


def _row(name, times_ms):
    median, p95 = np.percentile(times_ms, [50, 95])
    return {"measurement": name, "repeats": len(times_ms), "median_ms": float(median), "p95_ms": float(p95)}


def _time_training(model, batch, steps, repeats, info):
    """Compile `model` as the guide does and time epochs of `steps` copies of one batch.

    Returns the `_row` of the times per training step, and whether the backend's cuDNN functions ran.
    """
    import keras

    keras.utils.set_random_seed(0)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    x, y = np.concatenate([batch[0]] * steps), np.concatenate([batch[1]] * steps)
    with _cudnn_watch(info["backend"]) as calls:
        epochs = _time(lambda _: model.fit(x, y, batch_size=len(batch[1]), shuffle=False, verbose=0), repeats)
    return _row("training step", epochs / steps), bool(calls)


def _check_sizes(name, values):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not list(values):
        raise TypeError(f"`{name}` must be a non-empty sequence of integers, got {describe(values)}.")
    return [check_int(f"{name}[{i}]", value, min_value=1) for i, value in enumerate(values)]


def _check_layers(layers):
    if isinstance(layers, str) or not hasattr(layers, "__iter__") or not list(layers):
        raise TypeError(f"`layers` must be a non-empty sequence of 'LSTM' and 'GRU', got {describe(layers)}.")
    return [check_choice(f"layers[{i}]", layer, ("LSTM", "GRU")) for i, layer in enumerate(layers)]


@contextlib.contextmanager
def _cudnn_watch(backend):
    """Record each successful call of the backend's cuDNN functions while the block runs."""
    calls, patched = [], []
    for module_name, name in CUDNN_FUNCTIONS.get(backend, []):
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # then Keras cannot reach that function either
            continue
        original = getattr(module, name)

        def watched(*args, _original=original, _name=name, **kwargs):
            result = _original(*args, **kwargs)
            calls.append(_name)
            return result

        setattr(module, name, watched)
        patched.append((module, name, original))
    try:
        yield calls
    finally:
        for module, name, original in patched:
            setattr(module, name, original)


def _provenance(info):
    hardware, driver = _hardware(info["device"])
    return {
        "date": datetime.date.today().isoformat(),
        "hardware": hardware,
        "driver": driver,
        "keras": info["keras"],
        "backend_version": importlib.metadata.version(info["backend"]),
        "cudnn": _cudnn_wheel(),
        "python": platform.python_version(),
    }


def _cudnn_wheel():
    """The version of the cuDNN wheel installed beside the backend (nvidia-cudnn-cu13 or -cu12), or ""."""
    for distribution in ("nvidia-cudnn-cu13", "nvidia-cudnn-cu12"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            return f"{distribution} {importlib.metadata.version(distribution)}"
    return ""


def _hardware(device):
    """(name, driver) of the GPU from nvidia-smi, or of the CPU when Keras computes on it."""
    if device != "CPU" and shutil.which("nvidia-smi"):
        query = ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"]
        lines = subprocess.run(query, capture_output=True, text=True, timeout=60).stdout.splitlines()
        if lines:
            name, driver = (part.strip() for part in lines[0].split(",", 1))
            return name, driver
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    name = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        models = [
            line for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")
        ]
        name = models[0].split(":", 1)[1].strip() if models else name
    return f"{name} ({cores} cores)", ""


if __name__ == "__main__":
    main()
