"""The generation view: text a language model wrote, with the probability it gave each character.

* `generation_data` runs the step model once for every temperature and
  sample the view can show (all side by side in one batch) and keeps the
  distribution each character was drawn from;
* `plot_generation` draws one frame: the text, each character on a
  background coloured by the probability the model gave it, and the
  next-character distribution at one position as bars;
* `generation_view` adds a position slider, a temperature slider and a
  "sample again" button. Every control only picks precomputed frames: the
  text is composed from glyphs drawn once, so nothing is laid out again.
"""

import dataclasses
import functools
import html
import math

import numpy as np

from rnnedu._validate import check_int, describe
from rnnedu.language import Vocabulary, generate_batch
from rnnedu.viz._view import BlitCanvas, WidgetView, control_options, encode

__all__ = ["GenerationData", "GenerationView", "generation_data", "generation_view", "plot_generation"]

TEMPERATURES = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
MAX_LENGTH = 480  # characters written, so that the text fits the figure
MAX_PROMPT = 96
MAX_SAMPLES = 16
COLUMNS = 60  # characters per line of the text panel
BARS = 20  # characters shown in the distribution
CELL = (10, 18)  # width and height of a character's cell, in pixels
LABEL_WIDTH = 30  # pixels for each character under the bars
BAR_COLOUR, DRAWN_COLOUR = (0.30, 0.45, 0.69, 1.0), (1.0, 0.50, 0.05, 1.0)
SHOWN = {"\n": "↵"}  # how a character without a glyph of its own is shown


@dataclasses.dataclass(frozen=True)
class GenerationData:
    """Everything the generation view can show, computed once.

    Attributes:
        prompt: str, the text the model continued.
        chars: str, the vocabulary's characters in token-id order.
        temperatures: tuple of floats, the temperatures the slider offers.
        texts: tuple (per temperature) of tuples (per sample) of the generated strings.
        ids: int32 array (temperatures, num_samples, length), the generated token ids.
        probabilities: float32 array (temperatures, num_samples, length,
            vocab_size): the distribution each character was drawn from.
        chosen: float32 array (temperatures, num_samples, length): the
            probability each generated character had.
        entropy: float32 array (temperatures, num_samples, length): each
            distribution's entropy in bits.
        top_k: int or None, the top-k the samples were drawn with.
    """

    prompt: str
    chars: str
    temperatures: tuple
    texts: tuple
    ids: np.ndarray
    probabilities: np.ndarray
    chosen: np.ndarray
    entropy: np.ndarray
    top_k: object


def generation_data(
    step_model, prompt, vocabulary, length=240, temperatures=TEMPERATURES, num_samples=4, top_k=None, seed=0
):
    """Write `num_samples` continuations of `prompt` at every temperature, keeping every distribution.

    Args:
        step_model: the step model of `rnnedu.language.char_language_model`.
        prompt: str of 1 to 96 characters of the vocabulary.
        vocabulary: the `rnnedu.language.Vocabulary` the model was trained with.
        length: int from 1 to 480, characters written after the prompt.
        temperatures: sequence of 1 to 16 numbers > 0.
        num_samples: int from 1 to 16, samples per temperature.
        top_k: None, or int from 1 to vocab_size.
        seed: int >= 0.

    Returns:
        `GenerationData`.

    Example:
    >>> from rnnedu.language import Vocabulary, char_language_model
    >>> vocabulary = Vocabulary.from_text("abc ")
    >>> _, step_model = char_language_model(vocabulary.vocab_size, units=4)
    >>> data = generation_data(step_model, "ab", vocabulary, length=10, temperatures=(0.5, 1.0), num_samples=2)
    >>> data.ids.shape, data.probabilities.shape[-1]
    ((2, 2, 10), 4)
    """
    if not isinstance(vocabulary, Vocabulary):
        raise TypeError(f"`vocabulary` must be an rnnedu.language.Vocabulary, got {describe(vocabulary)}.")
    if isinstance(prompt, str) and len(prompt) > MAX_PROMPT:
        raise ValueError(f"`prompt` must have at most {MAX_PROMPT} characters for the view, got {len(prompt)}.")
    length = check_int("length", length, min_value=1, max_value=MAX_LENGTH)
    num_samples = check_int("num_samples", num_samples, min_value=1, max_value=MAX_SAMPLES)
    if not hasattr(temperatures, "__len__") or len(temperatures) > MAX_SAMPLES:
        raise ValueError(
            f"`temperatures` must be a sequence of 1 to {MAX_SAMPLES} numbers, got {describe(temperatures)}."
        )
    generation = generate_batch(step_model, vocabulary, prompt, length, temperatures, num_samples, top_k, seed=seed)
    if not np.all(np.isfinite(generation.probabilities)):
        raise ValueError("the model's outputs are not finite (NaN or inf): the view cannot show them.")
    return GenerationData(
        prompt=generation.prompt,
        chars=vocabulary.chars,
        temperatures=generation.temperatures,
        texts=generation.texts,
        ids=generation.ids,
        probabilities=generation.probabilities,
        chosen=generation.chosen.astype(np.float32),
        entropy=generation.entropy.astype(np.float32),
        top_k=generation.top_k,
    )


