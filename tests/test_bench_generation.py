"""The generation view's benchmark runs and times every control; its timings are never asserted."""

import subprocess
import sys

import numpy as np

from rnnedu.bench import bench_generation


def test_generation_benchmark_runs_from_the_command_line_and_prints_medians():
    result = subprocess.run(
        [sys.executable, "-m", "rnnedu.bench", "generation", "--quick"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for expected in ("redraw: position", "redraw: temperature", "redraw: sample"):
        assert expected in result.stdout
    assert "precompute: generation_data" in result.stdout and "slowest redraw median" in result.stdout


def test_generation_benchmark_times_every_control_of_the_view():
    from rnnedu.language import Vocabulary, char_language_model
    from rnnedu.viz import generation_view

    table = bench_generation(repeats=3, units=4, length=10, num_samples=2)
    assert table["repeats"].tolist() == [3, 3, 3, 1]
    assert np.all(table["median_ms"] > 0) and np.all(table["p95_ms"] >= table["median_ms"])
    timed = [name.split(": ")[1] for name in table["measurement"] if name.startswith("redraw")]
    vocabulary = Vocabulary.from_text("ab")
    view = generation_view(char_language_model(2, units=2)[1], "a", vocabulary, length=3, num_samples=1)
    assert timed == list(view.controls)
