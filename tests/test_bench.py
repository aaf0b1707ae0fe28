"""The benchmarks run and report sensible numbers; their timings are never asserted."""

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from rnnedu import bench
from rnnedu.bench import (
    KERNEL_COLUMNS,
    PROVENANCE_COLUMNS,
    bench_gates,
    bench_kernels,
    load_kernel_results,
    main,
    plot_kernels,
)


def test_gates_benchmark_runs_from_the_command_line_and_prints_medians():
    result = subprocess.run(
        [sys.executable, "-m", "rnnedu.bench", "gates", "--quick"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for expected in ("redraw: step slider", "precompute: gate_data", "median_ms", "p95_ms", "step redraw median"):
        assert expected in result.stdout


def test_gates_benchmark_table_has_one_positive_row_per_measurement():
    table = bench_gates(repeats=3, units=4, timesteps=6, long_timesteps=20, batch_size=2, features=3)
    assert table["repeats"].tolist() == [3, 3, 3, 1]
    assert np.all(table["median_ms"] > 0) and np.all(table["p95_ms"] >= table["median_ms"])


def test_unknown_benchmark_is_refused_with_the_choices():
    with pytest.raises(SystemExit):
        main(["kernel"])


def test_bad_benchmark_size_names_the_argument():
    with pytest.raises(ValueError, match="`units` must be an integer >= 1"):
        bench_gates(units=0)


def test_kernels_benchmark_quick_run_writes_a_csv_with_one_row_per_layer(tmp_path, capsys):
    path = tmp_path / "kernels.csv"
    table = main(["kernels", "--quick", "--csv", str(path)])
    printed = capsys.readouterr().out
    assert "fused_ms" in printed and "speedup" in printed and f"wrote {path}" in printed
    saved = pd.read_csv(path)
    assert list(saved.columns) == KERNEL_COLUMNS + PROVENANCE_COLUMNS
    assert saved["layer"].tolist() == ["LSTM", "GRU"] and saved["backend"].tolist() == ["tensorflow"] * 2
    assert np.all(saved["fused_ms"] > 0) and np.all(saved["generic_ms"] > 0)
    assert np.allclose(saved["speedup"], saved["generic_ms"] / saved["fused_ms"], rtol=1e-3)
    assert not table["fused_cudnn"].any() or table["device"].iloc[0] != "CPU"  # no cuDNN without a GPU


def test_cudnn_watch_counts_successful_calls_and_restores_the_function(monkeypatch):
    import math

    original = math.sqrt
    monkeypatch.setitem(bench.CUDNN_FUNCTIONS, "test", [("math", "sqrt")])
    with bench._cudnn_watch("test") as calls:
        assert math.sqrt(4.0) == 2.0
        with pytest.raises(ValueError):
            math.sqrt(-1.0)
    assert calls == ["sqrt"] and math.sqrt is original


def test_committed_gpu_results_load_and_come_from_a_gpu():
    table = load_kernel_results()
    assert table["device"].str.startswith("GPU").all() and set(table["hardware"]) == {"NVIDIA H200"}
    assert sorted(set(table["backend"])) == ["jax", "torch"]
    assert np.allclose(table["speedup"], table["generic_ms"] / table["fused_ms"], rtol=1e-3)
    # the backends reported reaching cuDNN: every fused layer on torch, the LSTM on JAX (JAX has no cuDNN GRU)
    reached = table.groupby(["backend", "layer"])["fused_cudnn"].all().to_dict()
    assert reached == {("jax", "GRU"): False, ("jax", "LSTM"): True, ("torch", "GRU"): True, ("torch", "LSTM"): True}


def test_kernel_plot_has_one_labelled_log_panel_per_backend_with_a_speedup_per_pair():
    import matplotlib.pyplot as plt

    table = load_kernel_results()
    figure = plot_kernels(table)
    assert [ax.get_title().split(" on ")[0] for ax in figure.axes] == ["jax", "torch"]
    for ax, (_, rows) in zip(figure.axes, table.groupby("backend", sort=False)):
        assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel()
        assert len(ax.patches) == 2 * len(rows)
        assert [t.get_text() for t in ax.texts] == [f"{s:.1f}×" for s in rows["speedup"]]
    plt.close(figure)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"timesteps": ()}, TypeError, "`timesteps` must be a non-empty sequence of integers"),
        ({"batch_sizes": (8, 0)}, ValueError, "`batch_sizes[1]` must be an integer >= 1"),
        ({"layers": ("LSTM", "SimpleRNN")}, ValueError, "`layers[1]` must be one of 'LSTM', 'GRU'"),
        ({"repeats": 0}, ValueError, "`repeats` must be an integer >= 1"),
    ],
)
def test_bad_kernel_benchmark_arguments_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        bench_kernels(**kwargs)


def test_plot_refuses_a_table_that_is_not_a_kernel_benchmark():
    with pytest.raises(TypeError, match="`table` must be a table from bench_kernels"):
        plot_kernels(pd.DataFrame({"a": [1]}))


def test_gradients_benchmark_times_every_control_of_the_view_from_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "rnnedu.bench", "gradients", "--quick"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for expected in ("redraw: sample slider", "redraw: scale slider", "redraw: layer drop-down", "slowest redraw"):
        assert expected in result.stdout
