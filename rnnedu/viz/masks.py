"""The mask view: what padding and masking let each layer of a model see.

Three layers, each usable on its own:

* `mask_data` pads a batch (both ways, for a list of sequences of different
  lengths), runs the model once per padding and keeps, for every layer, the
  mask it receives and the mask it passes on, what it does with the mask (makes
  one, uses it, passes it on, ends it, or drops it with Keras's warning), its
  outputs and, at each masked step, what a recurrent layer emitted there
  (testable without a display);
* `plot_masks` draws one frame: the batch as a grid of tokens, padding and the
  chosen layer's mask in colour, with each row's padding side; the chosen
  layer's outputs for one sample, step by step; and the mask's path through
  the model;
* `mask_view` wires a padding toggle, a layer drop-down and a sample slider to
  that frame. Changing a control only redraws.
"""

import dataclasses
import inspect
import numbers
import re
import warnings

import numpy as np

from rnnedu._validate import (
    check_axes,
    check_choice,
    check_finite,
    check_int,
    check_mask,
    check_model_inputs,
    check_total,
    describe,
)
from rnnedu.cudnn import mask_rows
from rnnedu.reference import keras_mask
from rnnedu.viz._view import MAX_UNITS_SHOWN, BlitCanvas, WidgetView, control_options

__all__ = ["LayerMasks", "MaskData", "MaskLayout", "MaskView", "mask_data", "mask_view", "plot_masks"]

PADDINGS = ("pre", "post")
AS_GIVEN = "as given"
MAX_TOKEN_TEXTS = 400  # above this many cells the grid shows colours only
MAX_MAXLEN = 10_000  # the longest padded batch the view draws
# The range of values a model's input can hold, by dtype: a padding value outside it cannot be written there.
INPUT_RANGES = {"int32": (-(2**31), 2**31 - 1), "float32": (-3.4e38, 3.4e38)}

# What a layer emitted at each step (the strip above its outputs).
REAL, CARRIED, ZEROED, NOTHING_YET, COMPUTED, NO_MASK = range(6)
STEP_LABELS = (
    "real step",
    "masked: previous output repeated",
    "masked: zeros (zero_output_for_mask=True)",
    "masked: zeros, no output yet to repeat",
    "masked: computed anyway, mask passed on",
    "no mask",
)
STEP_COLOURS = ("#4daf4a", "#377eb8", "#999999", "#d9d9d9", "#fdb863", "#ffffff")

# What each cell of the batch grid is: padding or not, masked or not.
SEEN, PADDING_MASKED, PADDING_SEEN, REAL_MASKED = range(4)
CELL_LABELS = ("real token, seen", "padding, masked", "padding, seen as data", "real token, masked")
CELL_COLOURS = ("#ffffff", "#bdbdbd", "#f4a582", "#b2abd2")


@dataclasses.dataclass(frozen=True, eq=False)  # eq=False: fields are arrays, which == compares elementwise
class LayerMasks:
    """What one layer does with the mask, for one padded batch.

    Attributes:
        name: the layer's name.
        class_name: its class, e.g. "LSTM".
        recurrent: whether it is a recurrent layer (or a Bidirectional one).
        role: what it does with the mask, in words (makes one, uses it, passes it on, ends it, drops it).
        input_mask, output_mask: bool (batch_size, timesteps) arrays, or None.
        outputs: its first output as an array.
        steps: what it emitted at each step, codes into STEP_LABELS, or None without a timesteps axis.
        step_axis: what the steps are: timesteps, or steps read backwards.
        agrees: for a recurrent layer returning sequences, whether its outputs
            at masked steps are what `steps` says; else None.
        right_padded, fully_masked: per row of its input mask (`rnnedu.cudnn.mask_rows`), or None.
        warning: what Keras warned about this layer, or None.
    """

    name: str
    class_name: str
    recurrent: bool
    role: str
    input_mask: np.ndarray | None
    output_mask: np.ndarray | None
    outputs: np.ndarray
    steps: np.ndarray | None
    step_axis: str
    agrees: bool | None
    right_padded: np.ndarray | None
    fully_masked: np.ndarray | None
    warning: str | None


