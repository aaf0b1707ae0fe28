"""The attention view: its data are the model's own weights and greedy answer; its frames show one step."""

import base64
import dataclasses

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from rnnedu.attention import attention_encoder_decoder, greedy_decode
from rnnedu.datasets import REVERSAL_CHARS
from rnnedu.viz import AttentionData, AttentionView, attention_data, attention_view, plot_attention

SOURCE = np.array([3, 1, 4, 1, 5, 9], "int32")


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    return attention_encoder_decoder(len(REVERSAL_CHARS), embed_dim=4, units=6, attention="dot")


@pytest.fixture(scope="module")
def data(models):
    model, _, _ = models
    return attention_data(model, SOURCE, REVERSAL_CHARS, expected=SOURCE[::-1])


def test_data_is_frozen_and_writes_what_the_one_step_decoder_writes_greedily(models, data):
    model, encoder, decoder = models
    assert isinstance(data, AttentionData)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.source = ()
    greedy, _ = greedy_decode(decoder, list(encoder.predict(SOURCE[None], verbose=0)), len(SOURCE))
    np.testing.assert_array_equal(data.predicted, greedy[0])
    assert data.output == tuple(REVERSAL_CHARS[i] for i in greedy[0]) and data.source == tuple("203048")


def test_weights_are_the_attention_layers_output_and_each_row_sums_to_one(models, data):
    model, _, _ = models
    _, weights = model.get_layer("attention").output
    target_input = np.concatenate([[0], data.predicted[:-1]])[None].astype("int32")
    expected = keras.Model(model.inputs, weights).predict([SOURCE[None], target_input], verbose=0)[0]
    np.testing.assert_allclose(data.weights, expected, atol=1e-6)
    np.testing.assert_allclose(data.weights.sum(axis=1), 1.0, atol=1e-5)
    logits = np.asarray(model([SOURCE[None], target_input]))[0]
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(data.probabilities, p.max(axis=-1), atol=1e-5)


def test_correct_marks_the_steps_that_wrote_the_expected_token(data):
    assert data.correct.tolist() == [a == b for a, b in zip(data.output, "840302")]


def test_plot_attention_outlines_the_step_and_draws_its_weights_as_bars(data):
    figure = plot_attention(data, step=4)
    assert isinstance(figure, Figure)
    matrix_ax, bar_ax = figure.axes[:2]
    np.testing.assert_allclose(matrix_ax.images[0].get_array(), data.weights)
    (outline,) = matrix_ax.patches
    assert outline.get_y() == pytest.approx(3.5)
    np.testing.assert_allclose([bar.get_height() for bar in bar_ax.patches], data.weights[4], atol=1e-6)
    assert [t.get_text() for t in matrix_ax.get_yticklabels()][4].startswith("4: ")
    assert any(text.get_text().startswith("step 4 wrote") for text in figure.texts)


def test_plot_attention_draws_into_given_axes_and_refuses_a_bad_step(data):
    figure = Figure()
    axes = figure.subplots(2, 1)
    assert plot_attention(data, 0, ax=axes) is figure and axes[1].patches
    with pytest.raises(ValueError, match="`step` must be an integer >= 0 and <= 5"):
        plot_attention(data, step=6)


def test_view_moves_with_its_slider_and_leaves_a_static_picture(models):
    model, _, _ = models
    view = attention_view(model, SOURCE, REVERSAL_CHARS, expected=SOURCE[::-1])
    before = view.image.value
    view.controls["step"].value = 5
    assert view.frame.step == 5 and view.image.value != before
    assert view.readout.value.startswith("step 5 wrote")
    bundle = view._repr_mimebundle_()
    assert (
        base64.b64decode(bundle["image/png"])[:4] == b"\x89PNG"
        and "model_id" in bundle["application/vnd.jupyter.widget-view+json"]
    )


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"x": [1.5, 2.0]}, ValueError, "`x` must be a 1-D array of 1 to 40 integer token ids"),
        ({"x": [1, 11]}, ValueError, "`x` must hold token ids from 0 to 10"),
        ({"chars": ""}, TypeError, "`chars` must be a non-empty string"),
        ({"length": 41}, ValueError, "`length` must be an integer >= 1 and <= 40"),
        ({"expected": [1, 2]}, ValueError, "`expected` must have `length` = 6 token ids"),
    ],
)
def test_bad_arguments_name_the_argument(models, kwargs, error, message):
    model, _, _ = models
    arguments = {"model": model, "x": SOURCE, "chars": REVERSAL_CHARS} | kwargs
    with pytest.raises(error, match=message):
        attention_data(**arguments)


def test_a_model_without_attention_is_refused():
    from rnnedu.models import encoder_decoder

    model, _, _ = encoder_decoder(11, 11, units=2, layer="GRU")
    with pytest.raises(ValueError, match="no layer named 'attention'"):
        attention_data(model, SOURCE, REVERSAL_CHARS)
    with pytest.raises(TypeError, match="`data` must be the AttentionData"):
        AttentionView({})
