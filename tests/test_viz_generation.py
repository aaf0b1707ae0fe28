import base64
import dataclasses
import io

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from rnnedu.language import Vocabulary, char_language_model, next_char_probabilities
from rnnedu.viz import GenerationData, generation_data, generation_view, plot_generation
from rnnedu.viz.generation import BARS, CELL, COLUMNS

TEXT = "ABSURDITY, n.  A statement or belief manifestly inconsistent with one's own opinion.\n"


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    vocabulary = Vocabulary.from_text(TEXT)
    training_model, step_model = char_language_model(vocabulary.vocab_size, embed_dim=4, units=8)
    return training_model, step_model, vocabulary


@pytest.fixture(scope="module")
def data(model):
    _, step_model, vocabulary = model
    return generation_data(step_model, "ABSURD", vocabulary, length=70, temperatures=(0.5, 1.0, 2.0), num_samples=3)


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_data_is_frozen_and_its_distributions_are_the_models_at_each_temperature(model, data):
    training_model, _, vocabulary = model
    assert isinstance(data, GenerationData)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.prompt = "other"
    # The training model read over prompt + generated text gives, at each step, the logits the sample was drawn from.
    for t, temperature in enumerate(data.temperatures):
        text = data.prompt + data.texts[t][1]
        logits = training_model.predict(vocabulary.encode(text)[None], verbose=0)[0]
        expected = next_char_probabilities(logits[len(data.prompt) - 1 : -1], temperature)
        np.testing.assert_allclose(data.probabilities[t, 1], expected, atol=1e-5)
    np.testing.assert_allclose(data.chosen, np.take_along_axis(data.probabilities, data.ids[..., None], -1)[..., 0])


