import base64
import io

import keras
import numpy as np
import pytest
from PIL import Image

from rnnedu.viz import gate_data, gate_explorer, plot_gates

LAYERS = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}
PANELS = {"SimpleRNN": 2, "LSTM": 6, "GRU": 4}


def built(kind, units=5, x=None, **kwargs):
    keras.utils.set_random_seed(0)
    layer = LAYERS[kind](units, return_sequences=True, **kwargs)
    x = np.random.default_rng(1).normal(size=(3, 7, 4)).astype("float32") if x is None else x
    return layer, x, keras.ops.convert_to_numpy(layer(x))


def diagram_text(figure):
    (diagram,) = [ax for ax in figure.axes if not ax.axison]  # the only axes drawn without axis lines
    texts = diagram.texts + [text for cell in diagram.child_axes for text in cell.texts]  # the cell's drawing
    return " ".join(text.get_text() for text in texts)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("kind", LAYERS)
def test_gate_data_h_equals_the_keras_layer_output(kind, go_backwards):
    layer, x, output = built(kind, go_backwards=go_backwards)
    data = gate_data(layer, x)
    assert data.kind == kind and len(data.panels) == PANELS[kind]
    np.testing.assert_allclose(data.values["h"], output, atol=1e-5)
    expected_timesteps = np.arange(7)[::-1] if go_backwards else np.arange(7)
    np.testing.assert_array_equal(data.timestep, expected_timesteps)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_previous_states_start_from_the_initial_state(kind):
    layer, x, _ = built(kind)
    count = 2 if kind == "LSTM" else 1
    initial_state = [np.full((3, 5), 0.5, "float32") for _ in range(count)]
    data = gate_data(layer, x, initial_state=initial_state)
    np.testing.assert_allclose(data.h_previous[:, 0], 0.5)
    np.testing.assert_allclose(data.h_previous[:, 1:], data.values["h"][:, :-1])
    if kind == "LSTM":
        np.testing.assert_allclose(data.c_previous[:, 1:], data.values["c"][:, :-1])
        gates = data.values
        np.testing.assert_allclose(gates["c"], gates["f"] * data.c_previous + gates["i"] * gates["g"], atol=1e-6)


def masked_model():
    keras.utils.set_random_seed(0)
    tokens = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(10, 4, mask_zero=True)(tokens)
    outputs = keras.layers.LSTM(6, name="counter")(embedded)
    return keras.Model(tokens, outputs)


def test_gate_data_reads_the_layer_inputs_and_mask_from_a_model():
    model = masked_model()
    tokens = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]])
    data = gate_data(model, tokens, layer_name="counter")
    np.testing.assert_array_equal(data.mask, tokens != 0)
    np.testing.assert_allclose(data.values["h"][:, -1], model(tokens), atol=1e-5)
    assert data.layer == "counter"
    np.testing.assert_allclose(gate_data(model, tokens).values["h"], data.values["h"])  # the only recurrent layer


def test_a_model_with_two_recurrent_layers_needs_the_layer_name():
    inputs = keras.Input((5, 2))
    outputs = keras.layers.GRU(3, name="second")(keras.layers.GRU(3, return_sequences=True, name="first")(inputs))
    model = keras.Model(inputs, outputs)
    x = np.zeros((1, 5, 2), "float32")
    with pytest.raises(ValueError, match=r"`layer_name` is needed: the model has 2 recurrent layers \(first, second\)"):
        gate_data(model, x)
    with pytest.raises(ValueError, match="`layer_name` 'third' is not a layer of the model"):
        gate_data(model, x, layer_name="third")
    assert gate_data(model, x, layer_name="second").values["h"].shape == (1, 5, 3)