@dataclasses.dataclass(frozen=True, eq=False)
class MaskLayout:
    """One padded batch and every layer's masks on it.

    Attributes:
        inputs: the padded batch given to the model.
        padding: bool (batch_size, timesteps), True where a value was added (or, as given, equals the padding value).
        layers: tuple of `LayerMasks`, one per layer in model order.
    """

    inputs: np.ndarray
    padding: np.ndarray
    layers: tuple


@dataclasses.dataclass(frozen=True, eq=False)
class MaskData:
    """What `mask_data` returns: a model's masks for a batch padded each way.

    Attributes:
        model: the model's name.
        layer_names: tuple of the layers' names, in model order.
        default_layer: the first recurrent layer that receives a mask, else the first that receives one.
        value: the padding value.
        lengths: the sequences' lengths, or None for a padded array.
        tokens: whether the inputs are token ids.
        layouts: dict of padding ("pre" and "post", or "as given") to `MaskLayout`.
    """

    model: str
    layer_names: tuple
    default_layer: str
    value: float | int | None
    lengths: list | None
    tokens: bool
    layouts: dict


def mask_data(model, batch, value=None, maxlen=None, truncating="pre", mask=None):
    """Pad a batch, run a model on it and record what each layer does with the mask.

    Args:
        model: a built `keras.Model` (Sequential or functional) with one input,
            started from `keras.Input`; its mask usually comes from
            `Embedding(mask_zero=True)` or `Masking`.
        batch: a list of sequences of different lengths (token lists, or
            arrays of shape (length, features)), padded here with
            `keras.utils.pad_sequences` both "pre" and "post"; or an already
            padded array, (batch_size, timesteps) of tokens or
            (batch_size, timesteps, features), used as given.
        value: the padding value; None takes the one the model masks
            (0 for `Embedding(mask_zero=True)`, `mask_value` for `Masking`).
        maxlen: pad or cut every sequence to this length, 1 to 10,000; None: the longest.
        truncating: "pre" or "post", where sequences longer than `maxlen` are cut.
        mask: None, or a boolean (batch_size, timesteps) array given to the
            model as the mask of its input (for a model that makes none).

    Returns:
        `MaskData`.

    Example:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((None,), dtype="int32"),
    ...     keras.layers.Embedding(10, 4, mask_zero=True), keras.layers.LSTM(3, return_sequences=True)])
    >>> data = mask_data(model, [[5, 6, 7], [8]])
    >>> post = data.layouts["post"]
    >>> post.inputs.tolist(), post.layers[1].steps[1].tolist()
    ([[5, 6, 7], [8, 0, 0]], [0, 1, 1])
    """
    import keras

    inputs = _check_model(model)
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    tokens = _takes_tokens(model, inputs)
    made_with = _mask_value(layers)
    value = _check_value(made_with if value is None else value, tokens)
    truncating = check_choice("truncating", truncating, PADDINGS)
    ragged = isinstance(batch, (list, tuple))
    if ragged:
        if value is None:
            raise ValueError(
                "`value` is needed: `batch` is a list of sequences to pad and the model makes no mask "
                "(no Embedding(mask_zero=True) or Masking layer) to take the padding value from."
            )
        rows = _check_sequences(batch, tokens)
        maxlen = None if maxlen is None else check_int("maxlen", maxlen, min_value=1, max_value=MAX_MAXLEN)
        if maxlen is None and not any(len(row) for row in rows):
            raise ValueError("`batch` has no timesteps: every sequence is empty; give `maxlen` >= 1.")
        longest = maxlen or max(len(row) for row in rows)
        check_total("`batch` padded (sequences × `maxlen` × features)", len(rows) * longest * _width(rows, tokens))
        padded = {side: _pad(rows, side, truncating, value, maxlen, tokens) for side in PADDINGS}
        lengths = [len(row) for row in rows]
    else:
        if maxlen is not None:
            raise ValueError(
                f"`maxlen` is only for a list of sequences; `batch` is already padded, got maxlen={maxlen}."
            )
        array = _check_padded(batch, tokens)
        padded = {AS_GIVEN: (array, _padding_positions(array, value))}
        lengths = None
    first = next(iter(padded.values()))[0]
    _check_fits(inputs, first)
    mask = check_mask("mask", mask, shape=first.shape[:2])
    layouts = {side: _layout(model, layers, inputs, x, where, mask) for side, (x, where) in padded.items()}
    names = [layer.name for layer in layers]
    records = next(iter(layouts.values())).layers
    receiving = [r for r in records if r.input_mask is not None]
    recurrent = [r for r in receiving if r.recurrent]
    default = (recurrent or receiving or records)[0].name
    return MaskData(
        model=model.name,
        layer_names=tuple(names),
        default_layer=default,
        value=value,
        lengths=lengths,
        tokens=tokens,
        layouts=layouts,
    )


