"""draw_cell draws one step of each cell as data flow, with the gate names of rnnedu.reference."""

import re

import pytest
from matplotlib.figure import Figure

from rnnedu import reference
from rnnedu.explain import draw_cell


def parts(figure, prefix):
    (ax,) = figure.axes
    artists = [*ax.patches, *ax.lines, *ax.texts]
    return {a.get_gid().split(":", 1)[1]: a for a in artists if (a.get_gid() or "").startswith(prefix + ":")}


def test_lstm_has_four_gate_boxes_five_operators_and_the_cell_state_line():
    figure = draw_cell("LSTM")
    assert set(parts(figure, "box")) == {"i", "f", "g", "o"} <= set(reference.GATE_NAMES["LSTMCell"])
    operators = parts(figure, "operator")
    assert set(operators) == {"forget", "write", "add", "squash", "output"}
    symbols = {role: text.get_text() for role, text in parts(figure, "symbol").items()}
    assert symbols == {"forget": "×", "write": "×", "add": "+", "squash": "tanh", "output": "×"}
    c_line = parts(figure, "line")["c"]
    xs, ys = c_line.get_data()
    assert min(xs) < 0.5 and max(xs) > 9.5 and set(ys) == {5.0}  # runs across the whole step
    for role in ("forget", "add"):  # the only two things that touch c: a product with f and a sum
        assert operators[role].center[1] == 5.0 and min(xs) < operators[role].center[0] < max(xs)
    activations = {name: text.get_text() for name, text in parts(figure, "activation").items()}
    assert activations == {"i": "σ", "f": "σ", "g": "tanh", "o": "σ"}


def test_gru_has_z_r_candidate_and_an_update_path_but_no_cell_state():
    figure = draw_cell("GRU")
    assert set(parts(figure, "box")) == set(reference.GATE_NAMES["GRUCell"]) == {"z", "r", "candidate"}
    operators = parts(figure, "operator")
    assert set(operators) == {"keep", "one_minus", "write", "add", "reset"}
    assert parts(figure, "symbol")["one_minus"].get_text() == "1−"
    lines = parts(figure, "line")
    assert "c" not in lines and "h_state" in lines
    assert operators["keep"].center[1] == operators["add"].center[1] == 5.0  # z·h(t-1) and the sum on the state line


def test_simple_rnn_is_one_box_without_gates_or_operators():
    figure = draw_cell("SimpleRNN")
    assert set(parts(figure, "box")) == set(reference.GATE_NAMES["SimpleRNNCell"])
    assert parts(figure, "operator") == {} and "c" not in parts(figure, "line")
    assert "no gate" in figure.axes[0].get_title()


def test_draws_into_a_given_axes_and_writes_values():
    figure = Figure()
    ax = figure.add_subplot()
    assert draw_cell("LSTM", ax=ax, values={"f": 0.25, "c_previous": -1.5}) is figure
    values = parts(figure, "value")
    assert values["f"].get_text() == "+0.250" and values["c_previous"].get_text() == "c(t-1) = -1.500"


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ({"kind": "ConvLSTM"}, ValueError, "`kind` must be one of 'LSTM', 'GRU', 'SimpleRNN'; got 'ConvLSTM' (str)."),
        ({"kind": "LSTM", "values": [1.0]}, TypeError, "`values` must be None or a dict of numbers by name"),
        ({"kind": "GRU", "values": {"f": 1.0}}, ValueError, "`values` has 'f', which this cell does not draw"),
    ],
)
def test_bad_arguments_get_clear_errors(arguments, error, message):
    with pytest.raises(error, match=re.escape(message)):
        draw_cell(**arguments)
