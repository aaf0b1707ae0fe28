import base64
import io
import re
import warnings

import keras
import numpy as np
import pytest
from keras.src.backend.tensorflow.rnn import _is_sequence_right_padded
from PIL import Image

from rnnedu import reference
from rnnedu.viz import mask_data, mask_view, plot_masks
from rnnedu.viz.masks import (
    CARRIED,
    COMPUTED,
    NO_MASK,
    NOTHING_YET,
    PADDING_MASKED,
    PADDING_SEEN,
    REAL,
    REAL_MASKED,
    SEEN,
    ZEROED,
)

RECURRENT = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}
BATCH = [[3, 5, 7], [2, 4, 6, 8, 9], [], [11]]  # a zero-length sequence among them


def token_model(*layers, timesteps=None, name="tokens"):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((timesteps,), dtype="int32"),
            keras.layers.Embedding(20, 4, mask_zero=True, name="embedding"),
            *layers,
        ],
        name=name,
    )


def record(data, padding, name):
    return next(r for r in data.layouts[padding].layers if r.name == name)


def numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_ragged_batch_is_padded_like_pad_sequences_and_the_added_steps_are_marked(padding):
    data = mask_data(token_model(keras.layers.GRU(3)), BATCH, maxlen=4, truncating="post")
    layout = data.layouts[padding]
    expected = keras.utils.pad_sequences(BATCH, maxlen=4, padding=padding, truncating="post")
    np.testing.assert_array_equal(layout.inputs, expected)
    lengths = [min(len(s), 4) for s in BATCH]
    np.testing.assert_array_equal((~layout.padding).sum(axis=1), lengths)
    assert data.lengths == [3, 5, 0, 1] and data.value == 0 and data.tokens


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_every_mask_is_the_one_keras_attaches(padding):
    model = token_model(keras.layers.LSTM(3, return_sequences=True), keras.layers.Dense(2), keras.layers.GRU(2))
    data = mask_data(model, BATCH)
    x = data.layouts[padding].inputs
    embedding_mask = numpy(model.layers[0].compute_mask(x))
    np.testing.assert_array_equal(embedding_mask, x != 0)
    embedding, lstm, dense, gru = data.layouts[padding].layers
    assert embedding.input_mask is None
    np.testing.assert_array_equal(embedding.output_mask, embedding_mask)
    for layer in (lstm, dense, gru):
        np.testing.assert_array_equal(layer.input_mask, embedding_mask)
    np.testing.assert_array_equal(dense.output_mask, embedding_mask)
    assert gru.output_mask is None  # return_sequences=False: no timesteps axis left to mask
    assert [r.role.split(":")[0] for r in (embedding, dense)] == [
        "makes the mask",
        "passes the mask on (supports_masking)",
    ]
    assert gru.role.endswith("the mask ends here")
    np.testing.assert_allclose(gru.outputs, numpy(model(x)), atol=1e-6)


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
@pytest.mark.parametrize("kind", RECURRENT)
def test_what_a_recurrent_layer_emits_at_masked_steps_matches_keras(kind, zero_output_for_mask, padding):
    layer = RECURRENT[kind](3, return_sequences=True, zero_output_for_mask=zero_output_for_mask, name="rnn")
    data = mask_data(token_model(layer), BATCH)
    rnn = record(data, padding, "rnn")
    mask, outputs, steps = rnn.input_mask, rnn.outputs, rnn.steps
    assert rnn.agrees
    np.testing.assert_array_equal(steps == REAL, mask)
    masked = ~mask
    if zero_output_for_mask:
        assert np.all(steps[masked] == ZEROED) and not np.any(outputs[masked])
    else:
        started = np.cumsum(mask, axis=1) > 0
        np.testing.assert_array_equal(steps == CARRIED, masked & started)
        np.testing.assert_array_equal(steps == NOTHING_YET, masked & ~started)
        for b, t in zip(*np.nonzero(steps == CARRIED)):
            np.testing.assert_array_equal(outputs[b, t], outputs[b, t - 1])  # the previous output, repeated
        embedded = record(data, padding, "embedding").outputs
        traced = reference.trace(layer, embedded, mask=mask)  # the NumPy loop carries state and output over
        np.testing.assert_allclose(outputs, traced["outputs"], atol=1e-5)


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_masked_outputs_equal_the_outputs_on_each_unpadded_sequence(padding):
    data = mask_data(token_model(keras.layers.LSTM(3, name="rnn")), BATCH)
    layer = data.layouts[padding]
    for row, sequence in enumerate(BATCH):
        if sequence:
            alone = token_model(keras.layers.LSTM(3))  # same seed, same weights
            np.testing.assert_allclose(
                record(data, padding, "rnn").outputs[row], numpy(alone(np.array([sequence])))[0], atol=1e-6
            )
    assert not np.any(record(data, padding, "rnn").outputs[2])  # all padding: nothing read, zeros
    assert layer.padding[2].all()


