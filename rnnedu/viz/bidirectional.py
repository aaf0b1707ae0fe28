"""The merge view: what each direction of a Bidirectional layer computes, and how the merge joins them.

* `merge_data` runs the two directions once: the forward outputs, the
  backward outputs as computed (reading the sequence from its end) and
  re-aligned to the forward timeline, every merge of the two, and what Keras
  itself returns for a Bidirectional with each merge_mode and the same weights;
* `plot_merge` draws one frame for a sample and a merge_mode;
* `merge_view` adds a sample slider and a merge_mode drop-down.
"""

import dataclasses

import numpy as np

from rnnedu._validate import check_axes, check_built, check_int, check_sequences, describe
from rnnedu.viz._view import BlitCanvas, WidgetView, control_options

__all__ = ["MERGE_MODES", "MergeData", "MergeView", "merge_data", "merge_view", "plot_merge"]

# The one home of Keras's merge modes: how each joins the two directions, and in words.
_MERGES = {
    "concat": (lambda f, b: np.concatenate([f, b], axis=-1), "forward units, then backward units"),
    "sum": (lambda f, b: f + b, "forward + backward"),
    "mul": (lambda f, b: f * b, "forward × backward"),
    "ave": (lambda f, b: (f + b) / 2, "(forward + backward) / 2"),
}
MERGE_MODES = (*_MERGES, None)  # None: no merge, a list of the two outputs
DIRECTIONS = ("forward", "backward_as_computed", "backward")


@dataclasses.dataclass(frozen=True, eq=False)  # eq=False: fields are arrays, which == compares elementwise
class MergeData:
    """Both directions of a Bidirectional layer and every merge of them, as `merge_data` returns it.

    Attributes:
        layer: the layer's name.
        forward, backward: (batch_size, timesteps, units), each direction's
            output at every timestep, on the forward timeline.
        backward_as_computed: the backward outputs in the order the layer
            computes them (step 0 reads the last timestep).
        merged: dict of merge_mode to our merge (a list of two arrays for
            None), for each merge_mode that applies, in MERGE_MODES order.
        keras: dict of merge_mode to the output of a Keras Bidirectional with
            that merge_mode and the same weights.
        return_sequences: whether the layer returns every step (else the merge is of the last outputs).
    """

    layer: str
    forward: np.ndarray
    backward: np.ndarray
    backward_as_computed: np.ndarray
    merged: dict
    keras: dict
    return_sequences: bool


def merge_data(layer, x):
    """Run both directions of a Bidirectional layer and every merge of their outputs.

    Args:
        layer: a built `keras.layers.Bidirectional` around a recurrent layer.
        x: array of shape (batch_size, timesteps, features).

    Returns:
        `MergeData`.

    Example:
    >>> import keras
    >>> layer = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True))
    >>> x = np.ones((2, 4, 5), "float32")
    >>> _ = layer(x)
    >>> data = merge_data(layer, x)
    >>> data.merged["concat"].shape, bool(np.allclose(data.merged["sum"], data.keras["sum"], atol=1e-6))
    ((2, 4, 6), True)
    """
    import keras

    if not isinstance(layer, keras.layers.Bidirectional):
        raise TypeError(f"`layer` must be a keras.layers.Bidirectional, got {describe(layer)}.")
    check_built("layer", layer)
    x = check_sequences("x", x, layer.forward_layer.cell.kernel.shape[0])
    forward = _as_sequences(layer.forward_layer, x)
    backward_as_computed = _as_sequences(layer.backward_layer, x)
    backward = backward_as_computed[:, ::-1]
    return_sequences = bool(layer.return_sequences)
    last_forward, last_backward = (forward, backward) if return_sequences else (forward[:, -1], backward[:, 0])
    modes = [m for m in MERGE_MODES if m in ("concat", None) or forward.shape[-1] == backward.shape[-1]]
    return MergeData(
        layer=layer.name,
        forward=forward,
        backward=backward,
        backward_as_computed=backward_as_computed,
        merged={mode: _merge(last_forward, last_backward, mode) for mode in modes},
        keras={mode: _keras_output(layer, x, mode) for mode in modes},
        return_sequences=return_sequences,
    )


