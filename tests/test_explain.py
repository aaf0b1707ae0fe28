import itertools
import math

import keras
import numpy as np
import pytest
from matplotlib.patches import FancyBboxPatch

from rnnedu.explain import draw_unrolled, explain_params, explain_shapes, layer_totals

L = keras.layers
RECURRENT = {
    "SimpleRNN": lambda units, **kw: L.SimpleRNN(units, **kw),
    "LSTM": lambda units, **kw: L.LSTM(units, **kw),
    "GRU(reset_after=True)": lambda units, **kw: L.GRU(units, reset_after=True, **kw),
    "GRU(reset_after=False)": lambda units, **kw: L.GRU(units, reset_after=False, **kw),
}
CELLS = {
    "SimpleRNNCell": lambda units: L.SimpleRNNCell(units),
    "LSTMCell": lambda units: L.LSTMCell(units),
    "GRUCell(reset_after=True)": lambda units: L.GRUCell(units, reset_after=True),
    "GRUCell(reset_after=False)": lambda units: L.GRUCell(units, reset_after=False),
}


def configurations():
    """(id, factory, input_shape): over 200 layers of every kind explain_params covers.

    Each factory binds its loop values as default arguments, so it builds the
    layer its id names even when called after the loop has moved on.
    """
    for (name, make), units, features, use_bias in itertools.product(
        RECURRENT.items(), (1, 3, 8, 17), (1, 5, 12), (True, False)
    ):
        yield (
            f"{name}-{units}u-{features}f-bias{use_bias}",
            lambda make=make, units=units, use_bias=use_bias: make(units, use_bias=use_bias),
            (None, 4, features),
        )
    for (name, make), units, features in itertools.product(CELLS.items(), (2, 7), (3, 6)):
        yield (
            f"RNN({name})-{units}u-{features}f",
            lambda make=make, units=units: L.RNN(make(units)),
            (None, 4, features),
        )
    for (a, make_a), (b, make_b) in itertools.product(CELLS.items(), repeat=2):
        yield (
            f"Stacked({a},{b})",
            lambda make_a=make_a, make_b=make_b: L.RNN(L.StackedRNNCells([make_a(3), make_b(5)])),
            (None, 4, 6),
        )
    for (name, make), merge_mode, units in itertools.product(
        RECURRENT.items(), ("concat", "sum", "mul", "ave", None), (2, 9)
    ):
        yield (
            f"Bidirectional({name})-{merge_mode}-{units}u",
            lambda make=make, merge_mode=merge_mode, units=units: L.Bidirectional(make(units), merge_mode),
            (None, 4, 5),
        )
    for (a, make_a), (b, make_b) in itertools.product(RECURRENT.items(), repeat=2):
        yield (
            f"Bidirectional({a}, backward={b})",
            lambda make_a=make_a, make_b=make_b: L.Bidirectional(
                make_a(4), backward_layer=make_b(4, go_backwards=True)
            ),
            (None, 4, 3),
        )
    for vocab_size, embed_dim in itertools.product((10, 1000), (4, 64)):
        yield (
            f"Embedding({vocab_size},{embed_dim})",
            lambda vocab_size=vocab_size, embed_dim=embed_dim: L.Embedding(vocab_size, embed_dim),
            (None, 7),
        )
    for units, features, use_bias in itertools.product((1, 10), (3, 128), (True, False)):
        yield (
            f"Dense({units})-{features}f-bias{use_bias}",
            lambda units=units, use_bias=use_bias: L.Dense(units, use_bias=use_bias),
            (None, features),
        )
        yield (
            f"TimeDistributed(Dense({units}))-{features}f-bias{use_bias}",
            lambda units=units, use_bias=use_bias: L.TimeDistributed(L.Dense(units, use_bias=use_bias)),
            (None, 4, features),
        )
    for filters, size, channels in itertools.product((2, 5), (1, 3), (1, 4)):
        yield (
            f"ConvLSTM1D({filters},{size})-{channels}c",
            lambda filters=filters, size=size: L.ConvLSTM1D(filters, size),
            (None, 3, 8, channels),
        )
        yield (
            f"ConvLSTM2D({filters},({size},2))-{channels}c",
            lambda filters=filters, size=size: L.ConvLSTM2D(filters, (size, 2)),
            (None, 3, 6, 6, channels),
        )


def test_each_factory_builds_the_layer_its_id_names():
    built = {id_: make() for id_, make, _ in CONFIGURATIONS}
    assert built["SimpleRNN-1u-1f-biasTrue"].units == 1
    assert type(built["RNN(LSTMCell)-7u-6f"].cell).__name__ == "LSTMCell"
    assert built["Bidirectional(LSTM)-sum-2u"].merge_mode == "sum"