def plot_generation(data, temperature=1.0, sample=0, position=0, ax=None):
    """Draw one frame: the generated text coloured by probability, and the distribution at one position.

    Args:
        data: `GenerationData` from `generation_data`.
        temperature: one of `data.temperatures`.
        sample: int, which sample of that temperature.
        position: int, which generated character (0 is the first after the prompt).
        ax: None, or a pair of matplotlib Axes (the text, the bars) to draw into.

    Returns:
        `matplotlib.figure.Figure`.

    Example:
    >>> from rnnedu.language import Vocabulary, char_language_model
    >>> vocabulary = Vocabulary.from_text("abc ")
    >>> _, step_model = char_language_model(vocabulary.vocab_size, units=4)
    >>> data = generation_data(step_model, "ab", vocabulary, length=10, temperatures=(1.0,), num_samples=1)
    >>> figure = plot_generation(data, position=3)
    >>> figure.axes[1].get_ylabel()
    'probability'
    """
    return _GenerationFrame(data, ax).update(temperature, sample, position).figure


def generation_view(
    step_model, prompt, vocabulary, length=240, temperatures=TEMPERATURES, num_samples=4, top_k=None, seed=0
):
    """Watch a language model write: every character's probability, the distribution it came from, and temperature.

    Args:
        step_model, prompt, vocabulary, length, temperatures, num_samples,
        top_k, seed: as in `generation_data`, which computes everything the
        view can show, once.

    Returns:
        `GenerationView`: displays itself (a picture where no widget frontend
        runs); its `controls` ("position", "temperature", "sample") can be
        set from code, and `controls["sample"].click()` samples again.

    Example:
    >>> from rnnedu.language import Vocabulary, char_language_model
    >>> vocabulary = Vocabulary.from_text("abc ")
    >>> _, step_model = char_language_model(vocabulary.vocab_size, units=4)
    >>> view = generation_view(step_model, "ab", vocabulary, length=12, num_samples=2)
    >>> view.controls["temperature"].value = 2.0
    >>> view.controls["sample"].click()
    >>> view.frame.temperature, view.frame.sample
    (2.0, 1)
    """
    data = generation_data(step_model, prompt, vocabulary, length, temperatures, num_samples, top_k, seed)
    return GenerationView(data)