def plot_merge(data, sample=0, merge_mode="concat", ax=None):
    """Draw the two directions and their merge for one sample; return the matplotlib Figure.

    Args:
        data: the `MergeData` returned by `merge_data`.
        sample: which sequence of the batch to show.
        merge_mode: "concat", "sum", "mul", "ave" or None.
        ax: None, or a sequence of 4 matplotlib Axes: forward, backward as
            computed, backward re-aligned, and the merge.

    Returns:
        the `matplotlib.figure.Figure` drawn into (a new one unless `ax` is
        given): forward outputs, backward outputs as computed and re-aligned
        (x: timestep or step, y: unit), then the merged output with its shape
        and whether it equals Keras's.

    Example:
    >>> import keras
    >>> layer = keras.layers.Bidirectional(keras.layers.GRU(2, return_sequences=True))
    >>> x = np.ones((1, 3, 2), "float32")
    >>> _ = layer(x)
    >>> figure = plot_merge(merge_data(layer, x), merge_mode="ave")
    >>> figure.axes[3].get_title()
    "merge_mode='ave': output shape (1, 3, 2), (forward + backward) / 2"
    """
    _check_data(data)
    axes = None if ax is None else check_axes("ax", ax, 4, "forward, backward as computed, backward, merge")
    return _MergeFrame(data, axes).update(sample, merge_mode).figure


def merge_view(layer, x, sample=0, merge_mode="concat"):
    """Explore a Bidirectional layer's two directions and merge modes with a slider and a drop-down.

    Args:
        layer: a built `keras.layers.Bidirectional`.
        x: array of shape (batch_size, timesteps, features).
        sample: the sample shown first.
        merge_mode: the merge shown first: "concat", "sum", "mul", "ave" or None.

    Returns:
        `MergeView`: displays itself (a picture where no widget frontend
        runs); its `controls` ("sample", "merge_mode") can be set from code.

    Example:
    >>> import keras
    >>> layer = keras.layers.Bidirectional(keras.layers.SimpleRNN(2, return_sequences=True))
    >>> x = np.ones((2, 3, 1), "float32")
    >>> _ = layer(x)
    >>> view = merge_view(layer, x)
    >>> view.controls["merge_mode"].value = "sum"
    >>> view.frame.merge_mode
    'sum'
    """
    return MergeView(merge_data(layer, x), sample, merge_mode)


class MergeView(WidgetView):
    """The widget of `merge_view`: a sample slider and a merge_mode drop-down above the frame.

    Args:
        data: the `MergeData` returned by `merge_data`.
        sample: the sample shown first.
        merge_mode: the merge shown first.

    Attributes:
        data: the precomputed directions and merges.
        frame: the drawn frame, with its current `sample` and `merge_mode`.
    """

    def __init__(self, data, sample=0, merge_mode="concat"):
        import ipywidgets as widgets

        _check_data(data)
        self.data = data
        self.frame = _MergeFrame(data).update(sample, merge_mode)
        labels = [str(mode) for mode in data.merged]  # the drop-down shows None as "None"
        sample_slider = widgets.IntSlider(
            value=self.frame.sample, min=0, max=len(data.forward) - 1, **control_options("sample")
        )
        dropdown = widgets.Dropdown(
            options=labels, value=str(self.frame.merge_mode), **control_options("merge_mode", slider=False)
        )
        controls = {"sample": sample_slider, "merge_mode": dropdown}
        super().__init__(self.frame.canvas, controls, self._update)

    def _update(self, _name):
        mode = self.controls["merge_mode"].value
        self.frame.update(self.controls["sample"].value, None if mode == "None" else mode)


