"""The benchmarks run and report sensible numbers; their timings are never asserted."""

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from rnnedu.bench import bench_gates, bench_kernels, bench_masks, bench_merge, main
from rnnedu.datasets import KERNEL_COLUMNS, PROVENANCE_COLUMNS, SCAN_COLUMNS
from rnnedu.parallel import has_associative_scan


@pytest.mark.slow
def test_view_benchmarks_run_from_the_command_line_and_print_every_control():
    result = subprocess.run(
        [sys.executable, "-m", "rnnedu.bench", "views", "--quick"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    controls = ["sample", "units", "unit", "step", "padding", "layer", "sample", "sample", "merge_mode"]
    controls += ["position", "temperature", "sample", "sample", "scale", "layer"]  # generation, gradients
    controls += ["step"]  # attention
    measured = re.findall(r"^\s*redraw: (\w+)", result.stdout, flags=re.M)
    assert measured == controls
    assert "precompute: gate_data" in result.stdout and result.stdout.count("slowest redraw median") == 6


@pytest.mark.slow
def test_every_control_of_every_view_is_timed_with_positive_medians():
    tables = [
        bench_gates(repeats=3, units=4, timesteps=6, long_timesteps=20, batch_size=2, features=3),
        bench_masks(repeats=3, batch_size=3, max_length=4, units=2),
        bench_merge(repeats=3, batch_size=2, timesteps=3, units=2, features=1),
    ]
    for table, controls in zip(tables, [("sample", "units", "unit", "step"), ("padding", "layer", "sample")]):
        assert table["measurement"].tolist()[: len(controls)] == [f"redraw: {c}" for c in controls]
    for table in tables:
        assert np.all(table["median_ms"] > 0) and np.all(table["p95_ms"] >= table["median_ms"])
    assert tables[0]["repeats"].tolist() == [3, 3, 3, 3, 1]


def test_unknown_benchmark_is_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["kernel"])
    assert exit.value.code == 2
    choices = "'gates', 'masks', 'merge', 'generation', 'gradients', 'attention', 'views', 'kernels', 'scan'"
    assert f"invalid choice: 'kernel' (choose from {choices})" in capsys.readouterr().err.replace('"', "'")


def test_bad_benchmark_size_names_the_argument():
    with pytest.raises(ValueError, match="`units` must be an integer >= 1"):
        bench_gates(units=0)


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.skipif(not has_associative_scan(), reason="the scan needs keras.ops.associative_scan (Keras >= 3.5)")
def test_scan_benchmark_quick_run_writes_a_csv_with_one_row_per_family(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    main(["scan", "--quick", "--csv", str(path)])
    printed = capsys.readouterr().out
    assert "sequential_over_parallel" in printed and f"wrote {path}" in printed
    saved = pd.read_csv(path)
    assert list(saved.columns) == SCAN_COLUMNS + PROVENANCE_COLUMNS
    assert saved["family"].tolist() == ["GRU", "LSTM"] and saved["backend"].tolist() == ["tensorflow"] * 2
    assert np.all(saved[["parallel_ms", "sequential_ms", "builtin_ms"]] > 0)
    assert np.allclose(saved["sequential_over_parallel"], saved["sequential_ms"] / saved["parallel_ms"], rtol=1e-3)
    assert np.allclose(saved["builtin_over_parallel"], saved["builtin_ms"] / saved["parallel_ms"], rtol=1e-3)


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


@pytest.mark.slow
def test_attention_benchmark_times_the_step_slider_and_the_precompute(capsys):
    table = main(["attention", "--quick"])
    assert table["measurement"].tolist() == ["redraw: step", "precompute: attention_data"]
    assert np.all(table["median_ms"] > 0) and "slowest redraw median" in capsys.readouterr().out


def test_gradients_benchmark_times_every_control_of_the_view_from_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "rnnedu.bench", "gradients", "--quick"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for expected in ("redraw: sample", "redraw: scale", "redraw: layer", "slowest redraw"):
        assert expected in result.stdout