class GenerationView(WidgetView):
    """The widget of `generation_view`: position and temperature sliders and a "sample again" button.

    Args:
        data: `GenerationData`.
        temperature: the temperature shown first (the one nearest 1.0 by default).

    Attributes:
        data: the precomputed samples.
        frame: the drawn frame, with its current `temperature`, `sample` and `position`.
    """

    def __init__(self, data, temperature=None):
        import ipywidgets as widgets

        if not isinstance(data, GenerationData):
            raise TypeError(f"`data` must be the GenerationData that generation_data returns, got {describe(data)}.")
        self.data = data
        first = min(data.temperatures, key=lambda t: abs(t - 1.0)) if temperature is None else temperature
        self.frame = _GenerationFrame(data, title=False).update(first, 0, 0)
        for t in range(len(data.temperatures)):  # every text a control can reach, composed now
            for sample in range(data.ids.shape[1]):
                self.frame.text_image(t, sample)
        self.readout = widgets.HTML()
        length = data.ids.shape[2]
        controls = {
            "position": widgets.IntSlider(value=0, min=0, max=length - 1, **control_options("position")),
            "temperature": widgets.SelectionSlider(
                options=[(f"{t:g}", t) for t in data.temperatures], value=first, **control_options("temperature")
            ),
            "sample": widgets.Button(description="sample again", icon="refresh"),
        }
        super().__init__(self.frame.canvas, controls, self.update, below=[self.readout], static=self._static_png)
        self.update()

    def update(self, name=None):
        """Show the frame the controls select; the "sample" button moves to the next precomputed sample."""
        sample = self.frame.sample
        if name == "sample":
            sample = (sample + 1) % self.data.ids.shape[1]
        self.frame.update(self.controls["temperature"].value, sample, self.controls["position"].value)
        self.readout.value = html.escape(self.frame.readout)

    def _static_png(self):
        """The frame with its readout as a title, drawn whole (a picture needs no blitting)."""
        frame = self.frame
        canvas = _GenerationFrame(self.data).update(frame.temperature, frame.sample, frame.position).canvas.canvas
        canvas.draw()
        return encode(np.asarray(canvas.buffer_rgba()), "png")