@pytest.mark.parametrize("kind", LAYERS)
def test_plot_gates_draws_the_chosen_sample_units_and_step(kind):
    layer, x, _ = built(kind, units=6)
    data = gate_data(layer, x)
    figure = plot_gates(data, sample=2, units=(1, 4), unit=3, step=5)
    heatmaps = figure.axes[: PANELS[kind]]  # then the diagram, then the colour bars
    titles = [ax.get_title().split(":")[0] for ax in heatmaps]
    assert titles == [name if name != "pre_activation" else "pre-activation x·W + h·U + b" for name in data.panels]
    for ax, name in zip(heatmaps, data.panels):
        np.testing.assert_array_equal(ax.images[0].get_array(), data.values[name][2, :, 1:5].T)
        assert ax.images[0].get_extent() == [-0.5, 6.5, 0.5, 4.5]
        tick_marks, step_line, unit_line = ax.lines
        assert step_line.get_xdata()[0] == 5 and unit_line.get_ydata()[0] == 3
        assert list(tick_marks.get_ydata()) == [1, 2, 3, 4]
    drawn = diagram_text(figure)
    assert f"{data.values['h'][2, 5, 3]:+.3f}" in drawn and "unit 3, step 5" in drawn


def test_plot_gates_shades_masked_steps_and_says_the_state_is_carried():
    model = masked_model()
    tokens = np.array([[3, 4, 0, 0, 0]])
    data = gate_data(model, tokens)
    figure = plot_gates(data, step=3)
    heatmap, shading = figure.axes[0].images  # the grey overlay: opaque at masked steps only
    np.testing.assert_array_equal(shading.get_array()[0, :, 3] > 0, tokens[0] == 0)
    assert shading.get_extent() == heatmap.get_extent()
    drawn = diagram_text(figure)
    assert "masked step: the state is carried over" in drawn
    assert f"{data.values['c'][0, 1, 0]:+.3f}" in drawn  # c(t) at a masked step is the carried c


def test_explorer_step_slider_moves_the_marker_and_redraws():
    layer, x, _ = built("LSTM")
    explorer = gate_explorer(layer, x)
    before = explorer.image.value
    explorer.controls["step"].value = 4
    assert explorer.frame.step == 4
    assert all(line.get_xdata()[0] == 4 for line in explorer.frame.step_lines)
    assert explorer.image.value != before
    assert f"{explorer.data.values['h'][0, 4, 0]:+.3f}" in explorer.diagram.value and "step 4" in explorer.diagram.value


def test_explorer_sample_units_and_unit_controls_redraw_the_heatmaps_and_diagram():
    layer, x, _ = built("GRU", units=8)
    explorer = gate_explorer(layer, x)
    explorer.controls["sample"].value = 1
    explorer.controls["units"].value = (2, 5)
    explorer.controls["unit"].value = 4
    z = explorer.frame.axes["z"].images[0]
    np.testing.assert_array_equal(z.get_array(), explorer.data.values["z"][1, :, 2:6].T)
    assert all(line.get_ydata()[0] == 4 for line in explorer.frame.unit_lines)
    assert f"{explorer.data.values['z'][1, 0, 4]:+.3f}" in explorer.diagram.value
    assert explorer.frame.sample_text.get_text() == "sample 1"
    marks, *labels = explorer.frame.unit_ticks[0]  # the first panel's y axis, drawn by the frame itself
    assert [label.get_text() for label in labels if label.get_visible()] == ["2", "3", "4", "5"]
    assert list(marks.get_ydata()) == [2, 3, 4, 5] and explorer.frame.axes["z"].get_ylim() == (1.5, 5.5)


def test_explorer_display_bundle_holds_the_widget_and_a_static_picture():
    layer, x, _ = built("SimpleRNN")
    explorer = gate_explorer(layer, x, step=2)
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    picture = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert picture.format == "PNG" and picture.size[0] == 720
    sliders = {name: (c.min, c.max, c.continuous_update) for name, c in explorer.controls.items()}
    assert sliders == {"sample": (0, 2, False), "units": (0, 4, False), "unit": (0, 4, False), "step": (0, 6, False)}