CONFIGURATIONS = list(configurations())


def test_the_grid_has_at_least_200_configurations():
    assert len(CONFIGURATIONS) >= 200


def weight_rows(table):
    return table[table["layer"] != "total"]


def check_table_against_keras(table, layer):
    rows = weight_rows(table)
    assert int(table["count"].iloc[-1]) == layer.count_params()
    assert sorted(zip(rows["weight"], rows["shape"])) == sorted((v.name, tuple(v.shape)) for v in layer.weights)
    for _, row in rows.iterrows():
        assert row["count"] == math.prod(row["shape"])
        assert "no formula known" not in row["formula"], row.to_dict()
        factors, result = row["arithmetic"].split(" = ")
        assert math.prod(int(f) for f in factors.split(" × ")) == row["count"] == int(result.replace(",", ""))


@pytest.mark.parametrize("make, input_shape", [c[1:] for c in CONFIGURATIONS], ids=[c[0] for c in CONFIGURATIONS])
def test_explain_params_matches_keras(make, input_shape):
    layer = make()
    check_table_against_keras(explain_params(layer, input_shape=input_shape), layer)


def layer_total(table, name):
    return int(layer_totals(table)[name])


def test_the_guides_published_counts():
    model = keras.Sequential(
        [keras.Input((None,)), L.Embedding(1000, 64, name="e"), L.LSTM(128, name="l"), L.Dense(10, name="d")]
    )
    table = explain_params(model)
    assert [layer_total(table, n) for n in "eld"] == [64_000, 98_816, 1_290]

    model = keras.Sequential(
        [
            keras.Input((None,)),
            L.Embedding(1000, 64, name="e"),
            L.GRU(256, return_sequences=True, name="g"),
            L.SimpleRNN(128, name="s"),
            L.Dense(10, name="d"),
        ]
    )
    table = explain_params(model)
    assert [layer_total(table, n) for n in "egsd"] == [64_000, 247_296, 49_280, 1_290]

    model = keras.Sequential(
        [
            keras.Input((5, 10)),
            L.Bidirectional(L.LSTM(64, return_sequences=True), name="b1"),
            L.Bidirectional(L.LSTM(32), name="b2"),
            L.Dense(10),
        ]
    )
    table = explain_params(model)
    assert [layer_total(table, n) for n in ("b1", "b2")] == [38_400, 41_216]

    encoder_input = keras.Input((None,))
    embedded = L.Embedding(1000, 64)(encoder_input)
    _, h, c = L.LSTM(64, return_state=True, name="encoder")(embedded)
    decoder_input = keras.Input((None,))
    decoded = L.LSTM(64, name="decoder")(L.Embedding(2000, 64)(decoder_input), initial_state=[h, c])
    model = keras.Model([encoder_input, decoder_input], L.Dense(10)(decoded))
    table = explain_params(model)
    assert layer_total(table, "encoder") == layer_total(table, "decoder") == 33_024
    check_table_against_keras(table, model)


def test_whole_models_with_masking_and_time_distributed():
    model = keras.Sequential(
        [
            keras.Input((6, 3)),
            L.Masking(),
            L.LSTM(5, return_sequences=True),
            L.TimeDistributed(L.Dense(2)),
        ]
    )
    check_table_against_keras(explain_params(model), model)


class Scale(L.Layer):
    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1], 2), name="scale")


def test_unknown_layer_gets_a_row_per_weight_and_a_note():
    layer = Scale()
    table = explain_params(layer, input_shape=(None, 3))
    assert table["weight"].tolist() == ["scale", ""] and table["count"].tolist() == [6, 6]
    assert "no formula known" in table["formula"].iloc[0]