def plot_masks(data, padding=None, layer=None, sample=0, ax=None):
    """Draw one frame of the mask view and return the matplotlib Figure.

    Args:
        data: the `MaskData` returned by `mask_data`.
        padding: "pre" or "post" (or "as given" for a padded batch); None: the first.
        layer: the name of the layer whose mask and outputs are shown; None:
            `data.default_layer`.
        sample: the row of the batch whose outputs are shown.
        ax: None, or a sequence of 4 matplotlib Axes: the batch grid, the
            strip of what the layer emitted, its outputs, and the mask's path.

    Returns:
        the `matplotlib.figure.Figure` drawn into (a new one unless `ax` is
        given): the batch grid (rows: samples, columns: timesteps; colours:
        padding and the mask the layer receives; on the
        right, whether each row is right-padded), the layer's outputs for the
        sample with what it emitted at each step, and every layer's part in
        the mask's journey.

    Example:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((None, 2)), keras.layers.Masking(), keras.layers.GRU(3, name="gru")])
    >>> x = [np.ones((2, 2)), np.ones((1, 2))]
    >>> figure = plot_masks(mask_data(model, x), padding="post", layer="gru")
    >>> figure.axes[0].texts[-1].get_text()
    'right-padded ✓'
    """
    _check_data(data)
    axes = None if ax is None else check_axes("ax", ax, 4, "grid, strip, outputs, path")
    return _MaskFrame(data, axes).update(padding, layer, sample).figure


def mask_view(model, batch, value=None, maxlen=None, truncating="pre", mask=None, padding=None, layer=None, sample=0):
    """Explore how padding and masking travel through a model, with a toggle, a drop-down and a slider.

    The model runs once per padding, on all of `batch`; the controls only
    redraw. Where no widget frontend exists (nbconvert, GitHub's viewer) the
    output still shows the frame as a picture.

    Args:
        model, batch, value, maxlen, truncating, mask: see `mask_data`.
        padding, layer, sample: the first frame (see `plot_masks`).

    Returns:
        `MaskView`: displays itself; its `controls` ("padding", "layer",
        "sample") can be set from code.

    Example:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((None,), dtype="int32"),
    ...     keras.layers.Embedding(10, 4, mask_zero=True), keras.layers.SimpleRNN(3)])
    >>> view = mask_view(model, [[1, 2, 3], [4], []])
    >>> view.controls["padding"].value = "post"
    >>> view.frame.padding, view.frame.axes["grid"].texts[-1].get_text()
    ('post', 'all masked ✗')
    """
    return MaskView(mask_data(model, batch, value, maxlen, truncating, mask), padding, layer, sample)


