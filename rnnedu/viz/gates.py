"""The gate explorer: every gate of a SimpleRNN, GRU or LSTM over time, for one sample.

Three layers, each usable on its own:

* `gate_data` runs the layer once, through `rnnedu.reference.trace`, and keeps
  every gate for every sample, step and unit (testable without a display);
* `plot_gates` draws one frame (into the caller's Axes if given): a heatmap per gate (steps × units) with the
  current step marked, and a small cell diagram with the values flowing
  through one unit at that step;
* `gate_explorer` wires sliders for the sample, the units shown, the unit
  and the step to that frame. Moving a slider only redraws.
"""

import dataclasses
import html

import numpy as np

from rnnedu import reference
from rnnedu._validate import check_axes, check_int, check_model_inputs, describe
from rnnedu.viz._view import MAX_UNITS_SHOWN, BlitCanvas, WidgetView, control_options

__all__ = ["GateData", "GateExplorer", "gate_data", "gate_explorer", "plot_gates"]

KINDS = {"LSTMCell": "LSTM", "GRUCell": "GRU", "SimpleRNNCell": "SimpleRNN"}
PANELS = {kind: (*reference.GATE_NAMES[cell], "h") for cell, kind in KINDS.items()}  # the course's gate names
TITLES = {
    "i": "i: input gate",
    "f": "f: forget gate",
    "g": "g: candidate",
    "o": "o: output gate",
    "c": "c: cell state",
    "h": "h: output",
    "z": "z: update gate",
    "r": "r: reset gate",
    "candidate": "candidate: the proposed h",
    "pre_activation": "pre-activation x·W + h·U + b",
}


@dataclasses.dataclass(frozen=True, eq=False)  # eq=False: fields are arrays, which == compares elementwise
class GateData:
    """Every gate of a recurrent layer for every sample, step and unit, as `gate_data` returns it.

    Attributes:
        kind: "LSTM", "GRU" or "SimpleRNN".
        layer: the layer's name.
        values: dict of gate name to float array (batch_size, timesteps,
            units), in drawing order: i, f, g, o, c, h for LSTM; z, r,
            candidate, h for GRU; pre_activation, h for SimpleRNN.
        h_previous: (batch_size, timesteps, units), the h each step starts from.
        c_previous: the same for the LSTM's c, or None for GRU and SimpleRNN.
        timestep: int array (timesteps,), the input timestep read at each
            step (reversed with go_backwards).
        mask: bool array (batch_size, timesteps) in step order, or None.
        activation: the name of the layer's activation.
    """

    kind: str
    layer: str
    values: dict
    h_previous: np.ndarray
    c_previous: np.ndarray | None
    timestep: np.ndarray
    mask: np.ndarray | None
    activation: str

    @property
    def panels(self):
        """The gate names in drawing order."""
        return tuple(self.values)

    @property
    def shape(self):
        """(batch_size, timesteps, units)."""
        return self.values["h"].shape


def gate_data(layer, x, layer_name=None, initial_state=None, mask=None):
    """Run a recurrent layer once and keep every gate, for every sample, step and unit.

    Args:
        layer: a built `keras.layers.SimpleRNN`, `GRU` or `LSTM`; or a
            `keras.Model` holding one, named by `layer_name` (it may be left
            out when the model has only one such layer).
        x: array of inputs: for a layer, shape (batch_size, timesteps,
            features), finite numbers; for a model, whatever the model takes.
            The layer's own inputs, and its mask if an earlier layer makes one
            (e.g. `Embedding(mask_zero=True)`), are read from the model.
        layer_name: str, the layer's name in the model; only with a model.
        initial_state: None, or the layer's initial states ([h] or [h, c]).
        mask: None, or a boolean array (batch_size, timesteps); only with a
            layer (a model supplies its own).

    Returns:
        `GateData`.

    Example:
    >>> import keras
    >>> layer = keras.layers.LSTM(3)
    >>> x = np.zeros((2, 5, 4), "float32")
    >>> _ = layer(x)
    >>> data = gate_data(layer, x)
    >>> data.kind, data.panels, data.values["f"].shape
    ('LSTM', ('i', 'f', 'g', 'o', 'c', 'h'), (2, 5, 3))
    """
    import keras

    if isinstance(layer, keras.Model):
        layer, x, mask = _layer_inputs(layer, x, layer_name)
    elif layer_name is not None:
        raise ValueError(f"`layer_name` is only for a keras.Model; `layer` is {describe(layer)}.")
    result = reference.trace(layer, x, initial_state=initial_state, mask=mask)
    cell = getattr(layer, "cell", layer)
    kind = KINDS[type(cell).__name__]
    backwards = bool(getattr(layer, "go_backwards", False))
    timesteps = result["h"].shape[1]
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)[:, ::-1] if backwards else np.asarray(mask, dtype=bool)
    return GateData(
        kind=kind,
        layer=layer.name,
        values={name: result[name] for name in PANELS[kind]},
        h_previous=_previous(result["h"], initial_state, 0),
        c_previous=_previous(result["c"], initial_state, 1) if kind == "LSTM" else None,
        timestep=np.arange(timesteps)[::-1] if backwards else np.arange(timesteps),
        mask=mask,
        activation=getattr(cell.activation, "__name__", "activation"),
    )