def test_reading_backwards_the_steps_follow_the_reversed_mask():
    data = mask_data(token_model(keras.layers.GRU(3, return_sequences=True, go_backwards=True, name="rnn")), BATCH)
    rnn = record(data, "post", "rnn")
    np.testing.assert_array_equal(rnn.steps == REAL, rnn.input_mask[:, ::-1])
    assert rnn.agrees and rnn.step_axis.startswith("step (reading backwards")


def test_bidirectional_emits_zeros_at_masked_steps_as_keras_forces_it():
    layer = keras.layers.Bidirectional(keras.layers.LSTM(2, return_sequences=True), name="both")
    data = mask_data(token_model(layer), BATCH)
    both = record(data, "post", "both")
    assert layer.forward_layer.zero_output_for_mask and both.agrees
    assert np.all(both.steps[~both.input_mask] == ZEROED)


def test_a_layer_that_is_not_mask_aware_drops_the_mask_and_keras_warns():
    model = token_model(
        keras.layers.Dense(3),
        keras.layers.Conv1D(2, 3, padding="same", name="conv1d"),
        keras.layers.LSTM(2),
        timesteps=5,
    )
    with pytest.warns(UserWarning, match="Layer 'conv1d'.*does not support masking"):
        model(np.array([[1, 2, 0, 0, 0]]))
    data = mask_data(model, BATCH, maxlen=5)
    conv, lstm = data.layouts["post"].layers[2:]
    assert conv.input_mask is not None and conv.output_mask is None
    assert conv.role == "not mask-aware: drops the mask (Keras warned)"
    assert "destroy the mask information" in conv.warning
    assert np.all(conv.steps == NO_MASK)
    assert lstm.input_mask is None and lstm.role == "no mask here"
    dense = data.layouts["post"].layers[1]
    np.testing.assert_array_equal(dense.steps, np.where(dense.output_mask, REAL, COMPUTED))


def test_a_pooling_layer_uses_the_mask_and_ends_it():
    data = mask_data(token_model(keras.layers.GlobalAveragePooling1D(name="pool")), BATCH)
    pool = record(data, "post", "pool")
    assert pool.output_mask is None and pool.role.startswith("uses the mask and ends it")
    embedded = record(data, "post", "embedding").outputs
    mask = pool.input_mask[..., None]
    real_mean = (embedded * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
    np.testing.assert_allclose(pool.outputs[[0, 1, 3]], real_mean[[0, 1, 3]], atol=1e-6)


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_right_padding_per_row_agrees_with_the_check_keras_runs_before_cudnn(padding):
    data = mask_data(token_model(keras.layers.LSTM(2, name="rnn")), [[1, 2, 3], [4, 5], [6, 7, 8]])
    rnn = record(data, padding, "rnn")
    for row, mask in zip(rnn.right_padded, rnn.input_mask):
        assert row == bool(_is_sequence_right_padded(mask[None]))
    assert rnn.right_padded.all() == (padding == "post")
    assert not rnn.fully_masked.any()


def test_float_sequences_are_padded_with_the_masking_value():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((None, 2)), keras.layers.Masking(-1.0), keras.layers.SimpleRNN(3, name="rnn")]
    )
    batch = [np.ones((3, 2)), np.full((1, 2), 2.0)]
    data = mask_data(model, batch)
    assert data.value == -1.0 and not data.tokens
    layout = data.layouts["post"]
    np.testing.assert_array_equal(layout.inputs[1, 1:], -1.0)
    np.testing.assert_array_equal(record(data, "post", "rnn").input_mask, [[True, True, True], [True, False, False]])