def test_plot_generation_returns_a_figure_with_the_text_and_the_bars(data):
    figure = plot_generation(data, temperature=2.0, sample=1, position=5)
    assert isinstance(figure, Figure)
    text_ax, bar_ax = figure.axes[:2]
    rows = -(-(len(data.prompt) + 70) // COLUMNS)
    (text,) = text_ax.artists
    assert text.rgba.shape == (rows * CELL[1], COLUMNS * CELL[0], 4)
    assert bar_ax.get_ylabel() == "probability"
    assert "temperature 2, sample 2 of 3, position 5" in bar_ax.get_title()


def test_plot_generation_draws_into_given_axes(data):
    figure = Figure()
    axes = figure.subplots(2, 1)
    assert plot_generation(data, 1.0, 0, 3, ax=axes) is figure
    assert axes[0].artists and axes[1].collections


def test_bars_are_the_most_probable_characters_with_the_drawn_one_highlighted(data):
    from rnnedu.viz.generation import _GenerationFrame

    frame = _GenerationFrame(data).update(1.0, 2, 10)
    p = data.probabilities[1, 2, 10]
    heights = [path.vertices[:, 1].max() for path in frame.bars.get_paths()]
    np.testing.assert_allclose(sorted(heights, reverse=True)[: BARS - 1], np.sort(p)[::-1][: BARS - 1], atol=1e-6)
    drawn = data.ids[1, 2, 10]
    colours = frame.bars.get_facecolor()
    orange = [i for i, c in enumerate(colours) if c[0] > 0.9]
    assert len(orange) == 1 and heights[orange[0]] == pytest.approx(p[drawn])


def test_the_marker_sits_on_the_chosen_character(data):
    from rnnedu.viz.generation import _GenerationFrame

    frame = _GenerationFrame(data).update(0.5, 0, 40)
    cell = len(data.prompt) + 40
    assert frame.marker.get_xy() == ((cell % COLUMNS) * CELL[0], (cell // COLUMNS) * CELL[1])


def test_each_control_redraws_the_picture(model):
    _, step_model, vocabulary = model
    view = generation_view(step_model, "ABSURD", vocabulary, length=60, temperatures=(0.5, 1.0, 2.0), num_samples=3)
    assert set(view.controls) == {"position", "temperature", "sample"}
    before = view.image.value
    view.controls["position"].value = 17
    assert view.frame.position == 17 and view.image.value != before and "position 17" in view.readout.value
    before = view.image.value
    view.controls["temperature"].value = 2.0
    assert view.frame.temperature == 2.0 and view.image.value != before
    before = view.image.value
    view.controls["sample"].click()
    assert view.frame.sample == 1 and view.image.value != before
    view.controls["sample"].click()
    view.controls["sample"].click()
    assert view.frame.sample == 0, "the button cycles through the precomputed samples"


def test_the_view_shows_the_same_frame_as_plot_generation(model, data):
    from rnnedu.viz import GenerationView

    view = GenerationView(data)
    view.controls["temperature"].value = 0.5
    view.controls["position"].value = 9
    static = pixels(base64.b64decode(view._repr_mimebundle_()["image/png"]))
    drawn = pixels(_png(plot_generation(data, 0.5, 0, 9)))
    assert pixels(view.canvas.render("png")).shape == static.shape == drawn.shape
    assert np.array_equal(static, drawn), "the picture is plot_generation's frame, with the readout as its title"
    assert "position 9" in view.readout.value


def _png(figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def test_the_static_picture_is_there_without_a_widget_frontend(data):
    from rnnedu.viz import GenerationView

    bundle = GenerationView(data)._repr_mimebundle_()
    assert bundle["image/png"] and "application/vnd.jupyter.widget-view+json" in bundle


@pytest.mark.parametrize(
    "changes, error, message",
    [
        ({"prompt": ""}, ValueError, "`prompt` must be a string of at least one character"),
        ({"prompt": "ABZ?"}, ValueError, "'Z' at position 2, a character outside the vocabulary"),
        ({"prompt": "A" * 97}, ValueError, "at most 96 characters"),
        ({"temperatures": (1.0, 0.0)}, ValueError, r"`temperatures\[1\]` must be a finite number > 0"),
        ({"temperatures": (1.0, float("nan"))}, ValueError, r"`temperatures\[1\]` must be a finite number > 0"),
        ({"length": 0}, ValueError, "`length` must be an integer >= 1 and <= 480"),
        ({"vocabulary": "abc"}, TypeError, "`vocabulary` must be an rnnedu.language.Vocabulary"),
    ],
)
def test_bad_input_gets_a_clear_error(model, changes, error, message):
    _, step_model, vocabulary = model
    arguments = {"prompt": "AB", "vocabulary": vocabulary, "length": 5} | changes
    with pytest.raises(error, match=message):
        generation_view(step_model, **arguments)


def test_a_temperature_the_data_lacks_is_refused(data):
    with pytest.raises(ValueError, match="`temperature` must be one of 0.5, 1, 2"):
        plot_generation(data, temperature=0.7)


def test_a_model_with_non_finite_outputs_is_refused(model):
    _, step_model, vocabulary = model
    broken = keras.models.clone_model(step_model)
    broken.set_weights([np.full_like(w, np.nan) for w in step_model.get_weights()])
    with pytest.raises(ValueError, match="finite"):
        generation_data(broken, "AB", vocabulary, length=3)


def test_the_text_is_drawn_pixel_for_pixel_into_its_box(data):
    from rnnedu.viz.generation import _GenerationFrame

    frame = _GenerationFrame(data).update(1.0, 0, 0)
    png = pixels(frame.canvas.render("png"))
    box = frame.text_ax.bbox
    height = png.shape[0]
    top, left = height - round(box.y0) - round(box.height), round(box.x0)
    shown = png[top : top + round(box.height), left : left + round(box.width)]
    rgba = frame.image.rgba
    rows = np.arange(shown.shape[0]) * rgba.shape[0] // shown.shape[0]
    columns = np.arange(shown.shape[1]) * rgba.shape[1] // shown.shape[1]
    expected = rgba[rows[:, None], columns][..., :3].astype(int)
    below_marker = (shown.shape[0] * CELL[1]) // rgba.shape[0] + 2  # the marker boxes a character of the first line
    assert rgba.shape[0] > 2 * CELL[1] - 1 and shown.shape[0] > below_marker + 10
    difference = np.abs(shown - expected)[below_marker:]
    assert difference.max() <= 2, "the text panel is the composed image, the right way up"
    assert np.abs(shown[below_marker:] - expected[::-1][below_marker:]).max() > 50, "a flipped image would differ"
