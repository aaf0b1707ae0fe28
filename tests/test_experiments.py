"""python -m rnnedu.experiments: the lag sweep runs, and the committed one is what the notebook reads."""

import re

import numpy as np
import pandas as pd
import pytest

from rnnedu.datasets import ATTENTION_COLUMNS, LAG_COLUMNS, load_attention_sweep, load_lag_sweep
from rnnedu.experiments import attention_sweep, lag_sweep, main, plot_attention_sweep, plot_lag_sweep
from rnnedu.parallel import has_associative_scan


def test_quick_sweep_writes_a_csv_with_provenance(tmp_path, capsys):
    path = tmp_path / "lag.csv"
    table = main(["lag", "--quick", "--csv", str(path)])
    assert f"wrote {path}" in capsys.readouterr().out
    saved = pd.read_csv(path)
    assert list(saved.columns) == LAG_COLUMNS
    assert sorted(set(saved["layer"])) == ["GRU", "LSTM", "SimpleRNN"] and sorted(set(saved["lag"])) == [1, 2]
    assert (saved["command"] == f"python -m rnnedu.experiments lag --quick --csv {path}").all()
    assert saved["accuracy"].between(0, 1).all() and (table["seconds"] > 0).all()


@pytest.mark.skipif(not has_associative_scan(), reason="MinGRU scans with keras.ops.associative_scan (Keras >= 3.5)")
def test_quick_mingru_sweep_trains_the_chosen_scanned_layer(tmp_path, capsys):
    path = tmp_path / "mingru.csv"
    main(["mingru", "--quick", "--layers", "MinGRU-shut", "--csv", str(path)])
    saved = pd.read_csv(path)
    assert list(saved["layer"]) == ["MinGRU-shut", "MinGRU-shut"] and list(saved["lag"]) == [1, 2]
    assert (saved["command"] == f"python -m rnnedu.experiments mingru --quick --layers MinGRU-shut --csv {path}").all()
    assert "MinGRU-shut 1" in capsys.readouterr().out


def test_an_unknown_layer_on_the_command_line_is_named():
    with pytest.raises(ValueError, match=r"`layers\[0\]` must be one of .*'MinGRU-shut'"):
        main(["mingru", "--quick", "--layers", "RNN"])


def test_committed_mingru_sweep_compares_gru_and_both_mingrus_over_three_seeds():
    table = load_lag_sweep("mingru_sweep.csv")
    assert sorted(set(table["layer"])) == ["GRU", "MinGRU", "MinGRU-shut"] and sorted(set(table["lag"])) == [5, 10, 20]
    assert len(table) == 27 and table.groupby(["layer", "lag"])["seed"].nunique().eq(3).all()
    commands = table.groupby("layer")["command"].agg(set).to_dict()
    made = "python -m rnnedu.experiments mingru"
    assert commands == {
        "GRU": {f"{made} --csv data/mingru_sweep.csv"},
        "MinGRU": {f"{made} --csv data/mingru_sweep.csv"},
        "MinGRU-shut": {f"{made} --layers MinGRU-shut --csv build/experiments/mingru_shut.csv"},
    }
    # the same budget for every layer: units, epochs and data
    assert table[["units", "epochs", "train_size", "test_size"]].drop_duplicates().shape[0] == 1


def test_committed_sweep_has_three_seeds_four_lags_and_every_layer():
    table = load_lag_sweep()
    assert len(table) == 36 and table.groupby(["layer", "lag"])["seed"].nunique().eq(3).all()
    assert sorted(set(table["lag"])) == [2, 5, 10, 20]
    assert set(table["command"]) == {"python -m rnnedu.experiments lag --csv data/lag_sweep.csv"}
    assert (table["keras"] == "3.15.1").all() and (table["tensorflow"] == "2.21.0").all()


def test_plot_draws_a_mean_line_and_every_seed_per_layer():
    table = load_lag_sweep()
    figure = plot_lag_sweep(table)
    (ax,) = figure.axes
    means = [line for line in ax.lines if line.get_label().endswith("(mean of seeds)")]
    assert [line.get_label().split()[0] for line in means] == ["SimpleRNN", "GRU", "LSTM"]
    lstm = table[table["layer"] == "LSTM"].groupby("lag")["accuracy"].mean()
    np.testing.assert_allclose(means[2].get_ydata(), lstm.values)
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(table)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"lags": ()}, TypeError, "`lags` must be a non-empty sequence of integers"),
        ({"lags": (5, 2000)}, ValueError, "`lags[1]` must be an integer >= 0 and <= 1000"),
        ({"layers": ("LSTM", "RNN")}, ValueError, "`layers[1]` must be one of 'SimpleRNN', 'GRU', 'LSTM'"),
        ({"units": 0}, ValueError, "`units` must be an integer >= 1 and <= 256"),
    ],
)
def test_bad_sweep_arguments_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        lag_sweep(**kwargs)


def test_plot_refuses_what_is_not_a_sweep():
    with pytest.raises(TypeError, match="`table` must be a table from lag_sweep"):
        plot_lag_sweep(pd.DataFrame({"a": [1]}))


@pytest.mark.slow
def test_quick_attention_sweep_writes_a_csv_with_provenance(tmp_path, capsys):
    path = tmp_path / "attention.csv"
    main(["attention", "--quick", "--csv", str(path)])
    assert f"wrote {path}" in capsys.readouterr().out
    saved = pd.read_csv(path)
    assert list(saved.columns) == ATTENTION_COLUMNS
    assert sorted(set(saved["model"])) == ["additive", "dot", "plain", "self_attention"]
    assert (saved["command"] == f"python -m rnnedu.experiments attention --quick --csv {path}").all()
    assert saved["accuracy"].between(0, 1).all() and (saved["accuracy"] <= saved["char_accuracy"]).all()


def test_committed_attention_sweep_has_every_model_at_four_lengths_and_two_seeds():
    table = load_attention_sweep()
    assert len(table) == 32 and table.groupby(["model", "length"])["seed"].nunique().eq(2).all()
    assert sorted(set(table["length"])) == [3, 6, 9, 12]
    assert set(table["command"]) == {"python -m rnnedu.experiments attention --csv data/attention_sweep.csv"}
    assert (table["keras"] == "3.15.1").all() and (table["tensorflow"] == "2.21.0").all()
    recurrent = table[table["model"] != "self_attention"]  # its position embedding grows with the length
    assert recurrent.groupby("model")["params"].nunique().eq(1).all()


def test_attention_plot_draws_a_mean_line_and_every_seed_per_model():
    table = load_attention_sweep()
    (ax,) = plot_attention_sweep(table).axes
    assert [line.get_label().split(" (")[0] for line in ax.lines][0] == "GRU encoder-decoder, no attention"
    plain = table[table["model"] == "plain"].groupby("length")["accuracy"].mean()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), plain.values)
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(table)


def test_bad_attention_sweep_arguments_name_the_argument():
    with pytest.raises(ValueError, match=re.escape("`lengths[0]` must be an integer >= 1 and <= 100")):
        attention_sweep(lengths=(0,))
    with pytest.raises(TypeError, match="`models` must be a non-empty sequence"):
        attention_sweep(models="plain")
    with pytest.raises(TypeError, match="`table` must be a table from attention_sweep"):
        plot_attention_sweep(pd.DataFrame({"a": [1]}))