class MaskView(WidgetView):
    """The widget of `mask_view`: padding toggle, layer drop-down and sample slider above the frame.

    It keeps one frame per padding, so that the toggle switches between two
    drawn figures and the slider redraws only the outputs.

    Args:
        data: the `MaskData` returned by `mask_data`.
        padding, layer, sample: the first frame (see `plot_masks`).

    Attributes:
        data: the padded batches and every layer's masks and outputs.
        frames: a frame per padding ("pre" and "post", or "as given").
        frame: the frame shown, with its `padding`, `layer` and `sample`.
    """

    def __init__(self, data, padding=None, layer=None, sample=0):
        import ipywidgets as widgets

        self.data = data
        _check_data(data)
        first = _MaskFrame(data).update(padding, layer, sample)
        self.frames = {side: first if side == first.padding else _MaskFrame(data) for side in data.layouts}
        self.frame = first
        sides = list(data.layouts)
        batch_size = len(data.layouts[sides[0]].inputs)
        controls = {
            "padding": widgets.ToggleButtons(
                options=sides, value=first.padding, **control_options("padding", slider=False)
            ),
            "layer": widgets.Dropdown(
                options=data.layer_names, value=first.layer, **control_options("layer", slider=False)
            ),
            "sample": widgets.IntSlider(value=first.sample, min=0, max=batch_size - 1, **control_options("sample")),
        }
        controls["padding"].disabled = len(sides) == 1  # a padded batch has one layout: as given
        shown = first.padding, first.layer, first.sample
        for side, frame in self.frames.items():  # precompute every padding and layer, so that each control blits
            for name in data.layer_names:
                frame.update(side, name, shown[2]).canvas.render()
        first.update(*shown)
        super().__init__(first.canvas, controls, self._update, static=lambda: self.canvas.render("png"))

    def _update(self, _name):
        padding, layer, sample = (self.controls[name].value for name in ("padding", "layer", "sample"))
        self.frame = self.frames[padding].update(padding, layer, sample)
        self.canvas = self.frame.canvas  # WidgetView renders the canvas of the frame shown