def test_a_padded_array_is_used_as_given_with_the_padding_read_from_the_value():
    x = np.array([[0, 3, 4], [5, 0, 0]])
    data = mask_data(token_model(keras.layers.LSTM(2)), x)
    assert list(data.layouts) == ["as given"] and data.lengths is None
    np.testing.assert_array_equal(data.layouts["as given"].padding, x == 0)
    view = mask_view(token_model(keras.layers.LSTM(2)), x)
    assert view.controls["padding"].disabled and view.controls["padding"].options == ("as given",)


def test_a_mask_given_to_a_model_that_makes_none_reaches_its_layers():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((None, 1)), keras.layers.LSTM(2, return_sequences=True, name="rnn")])
    x = np.arange(8, dtype="float32").reshape(2, 4, 1)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    data = mask_data(model, x, mask=mask)
    rnn = record(data, "as given", "rnn")
    np.testing.assert_array_equal(rnn.input_mask, mask)
    np.testing.assert_allclose(rnn.outputs, numpy(model.layers[0](x, mask=mask)), atol=1e-6)
    assert rnn.steps[0].tolist() == [REAL, REAL, CARRIED, CARRIED]


def test_a_wrong_padding_value_shows_as_padding_seen_as_data():
    data = mask_data(token_model(keras.layers.LSTM(2, name="rnn")), [[1, 2], [3]], value=9)
    figure = plot_masks(data, "post", "rnn")
    cells = figure.axes[0].images[0].get_array()
    assert cells[1].tolist() == [SEEN, PADDING_SEEN]  # the 9 added is not masked: the LSTM reads it


def test_plot_masks_draws_the_grid_strip_outputs_and_row_labels():
    model = token_model(keras.layers.LSTM(3, return_sequences=True, name="rnn"))
    data = mask_data(model, BATCH)
    figure = plot_masks(data, padding="pre", layer="rnn", sample=1)
    grid, steps, outputs = figure.axes[:3]
    layout, rnn = data.layouts["pre"], record(data, "pre", "rnn")
    expected = np.where(layout.padding, PADDING_MASKED, SEEN)
    np.testing.assert_array_equal(grid.images[0].get_array(), expected)
    assert [t.get_text() for t in grid.texts[:5]] == ["0", "0", "3", "5", "7"]
    assert [t.get_text() for t in grid.texts[-4:]] == [
        "not right-padded ✗",
        "right-padded ✓",
        "all masked ✗",
        "not right-padded ✗",
    ]
    np.testing.assert_array_equal(steps.images[0].get_array()[0], rnn.steps[1])
    np.testing.assert_allclose(outputs.images[0].get_array(), rnn.outputs[1].T)
    assert outputs.texts[0].get_text().endswith("at masked steps it emitted what the strip says: True")
    flow = " ".join(t.get_text() for t in figure.axes[3].texts)
    assert "▶ rnn (LSTM): skips masked steps" in flow and "none is all masked: False" in flow
    assert figure._suptitle.get_text() == "tokens: the batch (padding='pre', value 0) and the mask rnn receives"


def test_grid_marks_real_tokens_that_a_mask_hides():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((None, 1)), keras.layers.GRU(2, name="rnn")])
    x = np.ones((1, 3, 1), "float32")
    figure = plot_masks(mask_data(model, x, mask=[[True, False, True]]), layer="rnn")
    assert figure.axes[0].images[0].get_array().tolist() == [[SEEN, REAL_MASKED, SEEN]]
    assert figure.axes[0].texts[-1].get_text() == "not right-padded ✗"


def test_a_layer_without_timesteps_shows_one_output_and_no_strip():
    data = mask_data(token_model(keras.layers.LSTM(3, name="rnn")), BATCH)
    figure = plot_masks(data, "post", "rnn", sample=3)
    np.testing.assert_allclose(figure.axes[2].images[0].get_array(), record(data, "post", "rnn").outputs[3][:, None])
    assert figure.axes[1].images[0].get_array().tolist() == [[NO_MASK]]


