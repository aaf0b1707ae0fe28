"""Benchmarks: medians and 95th percentiles, printed, never asserted.

Run from the project's environment:

    python -m rnnedu.bench gates           # the gate explorer: redraw and precompute
    python -m rnnedu.bench gates --quick   # fewer repeats, as the tests run it

Timings depend on the machine; a test only checks that a benchmark runs.
"""

import argparse
import time

import numpy as np
import pandas as pd

from rnnedu._validate import check_int

COLUMNS = ["measurement", "repeats", "median_ms", "p95_ms"]


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


def main(argv=None):
    """Run a benchmark from the command line and print its table.

    Args:
        argv: list of command-line arguments, e.g. ["gates", "--quick"]; None reads sys.argv.

    Returns:
        the benchmark's pandas.DataFrame.
    """
    parser = argparse.ArgumentParser(prog="python -m rnnedu.bench", description=__doc__.splitlines()[0])
    parser.add_argument("benchmark", choices=["gates"], help="what to measure")
    parser.add_argument("--quick", action="store_true", help="few repeats: checks that it runs, measures little")
    args = parser.parse_args(argv)
    table = bench_gates(repeats=5) if args.quick else bench_gates()
    print(f"gate explorer: {table.attrs['setup']}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    step = table.set_index("measurement").loc["redraw: step slider", "median_ms"]
    print(f"step redraw median {step:.1f} ms (aim: under 30 ms on a 2-core machine)")
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


if __name__ == "__main__":
    main()