class _MaskFrame:
    """The batch grid, the chosen layer's outputs and the mask's path.

    Changing the padding or the layer redraws everything; changing the sample
    redraws only the outline, the strip and the outputs over a cached
    background (the colour scale is fixed per layer, for every sample).
    """

    def __init__(self, data, axes=None):
        from matplotlib.figure import Figure

        self.data = data
        self.padding = self.layer = self.sample = self.canvas = None
        batch_size, timesteps = next(iter(data.layouts.values())).padding.shape
        count = len(data.layer_names)
        names = ("grid", "steps", "outputs", "flow")
        if axes is None:
            heights = [1.0 + 0.28 * min(batch_size, 24), 0.3, 2.0, 0.3 + 0.2 * (count + 3)]
            self.figure = Figure(figsize=(11, sum(heights) + 1.0), dpi=72, layout="constrained")
            spec = self.figure.add_gridspec(4, 1, height_ratios=heights)
            self.axes = {name: self.figure.add_subplot(spec[i]) for i, name in enumerate(names)}
        else:
            self.figure, self.axes = axes[0].figure, dict(zip(names, axes))
        self._setup_grid(batch_size, timesteps)
        self._setup_outputs()
        self._setup_flow(count)
        self.title = self.figure.suptitle(" ", fontsize=11)
        if axes is not None:
            return
        spines = [spine for name in ("steps", "outputs") for spine in self.axes[name].spines.values()]
        moving = [self.strip, self.image, *spines, self.outline]  # spines over the images
        # What changes with the layer: drawn over the background once per layer, then kept (see MaskView).
        axis_parts = [self.axes["grid"].xaxis, self.axes["steps"].xaxis, self.axes["outputs"].xaxis]
        axis_parts += [self.axes["outputs"].yaxis, self.colorbar.ax]
        texts = [*self.values, *self.row_labels, *self.flow_lines, self.cudnn_line, self.title, self.output_title]
        self.canvas = BlitCanvas(self.figure, moving, layers=[[self.cells, *texts, *axis_parts]])
        for text in self.row_labels:  # the widest texts, so that the layout leaves room for them
            text.set_text("not right-padded ✗")
        for name in ("grid", "outputs"):
            self.axes[name].set_xlabel("timestep", fontsize=9)
        self.output_title.set_text("outputs")
        self.figure.get_layout_engine().execute(self.figure)
        self.figure.set_layout_engine("none")  # a fixed layout keeps the cached background valid

    def _setup_grid(self, batch_size, timesteps):
        from matplotlib.colors import ListedColormap
        from matplotlib.patches import Rectangle

        grid = self.axes["grid"]
        self.cells = grid.imshow(
            np.zeros((batch_size, timesteps)),
            cmap=ListedColormap(CELL_COLOURS),
            vmin=-0.5,
            vmax=len(CELL_COLOURS) - 0.5,
            aspect="auto",
            interpolation="nearest",
        )
        grid.set_ylabel("sample", fontsize=9)
        if batch_size <= 24:
            grid.set_yticks(range(batch_size))
        grid.grid(False)
        _legend(grid, CELL_LABELS, CELL_COLOURS, columns=4)
        cells = [(b, t) for b in range(batch_size) for t in range(timesteps)]
        shown = cells if len(cells) <= MAX_TOKEN_TEXTS else []
        self.values = [grid.text(t, b, "", ha="center", va="center", fontsize=8) for b, t in shown]
        transform = grid.get_yaxis_transform()
        self.row_labels = [
            grid.text(1.005, b, "", transform=transform, ha="left", va="center", fontsize=9) for b in range(batch_size)
        ]
        self.outline = grid.add_patch(Rectangle((-0.5, -0.5), timesteps, 1, fill=False, ec="black", lw=2))

    def _setup_outputs(self):
        from matplotlib.colors import ListedColormap

        steps, outputs = self.axes["steps"], self.axes["outputs"]
        colours = ListedColormap(STEP_COLOURS)
        self.strip = steps.imshow(
            np.zeros((1, 1)), cmap=colours, vmin=-0.5, vmax=len(STEP_COLOURS) - 0.5, aspect="auto"
        )
        steps.set_yticks([])
        steps.grid(False)
        _legend(steps, STEP_LABELS, STEP_COLOURS, columns=3)
        self.image = outputs.imshow(np.zeros((1, 1)), aspect="auto", origin="lower", cmap="RdBu_r")
        self.colorbar = self.figure.colorbar(self.image, cax=outputs.inset_axes([1.01, 0, 0.015, 1]))
        outputs.grid(False)
        outputs.set_ylabel("unit", fontsize=9)
        self.output_title = outputs.text(0.5, 1.02, "", transform=outputs.transAxes, ha="center", va="bottom")

    def _setup_flow(self, count):
        flow = self.axes["flow"]
        flow.set_axis_off()
        flow.text(0, 1, "The mask's path through the model:", va="top", fontsize=10, weight="bold")
        rows = count + 3
        self.flow_lines = [flow.text(0, 1 - (i + 1) / rows, "", va="top", fontsize=9) for i in range(count)]
        self.cudnn_line = flow.text(0, 0, "", va="bottom", fontsize=9)

    def update(self, padding, layer, sample):
        """Draw the given padding, layer and sample; return self."""
        layouts = self.data.layouts
        padding = next(iter(layouts)) if padding is None else check_choice("padding", padding, tuple(layouts))
        names = self.data.layer_names
        layer = self.data.default_layer if layer is None else check_choice("layer", layer, tuple(names))
        layout = layouts[padding]
        sample = check_int("sample", sample, 0, len(layout.inputs) - 1)
        record = layout.layers[names.index(layer)]
        if (padding, layer) != (self.padding, self.layer):  # the canvas's cached group changes
            if self.canvas is not None:
                if padding != self.padding:
                    self.canvas.invalidate()
                self.canvas.layer_keys[0] = layer  # kept per layer: a layer seen before is not drawn again
                self.canvas.invalidate_layer(0)
            self.padding, self.layer = padding, layer
            self._draw_layer(record)
            self._draw_grid(layout, record)
            self.cudnn_line.set_text(_cudnn_sentence(record))
            where = "as given" if padding == AS_GIVEN else f"padding={padding!r}"
            self.title.set_text(
                f"{self.data.model}: the batch ({where}, value {self.data.value}) and the mask {layer} receives"
            )
        self.sample = sample
        self._draw_outputs(record, sample)
        self.outline.set_y(sample - 0.5)
        return self

    def _draw_layer(self, record):
        """What depends only on the layer: the colour scale, the axes, the path of the mask."""
        index = self.data.layer_names.index(record.name)
        largest = max(
            float(np.max(np.abs(layout.layers[index].outputs), initial=0.0)) for layout in self.data.layouts.values()
        )
        self.image.set_clim(-max(largest, 1e-6), max(largest, 1e-6))  # the colour bar follows
        outputs = record.outputs
        timed = outputs.ndim == 3
        length = outputs.shape[1] if timed else 1
        for name in ("steps", "outputs"):
            self.axes[name].set_xlim(-0.5, length - 0.5)
        self.axes["outputs"].set_ylim(-0.5, min(outputs.shape[-1] if timed else outputs[0].size, MAX_UNITS_SHOWN) - 0.5)
        self.axes["steps"].set_xticks(self.axes["outputs"].get_xticks() if timed else [])
        self.axes["steps"].set_xlim(-0.5, length - 0.5)
        label = record.step_axis if timed else "its one output per sample (no timesteps axis)"
        self.axes["outputs"].set_xlabel(label, fontsize=9)
        self.axes["grid"].set_xlabel(
            f"timestep ({'token ids' if self.data.tokens else 'feature 0'} shown; "
            f"colours: the padding and the mask {record.name} receives)",
            fontsize=9,
        )
        layers = next(iter(self.data.layouts.values())).layers  # roles are the same for every padding
        for text, other in zip(self.flow_lines, layers):
            chosen = other.name == record.name
            text.set_text(f"{'▶ ' if chosen else '    '}{other.name} ({other.class_name}): {other.role}")
            text.set_fontweight("bold" if chosen else "normal")

    def _draw_grid(self, layout, record):
        padding, mask = layout.padding, record.input_mask
        seen = np.ones_like(padding) if mask is None else mask
        conditions = [~padding & seen, padding & ~seen, padding & seen]
        self.cells.set_data(np.select(conditions, [SEEN, PADDING_MASKED, PADDING_SEEN], REAL_MASKED))
        inputs = layout.inputs
        shown = inputs if inputs.ndim == 2 else inputs[..., 0]
        for text, value, pad in zip(self.values, shown.ravel(), padding.ravel()):
            text.set_text(str(value) if self.data.tokens else f"{value:.1f}")
            text.set_color("#555555" if pad else "black")
        for text, label in zip(self.row_labels, _row_labels(record)):
            text.set_text(label)

    def _draw_outputs(self, record, sample):
        outputs = np.asarray(record.outputs[sample], dtype=np.float64)
        values = (outputs if outputs.ndim == 2 else outputs.reshape(1, -1))[:, :MAX_UNITS_SHOWN]
        self.image.set_data(values.T)
        self.image.set_extent((-0.5, values.shape[0] - 0.5, -0.5, values.shape[1] - 0.5))
        steps = record.steps
        row = np.full(1, NO_MASK) if steps is None else steps[sample]
        self.strip.set_data(row[None, :])
        self.strip.set_extent((-0.5, len(row) - 0.5, -0.5, 0.5))
        rule = "" if record.agrees is None else f"; at masked steps it emitted what the strip says: {record.agrees}"
        shape = record.outputs.shape
        self.output_title.set_text(f"{record.name} outputs for the outlined sample, shape {shape}{rule}")