class _MergeFrame:
    """Three panels for the directions, one for the merge.

    The axes and the frame of each panel are drawn once; a control redraws
    the images, the colour bars, the merge panel's axes and the titles over it.
    """

    def __init__(self, data, axes=None):
        from matplotlib.figure import Figure

        self.data = data
        self.sample = self.merge_mode = self.divider = self.canvas = None
        if axes is None:
            self.figure = Figure(figsize=(10, 5.6), dpi=72, layout="constrained")
            grid = self.figure.add_gridspec(2, 3)
            axes = [*(self.figure.add_subplot(grid[0, i]) for i in range(3)), self.figure.add_subplot(grid[1, :])]
            owned = True
        else:
            self.figure, owned = axes[0].figure, False
        self.axes = dict(zip(("forward", "backward_as_computed", "backward", "merged"), axes))
        self.images, self.colorbars = {}, []
        for name, ax in self.axes.items():
            self.images[name] = self._heatmap(ax)
        timesteps = data.forward.shape[1]
        self.axes["forward"].set_title("forward: timesteps 0 → T-1", fontsize=10)
        self.axes["backward_as_computed"].set_title("backward as computed: step s = timestep T-1-s", fontsize=10)
        self.axes["backward"].set_title("backward, re-aligned in time", fontsize=10)
        for name in ("forward", "backward"):
            self.axes[name].set_xlabel("timestep", fontsize=9)
        self.axes["backward_as_computed"].set_xlabel("step (go_backwards=True)", fontsize=9)
        if not data.return_sequences:  # outline the one output each direction returns; it has no time axis
            self.axes["merged"].set_yticks([])
            self._outline(self.axes["forward"], timesteps - 1)
            self._outline(self.axes["backward_as_computed"], timesteps - 1)
            self._outline(self.axes["backward"], 0)
        self.title = self.figure.suptitle(" ", fontsize=11)
        self.sample_text = self.figure.text(0.005, 0.995, " ", ha="left", va="top", fontsize=11, weight="bold")
        # One colour scale per panel for every sample (the directions share theirs), so that samples compare.
        self.largest = max(1e-6, *(float(np.max(np.abs(getattr(data, name)))) for name in DIRECTIONS))
        if owned:
            merged = self.axes["merged"]
            spines = [spine for ax in self.axes.values() for spine in ax.spines.values()]  # over the images
            # What the merge_mode changes, kept per merge_mode; the images and the sample's label move each frame.
            layer = [self.colorbars[-1], merged.xaxis, merged.yaxis, merged.title, self.title]
            moving = [*self.images.values(), *spines, self.sample_text]
            self.canvas = BlitCanvas(self.figure, moving, layers=[layer])
            self.figure.get_layout_engine().execute(self.figure)
            self.figure.set_layout_engine("none")  # a fixed layout keeps the cached background valid

    def update(self, sample, merge_mode):
        """Draw the given sample and merge_mode; return self."""
        sample = check_int("sample", sample, 0, len(self.data.forward) - 1)
        if merge_mode not in self.data.merged:
            shown = ", ".join(repr(m) for m in self.data.merged)
            raise ValueError(f"`merge_mode` must be one of {shown} for this layer; got {describe(merge_mode)}.")
        if self.canvas is not None and merge_mode != self.merge_mode:
            self.canvas.layer_keys[0] = str(merge_mode)
            self.canvas.invalidate_layer(0)
        self.sample, self.merge_mode = sample, merge_mode
        for name in DIRECTIONS:
            self._set(self.images[name], getattr(self.data, name)[sample], self.largest)
        merged = self.data.merged[merge_mode]
        shown = _side_by_side(merged, sample) if merge_mode is None else merged[sample]
        sequences = self.data.return_sequences
        shown = shown if sequences else shown[:, None]  # one output: its units across
        every = np.concatenate([np.ravel(part) for part in merged]) if merge_mode is None else merged
        self._set(self.images["merged"], shown, max(1e-6, float(np.max(np.abs(every)))))
        self._draw_divider(merge_mode, sequences)
        ax = self.axes["merged"]
        ax.set_title(_merge_title(self.data, merge_mode), fontsize=10)
        joined = merge_mode in ("concat", None)
        units = "unit" + (" (forward, then backward)" if joined else "")
        ax.set_xlabel("timestep" if sequences else f"{units} of the one output (return_sequences=False)", fontsize=9)
        ax.set_ylabel(units if sequences else "", fontsize=9)
        matches = _matches(self.data, merge_mode)
        self.title.set_text(
            f"{self.data.layer}: the merged output equals Keras's Bidirectional("
            f"merge_mode={merge_mode!r}) with the same weights: {matches}"
        )
        self.sample_text.set_text(f"sample {sample}")
        return self

    def _draw_divider(self, merge_mode, sequences):
        if self.divider is not None:
            self.divider.set_visible(False)
        if merge_mode in ("concat", None):
            ax, boundary = self.axes["merged"], self.data.forward.shape[-1] - 0.5
            if self.divider is None:  # made once and moved, so that the canvas draws the same artist
                self.divider = (ax.axhline if sequences else ax.axvline)(0, color="black", lw=1.5)
                if self.canvas is not None:
                    self.canvas.moving.append(self.divider)
            position = boundary + (0.5 if merge_mode is None else 0)
            (self.divider.set_ydata if sequences else self.divider.set_xdata)([position, position])
            self.divider.set_visible(True)

    def _heatmap(self, ax):
        image = ax.imshow(np.zeros((1, 1)), aspect="auto", origin="lower", cmap="RdBu_r", interpolation="nearest")
        self.colorbars.append(self.figure.colorbar(image, ax=ax, pad=0.01, fraction=0.05).ax)
        ax.set_ylabel("unit", fontsize=9)
        ax.grid(False)
        return image

    @staticmethod
    def _set(image, values, largest):
        values = np.asarray(values)
        image.set_data(values.T)
        extent = [-0.5, values.shape[0] - 0.5, -0.5, values.shape[1] - 0.5]
        if image.get_extent() != extent:  # setting it rescales the axes, which costs more than drawing the image
            image.set_extent(extent)
        if image.get_clim() != (-largest, largest):  # the colour bar redraws when it changes
            image.set_clim(-largest, largest)

    @staticmethod
    def _outline(ax, column):
        from matplotlib.patches import Rectangle

        ax.add_patch(
            Rectangle((column - 0.5, 0), 1, 1, transform=ax.get_xaxis_transform(), fill=False, lw=2, ec="#ff7f0e")
        )