def test_view_controls_redraw_the_frame():
    model = token_model(keras.layers.LSTM(3, return_sequences=True, name="rnn"), keras.layers.Dense(2, name="dense"))
    view = mask_view(model, BATCH)
    assert view.frame.layer == "rnn" and view.frame.padding == "pre"
    before = view.image.value
    view.controls["padding"].value = "post"
    assert view.image.value != before
    post = view.data.layouts["post"]
    np.testing.assert_array_equal(view.frame.cells.get_array(), np.where(post.padding, PADDING_MASKED, SEEN))
    view.controls["sample"].value = 1
    assert view.frame.outline.get_y() == 0.5
    np.testing.assert_allclose(view.frame.image.get_array(), record(view.data, "post", "rnn").outputs[1].T)
    view.controls["layer"].value = "dense"
    np.testing.assert_allclose(view.frame.image.get_array(), record(view.data, "post", "dense").outputs[1].T)
    assert view.frame.axes["flow"].texts[3].get_text().startswith("▶ dense")
    bundle = view._repr_mimebundle_()
    assert Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).format == "PNG"
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.widget.model_id


def test_padding_toggle_switches_frames_and_a_batch_of_one_or_all_padding_works():
    view = mask_view(token_model(keras.layers.LSTM(2, name="rnn")), [[4, 5], [6]], layer="rnn")
    assert view.controls["sample"].max == 1 and view.frame.row_labels[1].get_text() == "not right-padded ✗"
    view.controls["padding"].value = "post"
    assert view.frame is view.frames["post"] and view.canvas is view.frame.canvas
    assert view.frame.row_labels[1].get_text() == "right-padded ✓"
    one = mask_view(token_model(keras.layers.LSTM(2)), [[4, 5, 6]])
    assert one.controls["sample"].max == 0 and one.frame.cells.get_array().tolist() == [[SEEN] * 3]
    data = mask_data(token_model(keras.layers.LSTM(2, return_sequences=True, name="rnn")), [[], []], maxlen=3)
    rnn = record(data, "pre", "rnn")
    assert rnn.fully_masked.all() and np.all(rnn.steps == NOTHING_YET) and not rnn.outputs.any()
    figure = plot_masks(data, layer="rnn", sample=1)
    assert figure.axes[0].texts[-1].get_text() == "all masked ✗"


def test_view_warnings_do_not_leak_to_the_learner():
    model = token_model(keras.layers.Conv1D(2, 1), keras.layers.LSTM(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mask_data(model, BATCH)


def unbuilt():
    return keras.Sequential([keras.layers.LSTM(2)])


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda m: mask_data("model", BATCH), TypeError, "`model` must be a keras.Model"),
        (lambda m: mask_data(unbuilt(), BATCH), ValueError, "has no defined inputs: start it with keras.Input"),
        (
            lambda m: mask_data(keras.Sequential([keras.Input((None, 1)), keras.layers.LSTM(2)]), [[[1.0]], [[2.0]]]),
            ValueError,
            "`value` is needed: `batch` is a list of sequences to pad and the model makes no mask",
        ),
        (lambda m: mask_data(m, [[1, 2.5]]), TypeError, r"`batch` row 0 must hold integer token ids .* got 2.5"),
        (lambda m: mask_data(m, [[1, "a"]]), TypeError, "`batch` row 0 must hold integer token ids"),
        (lambda m: mask_data(m, [[1], [[1, 2]]]), ValueError, r"`batch` row 1 must be a list of token ids, got shape"),
        (lambda m: mask_data(m, []), ValueError, "`batch` must hold at least one sequence"),
        (lambda m: mask_data(m, [[], []]), ValueError, "every sequence is empty; give `maxlen`"),
        (lambda m: mask_data(m, np.zeros((2, 3, 1))), ValueError, r"`batch` must have shape \(batch_size, timesteps\)"),
        (lambda m: mask_data(m, np.array([[1.5, 2.0]])), TypeError, "`batch` must hold integer token ids"),
        (lambda m: mask_data(m, np.ones((2, 3), int), maxlen=2), ValueError, "`maxlen` is only for a list"),
        (lambda m: mask_data(m, BATCH, mask=np.ones((4, 3), bool)), ValueError, r"`mask` must have shape .* \(4, 5\)"),
        (lambda m: mask_data(m, BATCH, mask=np.full((4, 5), 2)), ValueError, "`mask` must hold True"),
        (lambda m: mask_data(m, BATCH, value="0"), TypeError, "`value` must be a number"),
        (lambda m: mask_data(m, BATCH, truncating="end"), ValueError, "`truncating` must be one of 'pre', 'post'"),
        (lambda m: mask_data(m, BATCH, maxlen=0), ValueError, "`maxlen` must be an integer >= 1"),
        (lambda m: plot_masks(mask_data(m, BATCH), padding="left"), ValueError, "`padding` must be one of"),
        (lambda m: plot_masks(mask_data(m, BATCH), layer="nope"), ValueError, "`layer` must be one of 'embedding'"),
        (lambda m: plot_masks(mask_data(m, BATCH), sample=4), ValueError, "`sample` must be an integer"),
        (lambda m: plot_masks({"x": 1}), TypeError, "`data` must be the MaskData returned by mask_data"),
    ],
)
def test_bad_input_gets_a_clear_error(make, error, message):
    with pytest.raises(error, match=message):
        make(token_model(keras.layers.LSTM(2)))