def _check_data(data):
    if not isinstance(data, MaskData):
        raise TypeError(f"`data` must be the MaskData returned by mask_data(), got {describe(data)}.")


def _legend(ax, labels, colours, columns):
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=c, edgecolor="black", label=label) for c, label in zip(colours, labels)]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1), ncol=columns, fontsize=8, frameon=False)


def _check_model(model):
    inputs = check_model_inputs("model", model)
    if len(inputs) != 1:
        raise ValueError(f"`model` must take one input, {model.name} takes {len(inputs)}.")
    return inputs[0]


def _check_value(value, tokens):
    """The padding value, checked against what the model's input (int32 token ids or float32) can hold."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`value` must be a number (the padding value), got {describe(value)}.")
    dtype = "int32" if tokens else "float32"
    low, high = INPUT_RANGES[dtype]
    if not np.isfinite(value) or not low <= value <= high or (tokens and not float(value).is_integer()):
        kind = "an integer token id" if tokens else "a finite number"
        raise ValueError(
            f"`value` must be {kind} that the model's {dtype} input can hold ({low:g} to {high:g}), "
            f"got {describe(value)}."
        )
    return int(value) if tokens else float(value)


def _width(rows, tokens):
    """Numbers per timestep of the padded batch: 1 for token ids, else the features of the first non-empty row."""
    return 1 if tokens else next((row.shape[-1] for row in rows if row.ndim == 2), 1)


def _takes_tokens(model, inputs):
    import keras

    first = next((layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)), None)
    return "int" in str(inputs.dtype) or isinstance(first, keras.layers.Embedding)


def _mask_value(layers):
    """The padding value the first mask-making layer masks, or None."""
    import keras

    for layer in layers:
        if isinstance(layer, keras.layers.Embedding) and layer.mask_zero:
            return 0
        if isinstance(layer, keras.layers.Masking):
            return layer.mask_value
    return None


def _check_sequences(batch, tokens):
    if not batch:
        raise ValueError("`batch` must hold at least one sequence, got an empty list.")
    rows = []
    for index, row in enumerate(batch):
        where = f"`batch` row {index}"
        try:
            row = np.asarray(row, dtype=object) if tokens else check_finite("batch", row)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where} is not a sequence of numbers: {error}") from None
        if len(row) and row.ndim != (1 if tokens else 2):
            expected = "a list of token ids" if tokens else "an array of shape (length, features)"
            raise ValueError(f"{where} must be {expected}, got shape {row.shape}.")
        rows.append(_tokens(row, where) if tokens else row)
    return rows


def _tokens(values, where):
    """Integer token ids from `values`, or an error naming the first that is not one."""
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    for item in values.ravel():
        if isinstance(item, bool) or not isinstance(item, numbers.Real) or not float(item).is_integer():
            raise TypeError(
                f"{where} must hold integer token ids for a model that embeds tokens, got {describe(item)}."
            )
    return values.astype(np.int64)


def _pad(rows, side, truncating, value, maxlen, tokens):
    import keras

    dtype = "int32" if tokens else "float32"
    x = keras.utils.pad_sequences(rows, maxlen=maxlen, dtype=dtype, padding=side, truncating=truncating, value=value)
    ones = [np.ones(len(row), dtype=np.int8) for row in rows]
    added = keras.utils.pad_sequences(ones, maxlen=maxlen, padding=side, truncating=truncating, value=0) == 0
    return x, added


def _check_padded(batch, tokens):
    try:
        array = np.asarray(batch)
    except ValueError as error:
        raise ValueError(f"`batch` must be a list of sequences or a padded array: {error}") from None
    if array.dtype == object:
        raise ValueError("`batch` must be a list of sequences (to pad) or a padded array, got a ragged array.")
    expected = "(batch_size, timesteps)" if tokens else "(batch_size, timesteps, features)"
    if array.ndim != (2 if tokens else 3) or not array.shape[0] or not array.shape[1]:
        raise ValueError(f"`batch` must have shape {expected} for this model, got an array of shape {array.shape}.")
    return _tokens(array, "`batch`") if tokens else check_finite("batch", array)


def _padding_positions(x, value):
    if value is None:
        return np.zeros(x.shape[:2], dtype=bool)
    equal = x == value
    return equal if x.ndim == 2 else np.all(equal, axis=-1)


def _check_fits(inputs, x):
    shape = tuple(inputs.shape)
    if len(shape) != x.ndim or any(want is not None and want != got for want, got in zip(shape, x.shape)):
        raise ValueError(
            f"`batch` pads to shape {x.shape}, but the model was built for inputs of shape {shape}; "
            "start it with keras.Input(shape=(None, ...)) to take any number of timesteps."
        )


def _layout(model, layers, inputs, x, padding, mask):
    """Run the model on one padded batch and describe every layer's masks and outputs."""
    import keras

    tensors = []
    for layer in layers:
        try:
            tensors += [_first(layer.input), _first(layer.output)]
        except (AttributeError, ValueError) as error:
            raise ValueError(f"`model` layer {layer.name!r} cannot be read on its own ({error}).") from None
    reader = keras.Model(inputs, tensors, name=f"{model.name}_mask_reader")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = reader(x, mask=mask)
    warned = {}
    for item in caught:
        found = re.match(r"Layer '(.+?)' \(of type", str(item.message))
        if found:
            warned.setdefault(found.group(1), str(item.message))
    records = [
        _record(layer, values[2 * i], values[2 * i + 1], warned.get(layer.name)) for i, layer in enumerate(layers)
    ]
    return MaskLayout(inputs=x, padding=padding, layers=tuple(records))