def plot_gates(data, sample=0, units=None, unit=None, step=0, ax=None):
    """Draw one frame of the gate explorer and return the matplotlib Figure.

    Args:
        data: the `GateData` returned by `gate_data`.
        sample: which sequence of the batch to show.
        units: (first, last) units to show in the heatmaps, both included;
            None shows the first 32.
        unit: the unit whose values the cell diagram shows; None: the first shown.
        step: the step marked in the heatmaps and shown in the diagram.
        ax: None, or a sequence of matplotlib Axes: one per panel
            (`data.panels`), then one for the cell diagram.

    Returns:
        the `matplotlib.figure.Figure` drawn into (a new one unless `ax` is
        given): one heatmap per gate (x: step, y: unit) followed by the cell
        diagram. In a notebook, it shows as a picture.

    Example:
    >>> import keras
    >>> layer = keras.layers.GRU(4)
    >>> x = np.zeros((1, 6, 2), "float32")
    >>> _ = layer(x)
    >>> figure = plot_gates(gate_data(layer, x), step=2)
    >>> [ax.get_title() for ax in figure.axes[:4]]
    ['z: update gate', 'r: reset gate', 'candidate: the proposed h', 'h: output']
    """
    _check_data(data)
    axes = None if ax is None else check_axes("ax", ax, len(data.panels) + 1, "one per panel, then the diagram")
    return _GateFrame(data, diagram=True, axes=axes).update(sample, units, unit, step).figure


def gate_explorer(layer, x, layer_name=None, sample=0, units=None, unit=None, step=0, initial_state=None, mask=None):
    """Explore every gate of a recurrent layer with sliders.

    The layer runs once, on all of `x`; the sliders only redraw. Where no
    widget frontend exists (nbconvert, GitHub's viewer) the output still
    shows the frame as a picture, as `plot_gates` draws it.

    Args:
        layer: a built SimpleRNN, GRU or LSTM layer, or a `keras.Model` and
            the layer's `layer_name` (see `gate_data`).
        x: the inputs (see `gate_data`).
        layer_name: the layer's name in the model, or None.
        sample, units, unit, step: the first frame (see `plot_gates`).
        initial_state: None, or the layer's initial states.
        mask: None, or a boolean (batch_size, timesteps) array; with a layer only.

    Returns:
        `GateExplorer`: displays itself; its `controls` ("sample", "units",
        "unit", "step") can be set from code.

    Example:
    >>> import keras
    >>> layer = keras.layers.SimpleRNN(3)
    >>> x = np.ones((2, 4, 1), "float32")
    >>> _ = layer(x)
    >>> explorer = gate_explorer(layer, x)
    >>> explorer.controls["step"].value = 3
    >>> explorer.frame.step, "step 3" in explorer.diagram.value
    (3, True)
    """
    return GateExplorer(gate_data(layer, x, layer_name, initial_state, mask), sample, units, unit, step)


