"""The benchmarks run and report sensible numbers; their timings are never asserted."""

import subprocess
import sys

import numpy as np
import pytest

from rnnedu.bench import bench_gates, main


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