def _first(tensors):
    return tensors[0] if isinstance(tensors, (list, tuple)) else tensors


def _record(layer, received, returned, warning):
    import keras

    input_mask, output_mask = keras_mask(received), keras_mask(returned)
    outputs = keras.ops.convert_to_numpy(returned)
    rnn = _rnn_settings(layer)
    steps, agrees, axis = None, None, "timestep"
    timed = outputs.ndim == 3 and output_mask is not None and output_mask.shape == outputs.shape[:2]
    if rnn is not None and rnn["return_sequences"] and input_mask is not None:
        order = input_mask[:, ::-1] if rnn["go_backwards"] else input_mask
        steps = _rnn_steps(order, rnn["zero_output_for_mask"])
        agrees = _follows_rule(outputs, steps)
        axis = "step (reading backwards: step s is timestep T-1-s)" if rnn["go_backwards"] else "timestep"
    elif timed:
        steps = np.where(output_mask, REAL, COMPUTED)
    elif outputs.ndim == 3:
        steps = np.full(outputs.shape[:2], NO_MASK)
    right, empty = (None, None) if input_mask is None else mask_rows(input_mask)
    return LayerMasks(
        name=layer.name,
        class_name=type(layer).__name__,
        recurrent=rnn is not None,
        role=_role(layer, input_mask, output_mask, rnn, warning),
        input_mask=input_mask,
        output_mask=output_mask,
        outputs=outputs,
        steps=steps,
        step_axis=axis,
        agrees=agrees,
        right_padded=right,
        fully_masked=empty,
        warning=warning,
    )