class GateExplorer(WidgetView):
    """The widget of `gate_explorer`: sliders above the heatmaps, the cell's values below.

    Args:
        data: the `GateData` returned by `gate_data`.
        sample, units, unit, step: the first frame (see `plot_gates`).

    Attributes:
        data: the precomputed gates.
        frame: the drawn heatmaps, with the current `sample`, `units`, `unit`, `step`.
        diagram: the ipywidgets `HTML` with the values flowing through the unit at the step.
    """

    def __init__(self, data, sample=0, units=None, unit=None, step=0):
        import ipywidgets as widgets

        _check_data(data)
        self.data = data
        self.frame = _GateFrame(data, diagram=False).update(sample, units, unit, step)
        self.diagram = widgets.HTML()
        batch_size, timesteps, total = data.shape
        controls = {
            "sample": widgets.IntSlider(
                value=self.frame.sample, min=0, max=batch_size - 1, **control_options("sample")
            ),
            "units": widgets.IntRangeSlider(value=self.frame.units, min=0, max=total - 1, **control_options("units")),
            "unit": widgets.IntSlider(value=self.frame.unit, min=0, max=total - 1, **control_options("unit")),
            "step": widgets.IntSlider(value=self.frame.step, min=0, max=timesteps - 1, **control_options("step")),
        }
        super().__init__(self.frame.canvas, controls, self._update, below=[self.diagram], static=self._static_png)
        self._update(None)

    def _update(self, _name):
        values = {name: control.value for name, control in self.controls.items()}
        frame = self.frame.update(values["sample"], tuple(values["units"]), values["unit"], values["step"])
        self.diagram.value = _diagram_html(*_cell_values(self.data, frame.sample, frame.unit, frame.step))

    def _static_png(self):
        frame = _GateFrame(self.data, diagram=True).update(
            self.frame.sample, self.frame.units, self.frame.unit, self.frame.step
        )
        return frame.canvas.render("png")