@pytest.mark.parametrize(
    "make, error, message",
    [
        (
            lambda layer, x: gate_data(layer, x[0]),
            ValueError,
            r"`x` must have shape \(batch_size, timesteps, features\)",
        ),
        (lambda layer, x: gate_data(layer, x[..., :2]), ValueError, "`x` must have 4 features"),
        (lambda layer, x: gate_data(keras.layers.Dense(2), x), TypeError, "`layer` must be a keras.layers.SimpleRNN"),
        (lambda layer, x: gate_data(layer, x, layer_name="lstm"), ValueError, "`layer_name` is only for a keras.Model"),
        (lambda layer, x: plot_gates(gate_data(layer, x), sample=3), ValueError, "`sample` must be an integer >= 0"),
        (
            lambda layer, x: plot_gates(gate_data(layer, x), units=(3, 9)),
            ValueError,
            r"`units` must be \(first, last\)",
        ),
        (lambda layer, x: plot_gates(gate_data(layer, x), step=1.5), TypeError, "`step` must be an integer"),
        (lambda layer, x: plot_gates({"h": 1}), TypeError, "`data` must be the GateData returned by gate_data"),
    ],
)
def test_bad_input_gets_a_clear_error(make, error, message):
    layer, x, _ = built("LSTM")
    with pytest.raises(error, match=message):
        make(layer, x)


def test_a_bidirectional_layer_is_refused_with_a_pointer_to_its_directions():
    layer = keras.layers.Bidirectional(keras.layers.LSTM(2))
    x = np.zeros((1, 3, 2), "float32")
    layer(x)
    with pytest.raises(TypeError, match="Bidirectional"):
        gate_data(layer, x)


def test_plot_gates_draws_into_the_axes_it_is_given_and_returns_their_figure():
    from matplotlib.figure import Figure

    layer, x, _ = built("GRU", units=3)
    data = gate_data(layer, x)
    figure = Figure()
    axes = figure.subplots(1, len(data.panels) + 1)
    assert plot_gates(data, sample=1, step=2, ax=axes) is figure
    for ax, name in zip(axes, data.panels):
        np.testing.assert_array_equal(ax.images[0].get_array(), data.values[name][1].T)
        _tick_marks, step_line, _unit_line = ax.lines
        assert step_line.get_xdata()[0] == 2
    assert "step 2" in " ".join(t.get_text() for t in axes[-1].texts)
    with pytest.raises(TypeError, match=r"`ax` must be None or a sequence of 5 matplotlib Axes"):
        plot_gates(data, ax=axes[:2])


def test_gate_explorer_panels_use_the_gate_names_of_rnnedu_reference():
    from rnnedu import reference
    from rnnedu.viz import gates

    assert gates.PANELS["LSTM"] == (*reference.GATE_NAMES["LSTMCell"], "h") == ("i", "f", "g", "o", "c", "h")
    assert gates.PANELS["GRU"] == (*reference.GATE_NAMES["GRUCell"], "h") == ("z", "r", "candidate", "h")


def test_the_diagram_follows_the_cell_data_flow_with_the_values_of_the_unit():
    layer, x, _ = built("LSTM")
    data = gate_data(layer, x)
    figure = plot_gates(data, sample=1, unit=2, step=4)
    (diagram,) = [ax for ax in figure.axes if not ax.axison]
    (cell,) = diagram.child_axes
    assert {p.get_gid() for p in cell.patches} >= {"box:i", "box:f", "box:g", "box:o", "operator:add"}
    assert "line:c" in {line.get_gid() for line in cell.lines}
    values = {text.get_gid(): text.get_text() for text in cell.texts if (text.get_gid() or "").startswith("value:")}
    assert values["value:f"] == f"{data.values['f'][1, 4, 2]:+.3f}"
    assert values["value:c_previous"] == f"c(t-1) = {data.c_previous[1, 4, 2]:+.3f}"
    explorer = gate_explorer(layer, x, unit=2, step=4, sample=1)
    rows = explorer.diagram.value.split("<div>")
    assert "c(t-1)" in rows[2] and "c(t)" in rows[2] and "o" in rows[3]  # the state line first, then the output
    assert f"{data.values['f'][1, 4, 2]:+.3f}" in rows[2]