def _rnn_settings(layer):
    """return_sequences, go_backwards and zero_output_for_mask of a recurrent layer (or a Bidirectional), or None."""
    import keras

    inner = layer.forward_layer if isinstance(layer, keras.layers.Bidirectional) else layer
    if not isinstance(inner, keras.layers.RNN):
        return None
    return {
        "return_sequences": bool(inner.return_sequences),
        "go_backwards": bool(inner.go_backwards) and not isinstance(layer, keras.layers.Bidirectional),
        "zero_output_for_mask": bool(inner.zero_output_for_mask),
    }


def _rnn_steps(mask, zero_output_for_mask):
    """What a recurrent layer emits at each step: the output, the previous output again, or zeros."""
    started = np.cumsum(mask, axis=1) > 0
    masked = ZEROED if zero_output_for_mask else np.where(started, CARRIED, NOTHING_YET)
    return np.where(mask, REAL, masked)


def _follows_rule(outputs, steps):
    """Whether the outputs at masked steps are what `steps` says: the previous output again, or zeros."""
    previous = np.concatenate([np.zeros_like(outputs[:, :1]), outputs[:, :-1]], axis=1)
    carried = steps == CARRIED
    zeros = (steps == ZEROED) | (steps == NOTHING_YET)
    return bool(np.array_equal(outputs[carried], previous[carried]) and not np.any(outputs[zeros]))


def _role(layer, input_mask, output_mask, rnn, warning):
    if input_mask is None:
        return "makes the mask" if output_mask is not None else "no mask here"
    if rnn is not None:
        if not rnn["return_sequences"]:
            return "skips masked steps; one output per sample, so the mask ends here"
        emitted = "zeros" if rnn["zero_output_for_mask"] else "its previous output"
        return f"skips masked steps (state carried over), emits {emitted} there; passes the mask on"
    if output_mask is None:
        if layer.supports_masking:
            return "uses the mask and ends it (compute_mask returns None)"
        return "not mask-aware: drops the mask" + (" (Keras warned)" if warning else "")
    uses = "mask" in inspect.signature(layer.call).parameters
    return "uses the mask and passes it on" if uses else "passes the mask on (supports_masking)"


def _row_labels(record):
    if record.input_mask is None:
        return ["no mask"] * len(record.outputs)
    return [
        "all masked ✗" if empty else ("right-padded ✓" if right else "not right-padded ✗")
        for right, empty in zip(record.right_padded, record.fully_masked)
    ]


def _cudnn_sentence(record):
    if record.input_mask is None:
        return f"{record.name} receives no mask."
    right, empty = record.right_padded, record.fully_masked
    ready = bool(np.all(right) and not np.any(empty))
    return (
        f"The mask {record.name} receives: {int(np.sum(right))} of {len(right)} rows right-padded, "
        f"{int(np.sum(empty))} all masked.\n"
        f"A recurrent layer takes the fast cuDNN path only if every row is right-padded and none is all masked: {ready}"
    )