def test_unbuilt_model_is_built_from_input_shape():
    model = keras.Sequential([L.LSTM(4), L.Dense(1)])
    table = explain_params(model, input_shape=(None, 3, 2))
    assert int(table["count"].iloc[-1]) == 4 * 4 * (2 + 4 + 1) + 5


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: explain_params("LSTM"), TypeError, "`layer_or_model` must be a Keras layer or model, got 'LSTM'"),
        (lambda: explain_params(L.LSTM(3)), ValueError, "not built yet.*input_shape="),
        (lambda: explain_params(L.Masking(), input_shape=(None, 3, 2)), ValueError, "has no weights"),
        (lambda: explain_params(L.LSTM(3), input_shape=[None, 3, 2]), TypeError, "`input_shape` must be a tuple"),
        (lambda: explain_shapes(L.LSTM(3)), TypeError, "`model` must be a keras.Model"),
        (lambda: explain_shapes(keras.Sequential([L.LSTM(3)])), ValueError, "keras.Input"),
        (lambda: layer_totals([1, 2]), TypeError, "`table` must be a table returned by explain_params"),
        (lambda: draw_unrolled(L.Dense(3)), TypeError, "must be a recurrent layer"),
        (lambda: draw_unrolled(L.LSTM(3)), ValueError, "not built yet"),
        (lambda: draw_unrolled(L.LSTM(3), timesteps=0), ValueError, "`timesteps` must be an integer >= 1"),
    ],
)
def test_bad_input_gives_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_built_layer_rejects_an_input_shape():
    layer = L.LSTM(3)
    layer.build((None, 4, 2))
    with pytest.raises(ValueError, match="already built"):
        explain_params(layer, input_shape=(None, 4, 2))


def shapes_of(model):
    table = explain_shapes(model)
    return table, dict(zip(zip(table["layer"], table["output"]), table["shape"]))


@pytest.mark.parametrize("layer_class", [L.SimpleRNN, L.GRU, L.LSTM])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("return_state", [True, False])
def test_explain_shapes_matches_the_real_outputs(layer_class, return_sequences, return_state):
    inputs = keras.Input((5, 3))
    outputs = layer_class(4, return_sequences=return_sequences, return_state=return_state, name="rnn")(inputs)
    model = keras.Model(inputs, outputs)
    table, shapes = shapes_of(model)
    real = model(np.zeros((2, 5, 3), "float32"))
    real = real if isinstance(real, (list, tuple)) else [real]
    rows = table[table["layer"] == "rnn"]
    expected_names = ["output"] + (["state h", "state c"] if layer_class is L.LSTM else ["state h"]) * return_state
    assert rows["output"].tolist() == expected_names
    assert [(2, *s[1:]) for s in rows["shape"]] == [tuple(r.shape) for r in real]
    last_axes = rows["axes"].iloc[0]
    assert last_axes == ("batch_size=None × timesteps=5 × units=4" if return_sequences else "batch_size=None × units=4")


@pytest.mark.parametrize("merge_mode, last", [("concat", 8), ("sum", 4), ("mul", 4), ("ave", 4)])
def test_explain_shapes_names_bidirectional_merges(merge_mode, last):
    model = keras.Sequential([keras.Input((5, 3)), L.Bidirectional(L.GRU(4), merge_mode=merge_mode, name="bi")])
    table, shapes = shapes_of(model)
    assert shapes[("bi", "output")] == (None, last)
    assert tuple(model(np.zeros((1, 5, 3), "float32")).shape) == (1, last)
    assert ("forward ‖ backward" in table["axes"].iloc[-1]) == (merge_mode == "concat")


def test_explain_shapes_splits_merge_mode_none_and_states():
    inputs = keras.Input((5, 3))
    outputs = L.Bidirectional(L.LSTM(4, return_state=True), merge_mode=None, name="bi")(inputs)
    table, shapes = shapes_of(keras.Model(inputs, outputs))
    names = table[table["layer"] == "bi"]["output"].tolist()
    assert names == [
        "forward output",
        "backward output",
        "forward state h",
        "forward state c",
        "backward state h",
        "backward state c",
    ]


def test_explain_shapes_names_inputs_and_embeddings():
    model = keras.Sequential([keras.Input((7,)), L.Embedding(100, 16, name="emb")])
    table, _ = shapes_of(model)
    assert table["axes"].tolist() == ["batch_size=None × timesteps=7", "batch_size=None × timesteps=7 × embed_dim=16"]


def boxes(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]


def texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("timesteps", [1, 3, 6])
def test_draw_unrolled_draws_a_box_per_step_and_colours_returned_outputs(return_sequences, timesteps):
    layer = L.LSTM(16, return_sequences=return_sequences)
    layer.build((None, 9, 3))
    fig = draw_unrolled(layer, timesteps=timesteps)
    drawn = boxes(fig)
    assert len(drawn) == timesteps
    returned = [b for b in drawn if b.get_edgecolor()[:3] != (0.6, 0.6, 0.6)]
    assert len(returned) == (timesteps if return_sequences else 1)
    assert "x[0]\n(batch_size, 3)" in texts(fig) and f"y[{timesteps - 1}]  (batch_size, 16)" in texts(fig)


