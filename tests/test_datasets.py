import re
import shutil
import socket
import time

import numpy as np
import pytest

from rnnedu import datasets
from rnnedu.language import PRETRAINED_WEIGHTS, load_pretrained


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of data/, so tests can damage it without touching the real one."""
    copy = tmp_path / "data"
    shutil.copytree(datasets.data_dir(), copy)
    monkeypatch.setenv("RNNEDU_DATA", str(copy))
    return copy


def test_mnist_subset_has_keras_shapes_and_dtypes():
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist("subset", verbose=False)
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert x_train.max() == 255 and x_train.min() == 0


def test_mnist_subset_split_is_stratified_and_disjoint():
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist("subset", verbose=False)
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    train_rows = {image.tobytes() for image in x_train}
    assert not any(image.tobytes() in train_rows for image in x_test)


def test_mnist_subset_is_shuffled_not_sorted_by_label():
    (_, y_train), _ = datasets.load_mnist("subset", verbose=False)
    assert len(set(y_train[:50].tolist())) > 5


def test_auto_falls_back_to_subset_quickly_when_offline(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # nothing cached there
    monkeypatch.delenv("RNNEDU_OFFLINE", raising=False)  # so the loader really tries the network
    start = time.monotonic()
    (x_train, _), _ = datasets.load_mnist("auto", timeout=3.0)
    assert time.monotonic() - start < 3.0
    assert x_train.shape == (4000, 28, 28)
    assert "5,000-image subset" in capsys.readouterr().out


def test_the_test_suite_blocks_the_network():
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("storage.googleapis.com", 443), timeout=1)


def test_full_mnist_offline_raises_instead_of_hanging(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    start = time.monotonic()
    with pytest.raises(Exception, match="blocked|URL|fetch"):
        datasets.load_mnist("full", timeout=1.0, verbose=False)
    assert time.monotonic() - start < 10


def test_sunspots_monthly_and_yearly():
    time_m, values_m = datasets.load_sunspots("monthly")
    time_y, values_y = datasets.load_sunspots("yearly")
    assert len(values_m) == 3120 and len(values_y) == 309
    assert time_m[0] == pytest.approx(1749 + 0.5 / 12) and time_m[-1] == pytest.approx(2009 - 0.5 / 12)
    assert np.all(np.diff(time_m) > 0) and np.all(np.diff(time_y) == 1)
    assert values_m.min() >= 0 and values_y.min() >= 0
    # The monthly means of a year average to that year's value in the yearly series, roughly.
    assert np.corrcoef(values_m.reshape(-1, 12).mean(axis=1), values_y[49:])[0, 1] > 0.99


def test_corrupt_file_gives_a_clear_error(data_copy):
    path = data_copy / "sunspots.npz"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(datasets.DataFileError, match=r"sunspots\.npz is corrupt.*git checkout -- data/sunspots\.npz"):
        datasets.load_sunspots()


def test_missing_file_gives_a_clear_error(data_copy):
    (data_copy / "mnist_5k.npz").unlink()
    with pytest.raises(datasets.DataFileError, match=r"mnist_5k\.npz is missing.*make_data\.py"):
        datasets.load_mnist("subset")


def test_missing_data_folder_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNEDU_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(datasets.DataFileError, match="RNNEDU_DATA"):
        datasets.data_dir()


def test_loading_does_not_change_the_data_files():
    before = {p.name: p.read_bytes() for p in datasets.data_dir().iterdir() if p.is_file()}
    datasets.load_mnist("subset", verbose=False)
    datasets.load_sunspots()
    after = {p.name: p.read_bytes() for p in datasets.data_dir().iterdir() if p.is_file()}
    assert before == after


def test_addition_problems_are_correct_and_seeded():
    questions, answers = datasets.addition_problems(200, digits=3, seed=7)
    assert all(datasets.solve_addition(q) == int(a) for q, a in zip(questions, answers))
    assert all(len(part) <= 3 for q in questions for part in q.split("+"))
    assert (questions, answers) == datasets.addition_problems(200, digits=3, seed=7)
    assert questions != datasets.addition_problems(200, digits=3, seed=8)[0]


def test_variable_length_sequences_respect_bounds_and_reserve_zero():
    sequences, labels = datasets.variable_length_sequences(300, min_length=0, max_length=7, vocab_size=5, seed=1)
    lengths = [len(s) for s in sequences]
    assert min(lengths) == 0 and max(lengths) == 7
    assert all(1 <= token < 5 for s in sequences for token in s)
    expected = [int(bool(s) and np.mean(s) > 2.5) for s in sequences]
    assert labels.tolist() == expected


def test_bracket_depth_is_the_running_count():
    tokens, depth = datasets.bracket_depth(50, timesteps=30, max_depth=3, seed=2)
    steps = np.where(tokens == 0, 1, -1)
    assert np.array_equal(depth, np.cumsum(steps, axis=1))
    assert depth.min() >= 0 and depth.max() == 3


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: datasets.load_mnist("tiny"), "`source` must be one of"),
        (lambda: datasets.load_mnist(timeout=0), "`timeout` must be a number >= 0.001"),
        (lambda: datasets.load_mnist(verbose="yes"), "`verbose` must be True or False"),
        (lambda: datasets.load_sunspots("daily"), "`frequency` must be one of 'monthly', 'yearly'"),
        (lambda: datasets.verify("other.npz"), "`name` must be one of"),
        (lambda: datasets.addition_problems(0), "`n` must be an integer >= 1"),
        (lambda: datasets.addition_problems(5, digits=12), "`digits` must be an integer >= 1 and <= 9"),
        (lambda: datasets.addition_problems(5, seed=-1), "`seed` must be an integer >= 0"),
        (lambda: datasets.addition_problems(2.5), "`n` must be an integer, got 2.5"),
        (lambda: datasets.solve_addition("3*4"), "`question` must be a string like"),
        (lambda: datasets.solve_addition("a+4"), "`question` must be two non-negative integers"),
        (lambda: datasets.variable_length_sequences(5, min_length=4, max_length=2), "`max_length` must be"),
        (lambda: datasets.variable_length_sequences(5, vocab_size=1), "`vocab_size` must be an integer >= 2"),
        (lambda: datasets.bracket_depth(5, timesteps=0), "`timesteps` must be an integer >= 1"),
        (lambda: datasets.bracket_depth(5, max_depth=True), "`max_depth` must be an integer, got True"),
    ],
)
def test_bad_arguments_name_the_argument(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


def test_committed_gpu_results_load_and_come_from_a_gpu():
    table = datasets.load_kernel_results()
    assert table["device"].str.startswith("GPU").all() and set(table["hardware"]) == {"NVIDIA H200"}
    assert sorted(set(table["backend"])) == ["jax", "torch"]
    assert np.allclose(table["speedup"], table["generic_ms"] / table["fused_ms"], rtol=1e-3)
    # the backends reported reaching cuDNN: every fused layer on torch, the LSTM on JAX (JAX has no cuDNN GRU)
    reached = table.groupby(["backend", "layer"])["fused_cudnn"].all().to_dict()
    assert reached == {("jax", "GRU"): False, ("jax", "LSTM"): True, ("torch", "GRU"): True, ("torch", "LSTM"): True}


def test_kernel_plot_has_one_labelled_log_panel_per_backend_with_a_speedup_per_pair():
    table = datasets.load_kernel_results()
    figure = datasets.plot_kernels(table)
    assert [ax.get_title().split(" on ")[0] for ax in figure.axes] == ["jax", "torch"]
    for ax, (_, rows) in zip(figure.axes, table.groupby("backend", sort=False)):
        assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel()
        assert len(ax.patches) == 2 * len(rows)
        assert [t.get_text() for t in ax.texts] == [f"{s:.1f}×" for s in rows["speedup"]]
    assert type(figure).__module__ == "matplotlib.figure" and figure.canvas.manager is None  # not pyplot's


def test_kernel_plot_draws_into_the_axes_it_is_given():
    from matplotlib.figure import Figure

    axes = Figure().subplots(1, 2)
    figure = datasets.plot_kernels(datasets.load_kernel_results(), ax=axes)
    assert figure is axes[0].figure and all(len(ax.patches) for ax in axes)


def test_plot_refuses_a_table_that_is_not_a_kernel_benchmark():
    import pandas as pd

    with pytest.raises(TypeError, match="`table` must be a table from load_kernel_results"):
        datasets.plot_kernels(pd.DataFrame({"a": [1]}))


def test_scan_plot_has_three_lines_per_backend_and_the_committed_ratios():
    table = datasets.load_scan_results()
    figure = datasets.plot_scan(table, family="LSTM")
    assert [ax.get_title() for ax in figure.axes] == ["jax on NVIDIA H200", "torch on NVIDIA H200"]
    for ax, backend in zip(figure.axes, ["jax", "torch"]):
        rows = table[(table["backend"] == backend) & (table["family"] == "LSTM")].sort_values("timesteps")
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        lines = {line.get_label(): line for line in ax.get_lines()}
        scanned = lines["MinLSTM(parallel=True): one scan"]
        assert list(scanned.get_xdata()) == list(rows["timesteps"]) and list(scanned.get_ydata()) == list(
            rows["parallel_ms"]
        )
        assert list(lines["MinLSTM(parallel=False): a loop of steps"].get_ydata()) == list(rows["sequential_ms"])
        assert [t.get_text() for t in ax.texts] == [f"{r:.1f}×" for r in rows["sequential_over_parallel"]]
    assert type(figure).__module__ == "matplotlib.figure" and figure.canvas.manager is None  # not pyplot's


def test_scan_plot_draws_into_the_axes_it_is_given_and_refuses_other_tables():
    import pandas as pd
    from matplotlib.figure import Figure

    axes = Figure().subplots(1, 2)
    figure = datasets.plot_scan(datasets.load_scan_results(), ax=axes)
    assert figure is axes[0].figure and all(len(ax.get_lines()) == 3 for ax in axes)
    with pytest.raises(TypeError, match="`table` must be a table from load_scan_results"):
        datasets.plot_scan(datasets.load_kernel_results())
    with pytest.raises(TypeError, match="`table` must be a table from load_scan_results"):
        datasets.plot_scan(pd.DataFrame({"a": [1]}))


def test_committed_scan_results_ratios_are_the_medians_ratios():
    table = datasets.load_scan_results()
    assert set(table["hardware"]) == {"NVIDIA H200"} and len(table) == 16
    assert np.allclose(table["sequential_over_parallel"], table["sequential_ms"] / table["parallel_ms"], rtol=1e-3)
    assert np.allclose(table["builtin_over_parallel"], table["builtin_ms"] / table["parallel_ms"], rtol=1e-3)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: datasets.addition_problems(10**12), "`n` must be an integer >= 1 and <= 1000000"),
        (lambda: datasets.variable_length_sequences(10**12), "`n` must be an integer >= 1 and <= 1000000"),
        (lambda: datasets.variable_length_sequences(5, max_length=10**12), "`max_length` must be an integer >= 1"),
        (lambda: datasets.bracket_depth(10**12), "`n` must be an integer >= 1 and <= 1000000"),
        (lambda: datasets.bracket_depth(10**6, timesteps=10**5), "`n` × `timesteps` must be <= 50,000,000"),
    ],
)
def test_sizes_beyond_the_limit_are_refused_with_the_limit(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()


def test_a_corrupt_text_gives_a_clear_error(data_copy):
    path = data_copy / "devils_dictionary.txt"
    path.write_bytes(path.read_bytes().replace(b"ZOOLOGY", b"ZOOLOGX"))
    with pytest.raises(datasets.DataFileError, match=r"devils_dictionary\.txt is corrupt.*git checkout"):
        datasets.load_devils_dictionary()


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_missing_or_corrupt_weights_give_a_clear_error(data_copy, damage):
    path = data_copy / PRETRAINED_WEIGHTS
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(datasets.DataFileError, match=rf"weights\.h5 is {damage}"):
        load_pretrained()


def test_delayed_recall_puts_the_answer_at_step_0_and_only_noise_after_it():
    from rnnedu.datasets import delayed_recall

    x, labels = delayed_recall(200, lag=7, classes=3, noise=0.5, seed=4)
    assert x.shape == (200, 8, 4) and x.dtype == np.float32 and labels.dtype == np.int64
    np.testing.assert_array_equal(x[:, 0, :3].argmax(axis=1), labels)
    np.testing.assert_array_equal(x[:, :, 3], np.eye(8)[np.zeros(200, int)])  # the marker: step 0 only
    assert abs(float(x[:, 1:, :3].std()) - 0.5) < 0.05
    x_again, _ = delayed_recall(200, lag=7, classes=3, noise=0.5, seed=4)
    np.testing.assert_array_equal(x, x_again)
    with pytest.raises(ValueError, match="`lag` must be an integer >= 0 and <= 1000"):
        delayed_recall(10, lag=1001)
    with pytest.raises(ValueError, match="`n` must be an integer >= 1 and <= 100000"):
        delayed_recall(100_001, lag=1)
