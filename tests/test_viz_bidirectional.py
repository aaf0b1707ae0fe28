import base64
import io
import re

import keras
import numpy as np
import pytest
from PIL import Image

from rnnedu.viz import merge_data, merge_view, plot_merge
from rnnedu.viz.bidirectional import MERGE_MODES

LAYERS = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}
MODES = list(MERGE_MODES)


def bidirectional(kind, return_sequences=True, merge_mode="concat", **kwargs):
    keras.utils.set_random_seed(0)
    layer = keras.layers.Bidirectional(
        LAYERS[kind](4, return_sequences=return_sequences, **kwargs), merge_mode=merge_mode
    )
    x = np.random.default_rng(2).normal(size=(3, 6, 5)).astype("float32")
    return layer, x, layer(x)


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("merge_mode", MODES)
def test_every_merge_equals_what_keras_returns_for_that_merge_mode(kind, return_sequences, merge_mode):
    layer, x, _ = bidirectional(kind, return_sequences)
    data = merge_data(layer, x)
    twin = keras.layers.Bidirectional(LAYERS[kind](4, return_sequences=return_sequences), merge_mode=merge_mode)
    twin.build(x.shape)
    twin.set_weights(layer.get_weights())
    expected = twin(x)
    ours = data.merged[merge_mode]
    pairs = zip(ours, expected) if merge_mode is None else [(ours, expected)]
    for a, b in pairs:
        np.testing.assert_allclose(a, keras.ops.convert_to_numpy(b), atol=1e-5)


@pytest.mark.parametrize("kind", LAYERS)
def test_backward_outputs_are_the_reversed_computation_realigned_in_time(kind):
    layer, x, _ = bidirectional(kind, merge_mode=None)
    data = merge_data(layer, x)
    np.testing.assert_array_equal(data.backward, data.backward_as_computed[:, ::-1])
    alone = LAYERS[kind](4, return_sequences=True)  # a forward layer with the backward weights, on reversed inputs
    alone.build(x.shape)
    alone.set_weights(layer.backward_layer.get_weights())
    np.testing.assert_allclose(data.backward_as_computed, alone(x[:, ::-1]), atol=1e-5)


def test_a_different_backward_layer_offers_only_the_merges_that_fit():
    keras.utils.set_random_seed(0)
    layer = keras.layers.Bidirectional(
        keras.layers.LSTM(4, return_sequences=True),
        backward_layer=keras.layers.GRU(3, return_sequences=True, go_backwards=True),
    )
    x = np.zeros((1, 5, 2), "float32")
    output = layer(x)
    data = merge_data(layer, x)
    assert list(data.merged) == ["concat", None]
    np.testing.assert_allclose(data.merged["concat"], output, atol=1e-6)
    with pytest.raises(ValueError, match="`merge_mode` must be one of 'concat', None for this layer; got 'sum'"):
        plot_merge(data, merge_mode="sum")


def test_states_returned_with_the_outputs_do_not_disturb_the_merge():
    layer, x, (output, *states) = bidirectional("LSTM", return_sequences=False, return_state=True)
    data = merge_data(layer, x)
    np.testing.assert_allclose(data.merged["concat"], output, atol=1e-6)
    np.testing.assert_allclose(data.forward[:, -1], states[0], atol=1e-6)  # forward h
    np.testing.assert_allclose(data.backward[:, 0], states[2], atol=1e-6)  # backward h


@pytest.mark.parametrize("merge_mode", MODES)
def test_plot_merge_draws_the_sample_and_states_the_shape(merge_mode):
    layer, x, _ = bidirectional("GRU")
    data = merge_data(layer, x)
    figure = plot_merge(data, sample=2, merge_mode=merge_mode)
    forward, computed, backward, merged = figure.axes[:4]
    np.testing.assert_array_equal(forward.images[0].get_array(), data.forward[2].T)
    np.testing.assert_array_equal(computed.images[0].get_array(), data.backward_as_computed[2].T)
    np.testing.assert_array_equal(backward.images[0].get_array(), data.backward[2].T)
    width = {"concat": 8, None: 9}.get(merge_mode, 4)  # None: forward, a blank unit, backward
    assert merged.images[0].get_array().shape == (width, 6)
    assert f"merge_mode={merge_mode!r}" in merged.get_title()
    assert figure._suptitle.get_text().endswith("with the same weights: True")


def test_view_controls_redraw_the_merge():
    layer, x, _ = bidirectional("LSTM")
    view = merge_view(layer, x)
    before = view.image.value
    view.controls["merge_mode"].value = "mul"
    assert view.frame.merge_mode == "mul" and view.image.value != before
    np.testing.assert_allclose(view.frame.images["merged"].get_array(), view.data.merged["mul"][0].T)
    view.controls["sample"].value = 1
    np.testing.assert_allclose(view.frame.images["merged"].get_array(), view.data.merged["mul"][1].T)
    view.controls["merge_mode"].value = "None"
    assert view.frame.merge_mode is None
    assert view.controls["merge_mode"].options == ("concat", "sum", "mul", "ave", "None")
    bundle = view._repr_mimebundle_()
    assert Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).format == "PNG"
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.widget.model_id


@pytest.mark.parametrize(
    "make, error, message",
    [
        (
            lambda layer, x: merge_data(keras.layers.LSTM(2), x),
            TypeError,
            "`layer` must be a keras.layers.Bidirectional",
        ),
        (lambda layer, x: merge_data(layer, x[0]), ValueError, r"`x` must have shape \(batch_size, timesteps"),
        (lambda layer, x: merge_data(layer, x[..., :2]), ValueError, "`x` must have 5 features"),
        (lambda layer, x: plot_merge(merge_data(layer, x), sample=5), ValueError, "`sample` must be an integer"),
        (lambda layer, x: plot_merge(merge_data(layer, x), merge_mode="max"), ValueError, "`merge_mode` must be one"),
        (lambda layer, x: plot_merge([1, 2]), TypeError, "`data` must be the MergeData returned by merge_data"),
    ],
)
def test_bad_input_gets_a_clear_error(make, error, message):
    layer, x, _ = bidirectional("SimpleRNN")
    with pytest.raises(error, match=message):
        make(layer, x)


def test_an_unbuilt_layer_is_refused():
    with pytest.raises(ValueError, match="is not built yet"):
        merge_data(keras.layers.Bidirectional(keras.layers.LSTM(2)), np.zeros((1, 3, 2)))


def test_plot_merge_draws_into_the_axes_it_is_given_and_returns_their_figure():
    from matplotlib.figure import Figure

    layer, x, _ = bidirectional("GRU")
    data = merge_data(layer, x)
    figure = Figure()
    axes = figure.subplots(2, 2).ravel()
    assert plot_merge(data, sample=1, merge_mode="sum", ax=axes) is figure
    np.testing.assert_array_equal(axes[0].images[0].get_array(), data.forward[1].T)
    np.testing.assert_allclose(axes[3].images[0].get_array(), data.merged["sum"][1].T)
    assert axes[3].get_title().startswith("merge_mode='sum'")


def test_merge_modes_are_the_ones_keras_accepts():
    for mode in MERGE_MODES:
        keras.layers.Bidirectional(keras.layers.GRU(2), merge_mode=mode)
    with pytest.raises(ValueError, match="Invalid merge mode") as refused:
        keras.layers.Bidirectional(keras.layers.GRU(2), merge_mode="max")
    listed = re.search(r"\{(.*)\}", str(refused.value)).group(1)  # Keras lists the modes it accepts
    assert {None if m.strip() == "None" else m.strip(' "') for m in listed.split(",")} == set(MERGE_MODES)