def test_draw_unrolled_shows_states_go_backwards_and_bidirectional_rows():
    layer = L.GRU(5, return_state=True, go_backwards=True)
    layer.build((None, 9, 2))
    fig = draw_unrolled(layer, timesteps=4)
    labels = texts(fig)
    assert "returned\nstate h" in labels
    assert [t for t in labels if t.startswith("x[")][0] == "x[3]\n(batch_size, 2)"  # reads the last step first
    model = keras.Sequential([keras.Input((5, 2)), L.Bidirectional(L.LSTM(3)), L.Dense(1)])
    fig = draw_unrolled(model, timesteps=2)
    assert len(boxes(fig)) == 4
    assert any("(forward)" in t for t in texts(fig)) and any("(backward)" in t for t in texts(fig))


@pytest.mark.parametrize(
    "layer, names",
    [(keras.layers.LSTM(3), ("i", "f", "g", "o")), (keras.layers.GRU(3), ("z", "r", "candidate"))],
)
def test_explain_params_names_the_gates_as_rnnedu_reference_records_them(layer, names):
    from rnnedu import reference

    model = keras.Sequential([keras.Input((4, 2)), layer])
    formulas = explain_params(model)["formula"].iloc[:3]
    wanted = f"{len(names)} gates ({', '.join(names)})"
    assert all(wanted in formula for formula in formulas), list(formulas)
    cell = type(layer.cell).__name__
    assert set(names) <= set(reference.GATE_NAMES[cell])  # the names trace() records, and the explorer shows


def test_draw_encoder_decoder_draws_both_halves_and_hands_over_the_states():
    from matplotlib.figure import Figure

    from rnnedu.explain import draw_encoder_decoder

    figure = draw_encoder_decoder(source_steps=5, target_steps=3, states=("h",))
    ax = figure.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert [b.get_gid() for b in boxes] == ["encoder"] * 5 + ["decoder"] * 3
    texts = [t.get_text() for t in ax.texts]
    assert "final [h]\n= initial_state" in texts and texts.count("start token") == 1
    assert [t for t in texts if t.startswith("predicts")] == [f"predicts\ntarget[{t}]" for t in range(3)]
    assert "[h]" in ax.get_title()
    given = Figure().add_subplot()
    assert draw_encoder_decoder(ax=given) is given.figure  # draws into the caller's Axes


def test_draw_nested_states_names_both_state_shapes_and_the_packed_size():
    from rnnedu.explain import draw_nested_states

    ax = draw_nested_states(32, (64, 32), 10, (20, 30), timesteps=3).axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("packed step: 32 + 64×32 = 2080") == 3
    assert "vector state (10,)" in texts and "matrix state (20, 30), kept flat as 600" in texts
    assert texts.count("output: 10 + 600") == 3
    with pytest.raises(ValueError, match="`matrix_shape` must be a pair"):
        draw_nested_states(32, 64, 10, (20, 30))


def test_draw_mask_flow_draws_each_mask_cell_by_cell():
    from rnnedu.explain import draw_mask_flow

    made = np.array([[True, True, False, False], [True, False, False, False]])
    cut = made[:, ::2]
    ax = draw_mask_flow([("embedding", made), ("every other", cut), ("pooling", None)]).axes[0]
    gids = [p.get_gid() for p in ax.patches if p.get_gid() in ("real", "masked")]
    assert gids.count("real") == made.sum() + cut.sum() and gids.count("masked") == (~made).sum() + (~cut).sum()
    assert "no mask" in [t.get_text() for t in ax.texts]
    assert ax.get_title() == "The mask from embedding to pooling"
    with pytest.raises(ValueError, match="boolean array"):
        draw_mask_flow([("embedding", made.astype(int))])


@pytest.mark.parametrize("name, blocks", [("MinGRU", ("z", "candidate")), ("MinLSTM", ("f", "i", "candidate"))])
def test_explain_params_explains_min_gru_and_min_lstm_like_the_built_in_layers(name, blocks):
    from rnnedu import parallel

    layer = getattr(parallel, name)(7, parallel=False)
    model = keras.Sequential([keras.Input((5, 3)), layer])
    table = explain_params(model)
    assert table["layer"].iloc[-1] == "total" and table["count"].iloc[-1] == model.count_params()
    table = table.iloc[:-1]
    assert table["count"].sum() == model.count_params() == len(blocks) * (3 * 7 + 7)
    wanted = f"{len(blocks)} gates ({', '.join(blocks)})"
    assert table["weight"].tolist() == ["kernel", "bias"] and all(wanted in f for f in table["formula"])
    assert table["arithmetic"].tolist() == [
        f"{len(blocks)} × 3 × 7 = {len(blocks) * 21}",
        f"{len(blocks)} × 7 = {len(blocks) * 7}",
    ]
