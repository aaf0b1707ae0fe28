"""Benchmarks: medians and 95th percentiles, printed, never asserted.

Run from the project's environment:

    python -m rnnedu.bench gates           # the gate explorer: every control's redraw, and the precompute
    python -m rnnedu.bench masks           # the mask view: every control's redraw
    python -m rnnedu.bench merge           # the merge view: every control's redraw
    python -m rnnedu.bench generation      # the generation view: every control, and its precompute
    python -m rnnedu.bench gradients       # the gradient view: every control, and its precompute
    python -m rnnedu.bench attention       # the attention view: its step slider, and its precompute
    python -m rnnedu.bench views --quick   # every view, fewer repeats, as the tests run it
    python -m rnnedu.bench kernels         # training steps: fused LSTM/GRU against RNN(cell)
    KERAS_BACKEND=jax python -m rnnedu.bench kernels --csv kernels_jax.csv
    python -m rnnedu.bench scan            # training steps: MinGRU/MinLSTM scanned and looped, GRU/LSTM

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
import warnings

import numpy as np
import pandas as pd

from rnnedu._validate import check_argv, check_choice, check_int, describe
from rnnedu.cudnn import watch_cudnn_calls
from rnnedu.datasets import KERNEL_COLUMNS, SCAN_COLUMNS

__all__ = [
    "bench_attention",
    "bench_gates",
    "bench_generation",
    "bench_gradients",
    "bench_kernels",
    "bench_masks",
    "bench_merge",
    "bench_scan",
    "main",
]

COLUMNS = ["measurement", "repeats", "median_ms", "p95_ms"]


def bench_gates(repeats=50, units=64, timesteps=100, long_timesteps=1000, batch_size=8, features=8):
    """Time the gate explorer: every control's redraw, and the precompute it does once.

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
    ['redraw: sample', 'redraw: units', 'redraw: unit', 'redraw: step', 'precompute: gate_data']
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
    shown = min(units, 32)
    values = {
        "sample": list(range(batch_size)),
        "units": [(0, shown - 1), (0, max(0, shown // 2 - 1))],
        "unit": list(range(shown)),
        "step": list(range(timesteps)),
    }
    rows = _time_controls(gate_explorer(layer, x), values, repeats)
    long_x = rng.normal(size=(batch_size, long_timesteps, features)).astype("float32")
    rows.append(_row("precompute: gate_data", _time(lambda _: gate_data(layer, long_x), max(1, repeats // 10))))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs["setup"] = (
        f"gate explorer on LSTM({units}), batch_size {batch_size}, {features} features; redraws on {timesteps} "
        f"steps, precompute on {long_timesteps} steps"
    )
    return table


def bench_masks(repeats=50, batch_size=8, max_length=20, units=16):
    """Time the mask view: every control's redraw (padding, layer, sample).

    The model is the one of notebook 09: Embedding(mask_zero=True), LSTM,
    Conv1D, pooling and Dense, on a batch of token sequences of different lengths.

    Args:
        repeats: redraws timed per control, >= 1.
        batch_size: sequences in the batch, >= 2.
        max_length: the longest sequence, >= 1.
        units: LSTM units, >= 1.

    Returns:
        pandas.DataFrame with columns measurement, repeats, median_ms, p95_ms.

    Example:
    >>> bench_masks(repeats=2, batch_size=3, max_length=4, units=2)["measurement"].tolist()
    ['redraw: padding', 'redraw: layer', 'redraw: sample']
    """
    import keras

    from rnnedu.datasets import variable_length_sequences
    from rnnedu.viz import mask_view

    repeats = check_int("repeats", repeats, min_value=1)
    batch_size = check_int("batch_size", batch_size, min_value=2)
    max_length = check_int("max_length", max_length, min_value=1)
    units = check_int("units", units, min_value=1)
    keras.utils.set_random_seed(0)
    with warnings.catch_warnings():  # Conv1D drops the mask on purpose: the view shows it doing so
        warnings.filterwarnings("ignore", message="Layer 'conv1d' .* does not support masking")
        model = keras.Sequential(
            [
                keras.Input((None,), dtype="int32"),
                keras.layers.Embedding(20, 4, mask_zero=True),
                keras.layers.LSTM(units, return_sequences=True),
                keras.layers.Conv1D(4, 3, padding="same", name="conv1d"),
                keras.layers.GlobalAveragePooling1D(),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
    batch, _ = variable_length_sequences(batch_size, 0, max_length, vocab_size=20, seed=0)
    view = mask_view(model, batch)
    values = {"padding": ["pre", "post"], "layer": view.data.layer_names, "sample": list(range(batch_size))}
    table = pd.DataFrame(_time_controls(view, values, repeats), columns=COLUMNS)
    table.attrs["setup"] = f"mask view of a {len(model.layers)}-layer model, batch_size {batch_size}"
    return table


def bench_merge(repeats=50, batch_size=8, timesteps=30, units=16, features=4):
    """Time the merge view: every control's redraw (sample, merge_mode).

    Args:
        repeats: redraws timed per control, >= 1.
        batch_size: sequences in the batch, >= 1.
        timesteps: sequence length, >= 1.
        units: units of each direction, >= 1.
        features: input features per timestep, >= 1.

    Returns:
        pandas.DataFrame with columns measurement, repeats, median_ms, p95_ms.

    Example:
    >>> bench_merge(repeats=2, batch_size=2, timesteps=3, units=2, features=1)["measurement"].tolist()
    ['redraw: sample', 'redraw: merge_mode']
    """
    import keras

    from rnnedu.viz import merge_view

    repeats = check_int("repeats", repeats, min_value=1)
    sizes = {"batch_size": batch_size, "timesteps": timesteps, "units": units, "features": features}
    for name, value in sizes.items():
        check_int(name, value, min_value=1)
    keras.utils.set_random_seed(0)
    layer = keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=True))
    x = np.random.default_rng(0).normal(size=(batch_size, timesteps, features)).astype("float32")
    layer(x)
    view = merge_view(layer, x)
    values = {"sample": list(range(batch_size)), "merge_mode": list(view.controls["merge_mode"].options)}
    table = pd.DataFrame(_time_controls(view, values, repeats), columns=COLUMNS)
    table.attrs["setup"] = f"merge view of Bidirectional(GRU({units})), batch_size {batch_size}, {timesteps} steps"
    return table


def bench_generation(repeats=50, units=64, length=240, num_samples=4):
    """Time the generation view: each control's redraw, and the generation it does once.

    The model is an untrained `char_language_model` on The Devil's
    Dictionary's vocabulary: the time does not depend on the weights.

    Args:
        repeats: redraws timed per control, >= 1 (the precompute runs
            `max(1, repeats // 25)` times).
        units: GRU units, >= 1.
        length: characters generated, 1 to 480.
        num_samples: samples per temperature, 1 to 16.

    Returns:
        pandas.DataFrame with columns measurement, repeats, median_ms, p95_ms.

    Example:
    >>> table = bench_generation(repeats=2, units=4, length=12, num_samples=2)
    >>> table["measurement"].tolist()[:3]
    ['redraw: position', 'redraw: temperature', 'redraw: sample']
    """
    from rnnedu.datasets import load_devils_dictionary
    from rnnedu.language import Vocabulary, char_language_model
    from rnnedu.viz import GenerationView, generation_data

    repeats = check_int("repeats", repeats, min_value=1)
    units = check_int("units", units, min_value=1)
    train_text, test_text = load_devils_dictionary()
    vocabulary = Vocabulary.from_text(train_text + test_text)
    _, step_model = char_language_model(vocabulary.vocab_size, units=units)
    prompt = "POLITICIAN, n.  "
    data = generation_data(step_model, prompt, vocabulary, length=length, num_samples=num_samples)
    view = GenerationView(data)
    temperatures = data.temperatures
    controls = {
        "position": lambda i: setattr(view.controls["position"], "value", (i * 37 + 1) % length),
        "temperature": lambda i: setattr(
            view.controls["temperature"], "value", temperatures[(i + 1) % len(temperatures)]
        ),
        "sample": lambda _: view.controls["sample"].click(),
    }
    rows = [_row(f"redraw: {name}", _time(move, repeats)) for name, move in controls.items()]
    precompute = _time(
        lambda _: generation_data(step_model, prompt, vocabulary, length=length, num_samples=num_samples),
        max(1, repeats // 25),
    )
    rows.append(_row("precompute: generation_data", precompute))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs["setup"] = (
        f"GRU({units}), {len(temperatures)} temperatures × {num_samples} samples × {length} characters"
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
    ['redraw: sample', 'redraw: scale', 'redraw: layer', 'precompute: gradient_view']
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
    for name, move in moves.items():
        control = view.controls[name]
        times = _time(lambda i, control=control, move=move: setattr(control, "value", move(i)), repeats)
        rows.append(_row(f"redraw: {name}", times))
    rows.append(_row("precompute: gradient_view", np.array([precompute])))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs["setup"] = (
        f"GRU({units}) then LSTM({units}), batch_size {batch_size}, {timesteps} timesteps, {features} features, "
        f"{count} scales"
    )
    return table


def bench_attention(repeats=50, length=12, units=32):
    """Time the attention view: its step slider's redraw, and the decoding and weights it computes once.

    The model is an untrained `attention_encoder_decoder` on the reversal
    task's vocabulary: the time does not depend on the weights.

    Args:
        repeats: redraws timed, >= 1 (the precompute runs `max(1, repeats // 25)` times).
        length: digits in the string shown, 1 to 40.
        units: units of the encoder and decoder, 1 to 256.

    Returns:
        pandas.DataFrame with columns measurement, repeats, median_ms, p95_ms.

    Example:
    >>> bench_attention(repeats=2, length=3, units=2)["measurement"].tolist()
    ['redraw: step', 'precompute: attention_data']
    """
    import keras

    from rnnedu.attention import attention_encoder_decoder
    from rnnedu.datasets import REVERSAL_CHARS, reversal_problems
    from rnnedu.viz import AttentionView, attention_data

    repeats = check_int("repeats", repeats, min_value=1)
    length = check_int("length", length, min_value=1, max_value=40)
    units = check_int("units", units, min_value=1, max_value=256)
    keras.utils.set_random_seed(0)
    model, _, _ = attention_encoder_decoder(len(REVERSAL_CHARS), units=units, attention="additive")
    source, target = reversal_problems(1, length, seed=0)
    data = attention_data(model, source[0], REVERSAL_CHARS, expected=target[0])
    view = AttentionView(data)
    rows = _time_controls(view, {"step": list(range(length))}, repeats)
    precompute = _time(
        lambda _: attention_data(model, source[0], REVERSAL_CHARS, expected=target[0]), max(1, repeats // 25)
    )
    rows.append(_row("precompute: attention_data", precompute))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs["setup"] = f"attention view of an AdditiveAttention GRU({units}) encoder-decoder, {length} digits"
    return table


def _time_controls(view, values, repeats):
    """Time setting each control of a view to the next of its `values`, as a learner moving it would."""
    rows = []
    for name, options in values.items():
        control = view.controls[name]
        options = [value for value in options if value != control.value] + [control.value]  # each set changes it
        times = _time(
            lambda i, control=control, options=options: setattr(control, "value", options[i % len(options)]), repeats
        )
        rows.append(_row(f"redraw: {name}", times))
    return rows


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
    from rnnedu.environment import describe_environment
    from rnnedu.models import mnist_rows_classifier

    timesteps, batch_sizes = _check_sizes("timesteps", timesteps), _check_sizes("batch_sizes", batch_sizes)
    units = check_int("units", units, min_value=1)
    steps = check_int("steps", steps, min_value=1)
    repeats = check_int("repeats", repeats, min_value=1)
    layers = _check_layers(layers)
    info = describe_environment()
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


def bench_scan(
    timesteps=(64, 256, 1024, 4096), batch_size=64, features=64, units=128, steps=8, repeats=5, families=("GRU", "LSTM")
):
    """Time training steps of minGRU/minLSTM scanned in parallel and looped, against the built-in GRU/LSTM.

    For every family and sequence length it trains three models of the same
    shape, Input -> recurrent layer -> Dense(10): `rnnedu.parallel.MinGRU`
    with `parallel=True` (one `keras.ops.associative_scan` over the sequence),
    the same layer with `parallel=False` (its cell in the `keras.layers.RNN`
    loop, one step after another), and the built-in `keras.layers.GRU`
    (fused, e.g. cuDNN, where the backend and device have it); the same for
    LSTM. Each is compiled and fitted as in `bench_kernels`: one untimed epoch
    of `steps` batches, then `repeats` timed epochs; an epoch's time divided
    by `steps` is a training step (forward, backward, update).

    Args:
        timesteps: non-empty sequence of ints >= 1, the sequence lengths.
        batch_size: int >= 1.
        features: int >= 1, the size of each input step.
        units: int >= 1, the recurrent layers' units.
        steps: int >= 1, training steps per epoch.
        repeats: int >= 1, timed epochs per model.
        families: non-empty sequence of "GRU" and "LSTM".

    Returns:
        pandas.DataFrame, one row per family and length: backend, device, family,
        timesteps, batch_size, features, units, steps, repeats, the median and
        95th percentile ms per training step of the parallel, sequential and
        built-in models, builtin_cudnn (whether the built-in layer called the
        backend's cuDNN function), the ratios sequential_over_parallel and
        builtin_over_parallel, then the provenance columns as in `bench_kernels`.

    Example:
    >>> table = bench_scan(timesteps=(4,), batch_size=2, features=3, units=3, steps=1, repeats=1, families=("GRU",))
    >>> table[["family", "timesteps", "batch_size", "units"]].values.tolist()
    [['GRU', 4, 2, 3]]
    """
    import keras

    from rnnedu import parallel
    from rnnedu.environment import describe_environment

    timesteps = _check_sizes("timesteps", timesteps)
    batch_size, features, units = (
        check_int(name, value, min_value=1)
        for name, value in (("batch_size", batch_size), ("features", features), ("units", units))
    )
    steps = check_int("steps", steps, min_value=1)
    repeats = check_int("repeats", repeats, min_value=1)
    families = _check_layers(families, name="families")
    info = describe_environment()
    rows = []
    for family, length in itertools.product(families, timesteps):
        rng = np.random.default_rng(0)
        batch = rng.normal(size=(batch_size, length, features)).astype("float32"), rng.integers(0, 10, batch_size)
        minimal = {"GRU": parallel.MinGRU, "LSTM": parallel.MinLSTM}[family]
        times = {}
        for kind, layer in (
            ("parallel", minimal(units, parallel=True)),
            ("sequential", minimal(units, parallel=False)),
            ("builtin", getattr(keras.layers, family)(units)),
        ):
            model = keras.Sequential([keras.Input((length, features)), layer, keras.layers.Dense(10)])
            times[kind] = _time_training(model, batch, steps, repeats, info)
        rows.append(
            {"backend": info["backend"], "device": info["device"], "family": family, "timesteps": length}
            | {"batch_size": batch_size, "features": features, "units": units, "steps": steps, "repeats": repeats}
            | {f"{kind}_ms": row["median_ms"] for kind, (row, _) in times.items()}
            | {f"{kind}_p95_ms": row["p95_ms"] for kind, (row, _) in times.items()}
            | {"builtin_cudnn": times["builtin"][1]}
            | {
                "sequential_over_parallel": times["sequential"][0]["median_ms"] / times["parallel"][0]["median_ms"],
                "builtin_over_parallel": times["builtin"][0]["median_ms"] / times["parallel"][0]["median_ms"],
            }
        )
    table = pd.DataFrame(rows, columns=SCAN_COLUMNS)
    for column, value in _provenance(info).items():
        table[column] = value
    return table


BENCHMARKS = {
    "gates": bench_gates,
    "masks": bench_masks,
    "merge": bench_merge,
    "generation": bench_generation,
    "gradients": bench_gradients,
    "attention": bench_attention,
}


def main(argv=None):
    """Run a benchmark from the command line and print its table.

    Args:
        argv: list of command-line arguments, e.g. ["gates", "--quick"]; None reads sys.argv.

    Returns:
        the benchmark's pandas.DataFrame (for "views", the three views' tables joined).
    """
    check_argv(argv, "['gates', '--quick']")
    parser = argparse.ArgumentParser(prog="python -m rnnedu.bench", description=__doc__.splitlines()[0])
    choices = [*BENCHMARKS, "views", "kernels", "scan"]
    parser.add_argument("benchmark", choices=choices, help="what to measure ('views': every view)")
    parser.add_argument("--quick", action="store_true", help="few repeats: checks that it runs, measures little")
    parser.add_argument("--csv", help="kernels, scan: where to write the table (default build/bench/NAME_BACKEND.csv)")
    parser.add_argument("--timesteps", type=int, nargs="+", help="kernels, scan: sequence lengths")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256], help="kernels: batch sizes")
    parser.add_argument("--steps", type=int, help="kernels, scan: training steps per timed epoch (32, 8)")
    args = parser.parse_args(argv)
    if args.benchmark == "kernels":
        return _run_kernels(args)
    if args.benchmark == "scan":
        return _run_scan(args)
    names = list(BENCHMARKS) if args.benchmark == "views" else [args.benchmark]
    tables = []
    for name in names:
        table = BENCHMARKS[name](repeats=5) if args.quick else BENCHMARKS[name]()
        print(f"{table.attrs['setup']}:")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
        slowest = table[table["measurement"].str.startswith("redraw")]["median_ms"].max()
        print(f"slowest redraw median {slowest:.1f} ms (aim: at most 30 ms on a 2-core machine)\n")
        tables.append(table.assign(view=name))
    return pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]


def _run_kernels(args):
    quick = {"timesteps": (8,), "batch_sizes": (8,), "units": 8, "steps": 2, "repeats": 1}
    sizes = {"timesteps": args.timesteps or [28, 112], "batch_sizes": args.batch_sizes, "steps": args.steps or 32}
    table = bench_kernels(**quick) if args.quick else bench_kernels(**sizes)
    first = table.iloc[0]
    print(
        f"training steps of the MNIST-rows model on {first['backend']} {first['backend_version']}, "
        f"Keras {first['keras']}, {first['hardware']}: median ms per step "
        f"over {first['repeats']} epochs of {first['steps']} steps"
    )
    shown = ["layer", "timesteps", "batch_size", "fused_ms", "generic_ms", "speedup", "fused_cudnn"]
    print(table[shown].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return _write_csv(table, args.csv or f"build/bench/kernels_{first['backend']}.csv")


def _run_scan(args):
    quick = {"timesteps": (8,), "batch_size": 4, "features": 3, "units": 4, "steps": 1, "repeats": 1}
    sizes = {"timesteps": args.timesteps or [64, 256, 1024, 4096], "steps": args.steps or 8}
    table = bench_scan(**quick) if args.quick else bench_scan(**sizes)
    first = table.iloc[0]
    print(
        f"training steps on {first['backend']} {first['backend_version']}, Keras {first['keras']}, "
        f"{first['hardware']}: batch {first['batch_size']}, {first['features']} features, {first['units']} units; "
        f"median ms per step over {first['repeats']} epochs of {first['steps']} steps"
    )
    shown = ["family", "timesteps", "parallel_ms", "sequential_ms", "builtin_ms", "builtin_cudnn"]
    shown += ["sequential_over_parallel", "builtin_over_parallel"]
    print(table[shown].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return _write_csv(table, args.csv or f"build/bench/scan_{first['backend']}.csv")


def _write_csv(table, path):
    path = pathlib.Path(path)
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
    with watch_cudnn_calls(info["backend"]) as calls:
        epochs = _time(lambda _: model.fit(x, y, batch_size=len(batch[1]), shuffle=False, verbose=0), repeats)
    return _row("training step", epochs / steps), bool(calls)


def _check_sizes(name, values):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not list(values):
        raise TypeError(f"`{name}` must be a non-empty sequence of integers, got {describe(values)}.")
    return [check_int(f"{name}[{i}]", value, min_value=1) for i, value in enumerate(values)]


def _check_layers(layers, name="layers"):
    if isinstance(layers, str) or not hasattr(layers, "__iter__") or not list(layers):
        raise TypeError(f"`{name}` must be a non-empty sequence of 'LSTM' and 'GRU', got {describe(layers)}.")
    return [check_choice(f"{name}[{i}]", layer, ("LSTM", "GRU")) for i, layer in enumerate(layers)]


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