def _check_data(data):
    if not isinstance(data, MergeData):
        raise TypeError(f"`data` must be the MergeData returned by merge_data(), got {describe(data)}.")


def _merge(forward, backward, mode):
    return [forward, backward] if mode is None else _MERGES[mode][0](forward, backward)


def _side_by_side(pair, sample):
    forward, backward = pair[0][sample], pair[1][sample]
    gap = np.full(forward.shape[:-1] + (1,), np.nan)  # a blank unit between the two tensors
    return np.concatenate([forward, gap, backward], axis=-1)


def _merge_title(data, mode):
    merged = data.merged[mode]
    if mode is None:
        shapes = " and ".join(str(part.shape) for part in merged)
        return f"merge_mode=None: a list of two outputs, {shapes} (forward | backward), not merged"
    return f"merge_mode={mode!r}: output shape {merged.shape}, {_MERGES[mode][1]}"


def _matches(data, mode):
    ours, theirs = data.merged[mode], data.keras[mode]
    pairs = zip(ours, theirs) if mode is None else [(ours, theirs)]
    return all(a.shape == b.shape and np.allclose(a, b, atol=1e-5) for a, b in pairs)


def _as_sequences(direction, x):
    """The direction's output at every step, in the order it computes them, even if it returns only the last."""
    import keras

    if direction.return_sequences and not direction.return_state:
        return keras.ops.convert_to_numpy(direction(x))
    every_step = _twin(direction, x.shape, return_sequences=True, return_state=False)
    return keras.ops.convert_to_numpy(every_step(x))


def _keras_output(layer, x, mode):
    import keras

    output = _twin(layer, x.shape, merge_mode=mode)(x)
    if layer.forward_layer.return_state:
        output = output[:2] if mode is None else output[0]  # the states follow the outputs
    return [keras.ops.convert_to_numpy(o) for o in output] if mode is None else keras.ops.convert_to_numpy(output)


def _twin(layer, input_shape, **changes):
    """A copy of `layer` with some settings changed and the same weights."""
    twin = type(layer).from_config(layer.get_config() | changes)
    twin.build(input_shape)
    twin.set_weights(layer.get_weights())
    return twin