class _GenerationFrame:
    """The text panel (an image composed from glyphs) and the bars; everything that changes is blitted."""

    def __init__(self, data, axes=None, title=True):
        from matplotlib.collections import PolyCollection
        from matplotlib.figure import Figure
        from matplotlib.patches import Rectangle

        if not isinstance(data, GenerationData):
            raise TypeError(f"`data` must be the GenerationData of generation_data(), got {describe(data)}.")
        self.data = data
        self.temperature = self.sample = self.position = None
        self._text_images = {}
        self.glyphs = _glyphs(data.chars + data.prompt)
        self.rows = math.ceil((len(data.prompt) + data.ids.shape[2]) / COLUMNS)
        if axes is None:
            self.figure = Figure(figsize=(9.6, 2.2 + 0.3 * self.rows), dpi=72, layout="constrained")
            axes = self.figure.subplots(2, 1, height_ratios=(max(1.0, 0.3 * self.rows), 1.6))
        elif len(axes) != 2:
            raise ValueError(f"`ax` must be None or a pair of Axes (text, bars), got {describe(axes)}.")
        self.text_ax, self.bar_ax = axes
        self.figure = self.text_ax.figure
        width, height = COLUMNS * CELL[0], self.rows * CELL[1]
        self.image = _pixel_image(self.text_ax, _rgba(np.ones((height, width, 3))))
        self.text_ax.set(xlim=(0, width), ylim=(height, 0), aspect="equal")
        self.text_ax.set_axis_off()
        self.marker = self.text_ax.add_patch(Rectangle((0, 0), CELL[0], CELL[1], fill=False, ec="#1f3fff", lw=2))
        # One collection of BARS rectangles: a single draw call, where bar() would make BARS patches.
        self.bars = self.bar_ax.add_collection(PolyCollection(_bar_verts(np.zeros(BARS)), edgecolors="none"))
        self.bar_ax.set(xlim=(-0.5, BARS - 0.5), ylim=(0, 1.05), xticks=[], ylabel="probability")
        self.bar_ax.set_xlabel(f"the {BARS} most probable next characters; orange: the one drawn", labelpad=26)
        # The characters under the bars are an image composed from the glyphs, like the text: no text to lay out.
        label_ax = self.bar_ax.inset_axes((0, -0.16, 1, 0.14))
        label_ax.set_axis_off()
        self.label_image = _pixel_image(label_ax, _rgba(np.ones((CELL[1], BARS * LABEL_WIDTH, 3))))
        self.text_ax.set_title(
            "grey: the prompt; then each character on the probability it was drawn with (red 0 → green 1)", fontsize=10
        )
        # The widget shows the readout under the figure instead: text drawn in every frame would double its time.
        self.title = self.bar_ax.set_title(" ", fontsize=10) if title else None
        moving = [self.image, self.marker, self.bars, self.label_image] + ([self.title] if title else [])
        self.canvas = BlitCanvas(self.figure, moving)

    def update(self, temperature, sample, position):
        """Draw the given temperature, sample and position; return self."""
        data = self.data
        if isinstance(temperature, bool) or temperature not in data.temperatures:
            shown = ", ".join(f"{t:g}" for t in data.temperatures)
            raise ValueError(f"`temperature` must be one of {shown} (the data's), got {describe(temperature)}.")
        t = data.temperatures.index(temperature)
        sample = check_int("sample", sample, min_value=0, max_value=data.ids.shape[1] - 1)
        position = check_int("position", position, min_value=0, max_value=data.ids.shape[2] - 1)
        if (temperature, sample) != (self.temperature, self.sample):
            self.image.set_data(self.text_image(t, sample))
        self.temperature, self.sample, self.position = temperature, sample, position
        cell = len(data.prompt) + position
        self.marker.set_xy(((cell % COLUMNS) * CELL[0], (cell // COLUMNS) * CELL[1]))
        self._show_bars(t, sample, position)
        return self

    def text_image(self, t, sample):
        """The text panel of temperature index `t` and `sample`, composed once from the glyphs, then kept."""
        if (t, sample) not in self._text_images:
            self._text_images[t, sample] = self._compose(t, sample)
        return self._text_images[t, sample]

    def _compose(self, t, sample):
        data = self.data
        chars = data.prompt + data.texts[t][sample]
        shade = np.concatenate([np.full(len(data.prompt), np.nan), data.chosen[t, sample]])
        cells = self.rows * COLUMNS
        index = np.array([self.glyphs.index[c] for c in chars] + [self.glyphs.index[" "]] * (cells - len(chars)))
        colours = np.ones((cells, 3))
        colours[: len(chars)] = _shade(shade)
        alpha = self.glyphs.alpha[index]  # (cells, height, width)
        tiles = colours[:, None, None, :] * (1.0 - alpha[..., None])
        tiles = tiles.reshape(self.rows, COLUMNS, CELL[1], CELL[0], 3).transpose(0, 2, 1, 3, 4)
        return _rgba(tiles.reshape(self.rows * CELL[1], COLUMNS * CELL[0], 3))

    def _show_bars(self, t, sample, position):
        data = self.data
        p = data.probabilities[t, sample, position]
        drawn = int(data.ids[t, sample, position])
        order = np.argsort(-p, kind="stable")[:BARS]
        if drawn not in order:  # the character drawn is always shown
            order[-1] = drawn
        heights = np.zeros(BARS)  # a vocabulary smaller than BARS leaves the last bars empty
        heights[: len(order)] = p[order]
        self.bars.set_verts(_bar_verts(heights))
        is_drawn = np.zeros(BARS, dtype=bool)
        is_drawn[: len(order)] = order == drawn
        self.bars.set_facecolor(np.where(is_drawn[:, None], DRAWN_COLOUR, BAR_COLOUR))
        slots = np.ones((BARS, CELL[1], LABEL_WIDTH))
        left = (LABEL_WIDTH - CELL[0]) // 2
        ink = self.glyphs.alpha[[self.glyphs.index[data.chars[i]] for i in order]]
        slots[: len(order), :, left : left + CELL[0]] = 1.0 - ink
        self.label_image.set_data(_rgba(np.repeat(slots.transpose(1, 0, 2).reshape(CELL[1], -1)[..., None], 3, axis=2)))
        self.readout = (
            f"temperature {data.temperatures[t]:g}, sample {sample + 1} of {data.ids.shape[1]}, position {position}: "
            f"drew {_shown(data.chars[drawn])!r} with p = {p[drawn]:.2f}; "
            f"entropy {data.entropy[t, sample, position]:.2f} bits"
        )
        if self.title is not None:
            self.title.set_text(self.readout)


@functools.cache
def _pixel_image_class():
    from matplotlib.artist import Artist

    class PixelImage(Artist):
        """An RGBA image copied into its Axes' box pixel for pixel (nearest neighbour), with no resampling step.

        Drawing it costs a NumPy gather and one blit, a fraction of what an AxesImage takes to resample.
        """

        def __init__(self, ax, rgba):
            super().__init__()
            self.rgba = rgba
            self._shown = (None, None)  # (key, the image at the box's size) of the last draw
            ax.add_artist(self)

        def set_data(self, rgba):
            self.rgba = rgba
            self.stale = True

        def draw(self, renderer):
            if not self.get_visible():
                return
            box = self.axes.bbox
            width, height = round(box.width), round(box.height)
            if width < 1 or height < 1:
                return
            key = (id(self.rgba), width, height)
            if self._shown[0] != key:
                rows = np.arange(height - 1, -1, -1) * self.rgba.shape[0] // height  # Agg's rows go up the canvas
                columns = np.arange(width) * self.rgba.shape[1] // width
                self._shown = (key, self.rgba[rows[:, None], columns])
            gc = renderer.new_gc()
            renderer.draw_image(gc, round(box.x0), round(box.y0), self._shown[1])
            gc.restore()

    return PixelImage


def _pixel_image(ax, rgba):
    """A PixelImage in `ax`; the class is made on first use, so that importing rnnedu imports no matplotlib."""
    return _pixel_image_class()(ax, rgba)


@dataclasses.dataclass(frozen=True)
class _Glyphs:
    index: dict  # character -> row of alpha
    alpha: np.ndarray  # (characters, height, width) ink coverage 0..1


def _glyphs(chars):
    """Draw each character once into a cell of CELL pixels; return how much ink covers each pixel."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    unique = sorted(set(chars) | {" "})
    width, height = CELL
    figure = Figure(figsize=(width * len(unique) / 72, height / 72), dpi=72)
    canvas = FigureCanvasAgg(figure)
    for i, char in enumerate(unique):
        figure.text(
            (i + 0.5) / len(unique),
            0.45,
            _shown(char),
            ha="center",
            va="center",
            family="DejaVu Sans Mono",
            fontsize=13,
        )
    canvas.draw()
    ink = 1.0 - np.asarray(canvas.buffer_rgba())[..., 0].astype(np.float64) / 255.0
    ink = ink[:height, : width * len(unique)]
    alpha = ink.reshape(height, len(unique), width).transpose(1, 0, 2)
    return _Glyphs({char: i for i, char in enumerate(unique)}, alpha)


def _bar_verts(heights):
    """The corners of a bar of each height, at x = 0, 1, ..."""
    x = np.arange(len(heights))[:, None] + np.array([-0.4, -0.4, 0.4, 0.4])
    y = np.asarray(heights, dtype=np.float64)[:, None] * np.array([0, 1, 1, 0])
    return np.stack([x, y], axis=-1)


def _rgba(rgb):
    """uint8 RGBA from float RGB in 0..1: the kind of image matplotlib draws fastest."""
    rgba = np.full(rgb.shape[:2] + (4,), 255, dtype=np.uint8)
    rgba[..., :3] = np.clip(np.round(rgb * 255), 0, 255)
    return rgba


def _shade(probability):
    """Light background colours for probabilities (NaN: the prompt, grey)."""
    from matplotlib import colormaps

    colours = colormaps["RdYlGn"](np.nan_to_num(probability, nan=0.0))[:, :3]
    colours = 0.45 * colours + 0.55  # lighter, so the characters stay readable
    colours[np.isnan(probability)] = 0.82
    return colours


def _shown(text):
    return "".join(SHOWN.get(char, char) for char in text)