class _GateFrame:
    """Heatmaps, markers and (if drawn) the diagram; every control only updates artists and blits them.

    The background (axes, colour bars, panel titles, x axes) is drawn once.
    The images, the masked-step shading, the y axes and the figure's title
    are drawn over it again only when the sample or the units range changes;
    the markers and the diagram's values every frame. No control redraws the
    whole figure.
    """

    def __init__(self, data, diagram, axes=None):
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        self.data = data
        self.sample = self.units = self.unit = self.step = self.canvas = None
        panels = data.panels
        rows = -(-len(panels) // 3)
        heights = [2.2] * rows + ([3.0] if diagram else [])
        if axes is None:
            self.figure = Figure(figsize=(10, sum(heights)), dpi=72, layout="constrained")
            grid = self.figure.add_gridspec(len(heights), 3, height_ratios=heights)
            self.axes = {name: self.figure.add_subplot(grid[i // 3, i % 3]) for i, name in enumerate(panels)}
            diagram_ax = self.figure.add_subplot(grid[rows, :]) if diagram else None
        else:
            self.figure = axes[0].figure
            self.axes = dict(zip(panels, axes))
            diagram_ax = axes[-1]
        self.images = {name: self._heatmap(ax, name) for name, ax in self.axes.items()}
        self.ticker = MaxNLocator(nbins=_MAX_TICKS - 1, integer=True)  # at most _MAX_TICKS ticks in a range
        first_column = [i % 3 == 0 for i in range(len(panels))]  # a row's panels share their units: label one
        self.unit_ticks = [self._unit_ticks(ax, labelled) for ax, labelled in zip(self.axes.values(), first_column)]
        masked = data.mask is not None
        self.shading = {name: self._shading(ax) for name, ax in self.axes.items()} if masked else {}
        self.step_lines = [ax.axvline(0, color="#ff7f0e", lw=1.8) for ax in self.axes.values()]
        self.unit_lines = [ax.axhline(0, color="black", lw=0.8, ls=":") for ax in self.axes.values()]
        self.title = self.figure.suptitle(
            f"{data.layer} ({data.kind}): each gate over the steps (x) and the units (y)"
            + (" · grey: masked steps" if data.mask is not None else ""),
            fontsize=11,
        )
        self.sample_text = self.figure.text(0.005, 0.995, " ", ha="left", va="top", fontsize=11, weight="bold")
        self.diagram = _Diagram(diagram_ax, data) if diagram else None
        if axes is None:
            spines = [spine for ax in self.axes.values() for spine in ax.spines.values()]  # drawn over the images
            ticks = [artist for artists in self.unit_ticks for artist in artists]
            samples = [*self.images.values(), *self.shading.values(), *spines, self.sample_text]
            layers = [ticks, samples]  # what the units range changes, then what the sample changes
            moving = [*self.step_lines, *self.unit_lines, *(self.diagram.texts if diagram else [])]
            self.canvas = BlitCanvas(self.figure, moving, layers=layers)
            self.figure.get_layout_engine().execute(self.figure)
            self.figure.set_layout_engine("none")  # a fixed layout keeps the cached background valid

    def update(self, sample, units, unit, step):
        """Bring the frame to the given sample, units range, unit and step; return self."""
        batch_size, timesteps, total = self.data.shape
        sample = check_int("sample", sample, 0, batch_size - 1)
        units = _check_units(units, total)
        unit = units[0] if unit is None else check_int("unit", unit, 0, total - 1)
        step = check_int("step", step, 0, timesteps - 1)
        if self.canvas is not None and units != self.units:
            self.canvas.invalidate_layer(0)  # the ticks and the title, then the heatmaps over them
        elif self.canvas is not None and sample != self.sample:
            self.canvas.invalidate_layer(1)  # the heatmaps only
        if units != self.units:
            self.sample, self.units = sample, units
            self._draw_units()
            self._draw_sample()
        elif sample != self.sample:
            self.sample = sample
            self._draw_sample()
        self.unit, self.step = unit, step
        for line in self.step_lines:
            line.set_xdata([step, step])
        for line in self.unit_lines:
            line.set_ydata([unit, unit])
        if self.diagram is not None:
            self.diagram.update(*_cell_values(self.data, sample, unit, step))
        return self

    def _heatmap(self, ax, name):
        values = self.data.values[name]
        low, high = float(np.min(values)), float(np.max(values))
        if low >= 0:
            limits, colours = (0.0, max(1.0, high)), "viridis"
        else:  # symmetric around 0; the 99th percentile keeps one large unit from washing out the others
            largest = max(1.0, float(np.percentile(np.abs(values), 99)))
            limits, colours = (-largest, largest), "RdBu_r"
        image = ax.imshow(
            values[0].T, aspect="auto", origin="lower", cmap=colours, clim=limits, interpolation="nearest"
        )
        self.figure.colorbar(image, ax=ax, pad=0.01, fraction=0.05)
        ax.set_title(TITLES[name], fontsize=10)
        ax.set_xlabel("step" + (" (reading backwards)" if self.data.timestep[0] > 0 else ""), fontsize=9)
        ax.set_ylabel("unit", fontsize=9)
        ax.grid(False)
        ax.set_xlim(-0.5, values.shape[1] - 0.5)  # fixed, so that a new units range rescales the y axis only
        return image

    def _unit_ticks(self, ax, labelled):
        """The y axis's ticks, drawn as one line of tick marks and a few texts: far cheaper to redraw than an Axis.

        Returns:
            [marks, *labels]: the artists `_draw_units` moves to the units range (no labels unless `labelled`).
        """
        ax.tick_params(axis="y", left=False, labelleft=False)
        if not labelled:
            ax.set_ylabel("")
        ax.yaxis.labelpad = 16  # room for the labels, which the layout does not know of
        on_y_axis = ax.get_yaxis_transform()  # x in axes coordinates, y in data coordinates
        marks = ax.plot([], [], linestyle="none", marker=0, color="black", transform=on_y_axis, clip_on=False)[0]
        labels = [
            ax.text(-0.015, 0, "", transform=on_y_axis, ha="right", va="center", fontsize=8, clip_on=False)
            for _ in range(_MAX_TICKS if labelled else 0)
        ]
        for artist in [marks, *labels]:
            artist.set_in_layout(False)  # the label pad above leaves their room
        return [marks, *labels]

    def _shading(self, ax):
        """A grey overlay over masked steps: one image whose alpha follows the sample's mask."""
        timesteps = self.data.shape[1]
        return ax.imshow(np.zeros((1, timesteps, 4)), aspect="auto", origin="lower", interpolation="nearest")

    def _draw_units(self):
        """The units range: the heatmaps' extent and the y axes' ticks."""
        first, last = self.units
        extent = (-0.5, self.data.shape[1] - 0.5, first - 0.5, last + 0.5)
        for name, image in [*self.images.items(), *self.shading.items()]:
            image.set_extent(extent)
            self.axes[name].set_ylim(first - 0.5, last + 0.5)
        ticks = [int(tick) for tick in self.ticker.tick_values(first, last) if first <= tick <= last]
        for marks, *labels in self.unit_ticks:
            marks.set_data(np.zeros(len(ticks)), ticks)
            for index, label in enumerate(labels):
                label.set_visible(index < len(ticks))
                if index < len(ticks):
                    label.set_y(ticks[index])
                    label.set_text(str(ticks[index]))

    def _draw_sample(self):
        """The sample: the heatmaps' values, the masked-step shading and the sample's label."""
        first, last = self.units
        for name, image in self.images.items():
            image.set_data(self.data.values[name][self.sample, :, first : last + 1].T)
        if self.shading:
            overlay = np.zeros((1, self.data.shape[1], 4))
            overlay[0, :, :3], overlay[0, :, 3] = 0.5, np.where(self.data.mask[self.sample], 0.0, 0.6)  # grey, masked
            for image in self.shading.values():
                image.set_data(overlay)
        self.sample_text.set_text(f"sample {self.sample}")


class _Diagram:
    """The values flowing through one unit at one step, written on the cell's data-flow drawing, and its equation."""

    def __init__(self, ax, data):
        from rnnedu.explain import draw_cell

        ax.set_axis_off()
        cell = ax.inset_axes([0.0, -0.02, 0.5, 1.04])
        self.names = [name for _, name in _NODES[data.kind]]
        draw_cell(data.kind, ax=cell, values=dict.fromkeys(self.names, 0.0))
        cell.set_title("")
        values = {text.get_gid(): text for text in cell.texts}
        self.values = [values[f"value:{name}"] for name in self.names]
        self.header = ax.text(0.5, 0.98, "", ha="left", va="top", fontsize=10, transform=ax.transAxes)
        self.equation = ax.text(
            0.5, 0.1, "", ha="left", va="bottom", fontsize=7, family="monospace", transform=ax.transAxes
        )
        self.texts = [*self.values, self.header, self.equation]

    def update(self, header, nodes, equation):
        for text, (label, value) in zip(self.values, nodes):  # a state is named, a gate's box names it already
            text.set_text(f"{label} = {value:+.3f}" if "(t" in label else f"{value:+.3f}")
        self.header.set_text(header)
        self.equation.set_text(equation)


def _cell_values(data, sample, unit, step):
    """What the diagram shows: a header, the (label, value) boxes in flow order, and the equation."""
    values = {name: float(array[sample, step, unit]) for name, array in data.values.items()}
    values["h_previous"] = float(data.h_previous[sample, step, unit])
    if data.c_previous is not None:
        values["c_previous"] = float(data.c_previous[sample, step, unit])
    nodes = [(label, values[name]) for label, name in _NODES[data.kind]]
    header = f"unit {unit}, step {step} (reads timestep {int(data.timestep[step])}):"
    if data.mask is not None and not data.mask[sample, step]:
        return header, nodes, "masked step: the state is carried over unchanged; the gates are not applied"
    return header, nodes, _EQUATIONS[data.kind](values, data.activation)


def _diagram_html(header, nodes, equation):
    """The cell's data flow in HTML, one row per path (the state line first), each node with its value."""
    box = (
        "display:inline-block;padding:4px 8px;margin:2px;border:1px solid #4a6fa5;border-radius:6px;background:#eef3fb"
    )
    values = dict(nodes)
    flow = next(rows for rows in _FLOWS if all(token in values for row in rows for token in row if token in _LABELS))

    def token(text):
        if text in values:
            return f'<span style="{box}"><b>{html.escape(text)}</b><br>{values[text]:+.3f}</span>'
        return f"<span style='margin:0 4px'>{html.escape(text)}</span>"

    rows = "".join(f"<div>{''.join(token(text) for text in row)}</div>" for row in flow)
    lines = "<br>".join(html.escape(line) for line in equation.split("\n"))
    return f"<div>{html.escape(header)}</div>{rows}<pre style='margin:4px 0'>{lines}</pre>"


_MAX_TICKS = 5  # labels on a heatmap's unit axis

_NODES = {
    "LSTM": [("c(t-1)", "c_previous"), ("f", "f"), ("i", "i"), ("g", "g"), ("c(t)", "c"), ("o", "o"), ("h(t)", "h")],
    "GRU": [("h(t-1)", "h_previous"), ("z", "z"), ("r", "r"), ("candidate", "candidate"), ("h(t)", "h")],
    "SimpleRNN": [("h(t-1)", "h_previous"), ("pre-activation", "pre_activation"), ("h(t)", "h")],
}
_LABELS = {label for nodes in _NODES.values() for label, _ in nodes}
# The same paths as rnnedu.explain.draw_cell: the state line, then what writes into it and what reads from it.
_FLOWS = [
    [["c(t-1)", "─ ×", "f", "─ + ─", "i", "×", "g", "─▶", "c(t)"], ["o", "× tanh(", "c(t)", ") ─▶", "h(t)"]],
    [
        ["h(t-1)", "─ ×", "z", "─ + ─ (1 − z) ×", "candidate", "─▶", "h(t)"],
        ["r", "× (h(t-1)·U + b) ─▶ into the", "candidate"],
    ],
    [["h(t-1)", "and x(t) ─▶", "pre-activation", "─ tanh ─▶", "h(t)"]],
]
_EQUATIONS = {
    "LSTM": lambda v, act: (
        f"c(t) = f·c(t-1) + i·g = {v['f']:.3f}·({v['c_previous']:+.3f}) + {v['i']:.3f}·({v['g']:+.3f})"
        f" = {v['c']:+.3f}\n"
        f"h(t) = o·{act}(c(t)) = {v['o']:.3f}·{act}({v['c']:+.3f}) = {v['h']:+.3f}"
    ),
    "GRU": lambda v, act: (
        f"h(t) = z·h(t-1) + (1 - z)·candidate = {v['z']:.3f}·({v['h_previous']:+.3f}) "
        f"+ {1 - v['z']:.3f}·({v['candidate']:+.3f}) = {v['h']:+.3f}\n"
        f"candidate = {act}(x·W + r·(h(t-1)·U) + b): r = {v['r']:.3f} lets that much of h(t-1) in"
    ),
    "SimpleRNN": lambda v, act: f"h(t) = {act}(x·W + h(t-1)·U + b) = {act}({v['pre_activation']:+.3f}) = {v['h']:+.3f}",
}


def _layer_inputs(model, x, layer_name):
    import keras

    recurrent = [layer for layer in model.layers if type(getattr(layer, "cell", None)).__name__ in KINDS]
    if layer_name is None:
        if len(recurrent) != 1:
            names = ", ".join(layer.name for layer in recurrent) or "none"
            raise ValueError(f"`layer_name` is needed: the model has {len(recurrent)} recurrent layers ({names}).")
        target = recurrent[0]
    else:
        names = [layer.name for layer in model.layers]
        if layer_name not in names:
            raise ValueError(
                f"`layer_name` {layer_name!r} is not a layer of the model; its layers: {', '.join(names)}."
            )
        target = model.get_layer(layer_name)
    model_inputs = check_model_inputs("layer", model)
    tensors = target.input if isinstance(target.input, list) else [target.input]
    if len(tensors) > 2 or (len(tensors) == 2 and tensors[1].dtype != "bool"):
        raise ValueError(
            f"`layer_name` {target.name!r} takes its initial state from other layers; "
            "call gate_explorer(layer, layer_inputs, initial_state=...) on the layer itself."
        )
    inputs = model_inputs[0] if len(model_inputs) == 1 else model_inputs
    layer_input = keras.Model(inputs, tensors[0])(x)
    return target, keras.ops.convert_to_numpy(layer_input), reference.keras_mask(layer_input)


def _previous(sequence, initial_state, index):
    start = np.zeros_like(sequence[:, :1]) if initial_state is None else np.asarray(initial_state[index])[:, None]
    return np.concatenate([start.astype(sequence.dtype), sequence[:, :-1]], axis=1)


def _check_data(data):
    if not isinstance(data, GateData):
        raise TypeError(f"`data` must be the GateData returned by gate_data(), got {describe(data)}.")


def _check_units(units, total):
    if units is None:
        return 0, min(total, MAX_UNITS_SHOWN) - 1
    if (
        not isinstance(units, (tuple, list))
        or len(units) != 2
        or any(isinstance(u, bool) or not isinstance(u, (int, np.integer)) for u in units)
        or not 0 <= units[0] <= units[1] < total
    ):
        raise ValueError(f"`units` must be (first, last) with 0 <= first <= last < {total}, got {describe(units)}.")
    return int(units[0]), int(units[1])