def test_a_model_built_for_a_fixed_length_says_so():
    model = token_model(keras.layers.LSTM(2), timesteps=3)
    with pytest.raises(ValueError, match=r"pads to shape \(4, 5\), but the model was built for inputs of shape"):
        mask_data(model, BATCH)


def test_a_frame_reached_through_the_controls_looks_like_a_fresh_one():
    model = token_model(keras.layers.LSTM(3, return_sequences=True, name="rnn"), keras.layers.Dense(2, name="dense"))
    view = mask_view(model, BATCH)
    for name, value in [
        ("padding", "post"),
        ("sample", 2),
        ("padding", "pre"),
        ("layer", "dense"),
        ("padding", "post"),
    ]:
        view.controls[name].value = value
    shown = np.asarray(Image.open(io.BytesIO(view.canvas.render("png"))), dtype=float)
    fresh = plot_masks(view.data, padding="post", layer="dense", sample=2)
    fresh.canvas.draw()
    expected = np.asarray(fresh.canvas.buffer_rgba())[..., :3].astype(float)
    assert shown.shape == expected.shape
    differs = np.abs(shown - expected).max(axis=-1) > 2
    # The same picture, but for the spines redrawn over the images: those may land a pixel apart.
    assert not (differs & ~_near_spines(fresh, expected.shape[:2])).any()


def _near_spines(figure, shape, width=2):
    near = np.zeros(shape, dtype=bool)
    for ax in figure.axes:
        x0, y0, x1, y1 = np.round(ax.get_window_extent().extents).astype(int)
        top, bottom = shape[0] - y1, shape[0] - y0
        for rows, columns in [
            (slice(top - width, top + width + 1), slice(x0 - width, x1 + width + 1)),
            (slice(bottom - width, bottom + width + 1), slice(x0 - width, x1 + width + 1)),
            (slice(top - width, bottom + width + 1), slice(x0 - width, x0 + width + 1)),
            (slice(top - width, bottom + width + 1), slice(x1 - width, x1 + width + 1)),
        ]:
            near[rows, columns] = True
    return near


def test_plot_masks_draws_into_the_axes_it_is_given_and_returns_their_figure():
    from matplotlib.figure import Figure

    data = mask_data(token_model(keras.layers.LSTM(3, return_sequences=True, name="rnn")), BATCH)
    figure = Figure()
    axes = figure.subplots(4, 1)
    assert plot_masks(data, padding="post", layer="rnn", sample=1, ax=axes) is figure
    expected = np.where(data.layouts["post"].padding, PADDING_MASKED, SEEN)
    np.testing.assert_array_equal(axes[0].images[0].get_array(), expected)
    np.testing.assert_allclose(axes[2].images[0].get_array(), record(data, "post", "rnn").outputs[1].T)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"value": float("nan")}, "`value` must be an integer token id that the model's int32 input can hold"),
        ({"value": 10**12}, "`value` must be an integer token id that the model's int32 input can hold"),
        ({"maxlen": 10**12}, "`maxlen` must be an integer >= 1 and <= 10000"),
    ],
)
def test_padding_values_and_lengths_the_model_cannot_take_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        mask_view(token_model(keras.layers.LSTM(2)), BATCH, **kwargs)


def test_non_finite_float_sequences_are_refused():
    model = keras.Sequential([keras.Input((None, 2)), keras.layers.Masking(), keras.layers.GRU(2)])
    with pytest.raises(ValueError, match="`batch` must hold finite numbers"):
        mask_data(model, np.full((1, 3, 2), np.inf))
