"""The gradient view: backpropagation through time as a product of step Jacobians.

Backpropagation through time (BPTT) sends the gradient from the last step back
to step t through every step in between: ∂h_T/∂h_t = J_T · J_(T-1) · … · J_(t+1),
where J_k = ∂h_k/∂h_(k-1) is the Jacobian of step k (for an LSTM the state is
(h, c), so J_k is the Jacobian of (h_k, c_k) with respect to (h_(k-1), c_(k-1))).
A product of many matrices whose norms sit below 1 vanishes; above 1 it may
explode. Three layers, each usable on its own:

* `step_jacobians` computes every J_k exactly, in NumPy, from the gates that
  `rnnedu.reference.trace` records (no autodiff; the tests compare it with
  TensorFlow's);
* `gradient_data` does so for a grid of scales applied to the recurrent
  weights and keeps, per scale, sample and step, the norm of ∂h_T/∂h_t and the
  largest singular value of J_t (a `GradientData`);
* `plot_gradients` draws one frame; `gradient_view` wires sliders for the
  sample and the scale (and a drop-down for the layer of a model) to it.
  Moving a control only redraws.
"""

import dataclasses

import numpy as np

from rnnedu import reference
from rnnedu._validate import check_built, check_int, check_mask, check_number, check_sequences, describe
from rnnedu.viz._view import BlitCanvas, WidgetView, control_options

__all__ = ["GradientData", "GradientView", "gradient_data", "gradient_view", "plot_gradients", "step_jacobians"]

KINDS = {"SimpleRNNCell": "SimpleRNN", "GRUCell": "GRU", "LSTMCell": "LSTM"}
SCALES = tuple(float(s) for s in 2.0 ** np.linspace(-2, 2, 25))  # 0.25 to 4, 1.0 exactly in the middle
MAX_SAMPLES = 64
MAX_TIMESTEPS = 1000
MAX_UNITS = 256
MAX_SCALES = 64
FLOOR, CEILING = 1e-30, 1e30  # the plotted range of norms; beyond it a norm is drawn at the edge

# The derivative of each activation in `reference.ACTIVATIONS`, written in terms of its output y = f(z).
_DERIVATIVES = {
    "tanh": lambda y: 1.0 - y * y,
    "sigmoid": lambda y: y * (1.0 - y),
    "hard_sigmoid": lambda y: ((y > 0.0) & (y < 1.0)) / 6.0,
    "relu": lambda y: (y > 0.0).astype(y.dtype),
    "linear": np.ones_like,
    "softsign": lambda y: (1.0 - np.abs(y)) ** 2,
    "softplus": lambda y: -np.expm1(-y),  # sigmoid(z) = 1 - exp(-softplus(z))
}


@dataclasses.dataclass(frozen=True)
class GradientData:
    """How the gradient flows back through one recurrent layer, for a grid of recurrent-weight scales.

    Notation: h_0 is the initial state; step t (t = 1 .. T) computes h_t from
    h_(t-1) and the input it reads; the state s is h (SimpleRNN, GRU) or
    (h, c) (LSTM); J_t = ∂s_t/∂s_(t-1). Steps are in the order the layer
    reads them (reversed with go_backwards=True).

    Attributes:
        layer: the layer's name.
        kind: "SimpleRNN", "GRU" or "LSTM".
        activation: the name of the layer's activation.
        state: "h" or "(h, c)", what s is.
        scales: float array (n_scales,), the factors the recurrent kernel
            was multiplied by; 1.0 is the layer as it is.
        sensitivity: float array (n_scales, batch_size, T + 1): the spectral
            norm of ∂h_T/∂s_t for t = 0 .. T (1 at t = T): how strongly the
            last output depends on the state at step t.
        step_norm: float array (n_scales, batch_size, T): the largest
            singular value of J_t for t = 1 .. T.
        spectral_radius: float array (n_scales,): the largest |eigenvalue|
            of the scaled recurrent kernel, for SimpleRNN; None for the gated
            layers (their kernel is not one square matrix).
        mask: bool array (batch_size, T) in step order, or None; a masked
            step carries the state over, so its J_t is the identity.
    """

    layer: str
    kind: str
    activation: str
    state: str
    scales: np.ndarray
    sensitivity: np.ndarray
    step_norm: np.ndarray
    spectral_radius: np.ndarray | None
    mask: np.ndarray | None


def step_jacobians(layer, x, mask=None, scale=1.0):
    """Compute the Jacobian of every step of a SimpleRNN, GRU or LSTM exactly, in NumPy.

    Args:
        layer: a built `keras.layers.SimpleRNN`, `GRU` or `LSTM` (or their cell).
        x: array of shape (batch_size, timesteps, features).
        mask: None, or a boolean array (batch_size, timesteps), True where a
            timestep is real; a masked step's Jacobian is the identity.
        scale: number > 0 that multiplies the recurrent kernel first (the
            layer itself is left unchanged); 1.0 is the layer as it is.

    Returns:
        float64 array of shape (batch_size, timesteps, n, n): entry [b, t - 1]
        is J_t = ∂s_t/∂s_(t-1) of step t for sample b, row i and column j
        being ∂s_t[i]/∂s_(t-1)[j]. The state s is h (n = units) for SimpleRNN
        and GRU, and h then c (n = 2 · units) for LSTM. Steps are in the
        order the layer reads them. ∂h_T/∂h_0 is the product J_T ⋯ J_1.

    Example:
    >>> import keras
    >>> layer = keras.layers.SimpleRNN(3, activation="linear", use_bias=False,
    ...     recurrent_initializer=keras.initializers.Identity(0.5))
    >>> x = np.zeros((1, 4, 2), "float32")
    >>> _ = layer(x)
    >>> jacobians = step_jacobians(layer, x)
    >>> jacobians.shape, float(jacobians[0, 0, 1, 1])
    ((1, 4, 3, 3), 0.5)
    """
    cell, backwards = _cell(layer)
    x, mask = _checked_inputs(cell, x, mask, backwards)
    scale = check_number("scale", scale, min_value=1e-6, max_value=1e6)
    return next(_jacobians_per_scale(cell, x, mask, [scale]))[1]


def gradient_data(layer_or_model, x, layer_name=None, mask=None, scales=SCALES):
    """Measure how the gradient from the last step reaches each earlier step, for a grid of weight scales.

    Args:
        layer_or_model: a built `keras.layers.SimpleRNN`, `GRU` or `LSTM`; or
            a `keras.Model` holding one, named by `layer_name` (which may be
            left out when the model has only one).
        x: for a layer, an array (batch_size, timesteps, features); for a
            model, what the model takes. The layer's own inputs, and its mask
            if an earlier layer makes one, are read from the model.
            At most 64 samples, 1,000 timesteps and 256 units.
        layer_name: str, the layer's name in the model; only with a model.
        mask: None, or a boolean (batch_size, timesteps) array; only with a layer.
        scales: the factors to multiply the recurrent kernel by, each > 0,
            at most 64 of them; the default runs from 0.25 to 4 (1.0 included).

    Returns:
        `GradientData`.

    Example:
    >>> import keras
    >>> layer = keras.layers.SimpleRNN(4)
    >>> x = np.random.default_rng(0).normal(size=(2, 10, 3)).astype("float32")
    >>> _ = layer(x)
    >>> data = gradient_data(layer, x, scales=[0.5, 1.0, 2.0])
    >>> data.sensitivity.shape, float(data.sensitivity[0, 0, -1])
    ((3, 2, 11), 1.0)
    >>> bool(data.sensitivity[0, 0, 0] < data.sensitivity[0, 0, 5])  # scale 0.5: far steps reach less
    True
    """
    import keras

    if isinstance(layer_or_model, keras.Model):
        if mask is not None:
            raise ValueError("`mask` is only for a layer; a model supplies its own mask.")
        layer, x, mask = _layer_inputs(layer_or_model, x, layer_name)
    elif layer_name is not None:
        raise ValueError(f"`layer_name` is only for a keras.Model; `layer_or_model` is {describe(layer_or_model)}.")
    else:
        layer = layer_or_model
    cell, backwards = _cell(layer)
    x, mask = _checked_inputs(cell, x, mask, backwards)
    scales = _check_scales(scales)
    kind = KINDS[type(cell).__name__]
    sensitivity, step_norm = [], []
    for _, jacobians in _jacobians_per_scale(cell, x, mask, scales):
        sensitivity.append(_sensitivity(jacobians, cell.units))
        step_norm.append(_spectral_norm(jacobians))
    radius = None
    if kind == "SimpleRNN":
        largest = np.max(np.abs(np.linalg.eigvals(np.asarray(cell.recurrent_kernel, dtype=np.float64))))
        radius = _frozen(largest * np.asarray(scales))
    return GradientData(
        layer=layer.name,
        kind=kind,
        activation=_activation_name(cell.activation),
        state="(h, c)" if kind == "LSTM" else "h",
        scales=_frozen(np.asarray(scales, dtype=np.float64)),
        sensitivity=_frozen(np.stack(sensitivity)),
        step_norm=_frozen(np.stack(step_norm)),
        spectral_radius=radius,
        mask=None if mask is None else _frozen(mask),
    )


def plot_gradients(data, sample=0, scale=1.0, ax=None):
    """Draw how the gradient reaches back through time for one sample and one scale.

    Args:
        data: a `GradientData` from `gradient_data`.
        sample: which sequence of the batch to show.
        scale: one of `data.scales`, the factor on the recurrent kernel.
        ax: None (draw into a new Figure), or a sequence of two matplotlib
            Axes: the first gets ‖∂h_T/∂h_t‖ against t, the second the
            largest singular value of each step Jacobian.

    Returns:
        `matplotlib.figure.Figure`, both panels with a log-scale y axis.

    Example:
    >>> import keras
    >>> layer = keras.layers.GRU(3)
    >>> x = np.ones((1, 6, 2), "float32")
    >>> _ = layer(x)
    >>> figure = plot_gradients(gradient_data(layer, x, scales=[1.0]))
    >>> [ax.get_yscale() for ax in figure.axes]
    ['log', 'log']
    """
    return (
        _GradientFrame({data.layer: data} if isinstance(data, GradientData) else data, ax)
        .update(None, sample, scale)
        .figure
    )


def gradient_view(layer_or_model, x, layer_name=None, sample=0, scale=1.0, mask=None, scales=SCALES):
    """Watch gradients vanish and explode through time as the recurrent weights are scaled.

    Every frame is computed once, up front (`gradient_data` for each scale,
    and each recurrent layer of a model); the controls only redraw. Where no
    widget frontend runs, the output still shows the frame as a picture.

    Args:
        layer_or_model: a built SimpleRNN, GRU or LSTM layer, or a `keras.Model`;
            a model with several recurrent layers gets a "layer" drop-down.
        x: the inputs (see `gradient_data`).
        layer_name: the layer shown first (a model's first recurrent layer if None).
        sample: the sample shown first.
        scale: the scale shown first, one of `scales`.
        mask: None, or a boolean (batch_size, timesteps) array; with a layer only.
        scales: the scales the "scale" slider offers (see `gradient_data`).

    Returns:
        `GradientView`: displays itself; its `controls` ("sample", "scale"
        and, for a model with several recurrent layers, "layer") can be set
        from code.

    Example:
    >>> import keras
    >>> layer = keras.layers.LSTM(3)
    >>> x = np.ones((2, 5, 1), "float32")
    >>> _ = layer(x)
    >>> view = gradient_view(layer, x, scales=[0.5, 1.0, 2.0])
    >>> view.controls["scale"].value = 2
    >>> view.frame.scale
    2.0
    """
    import keras

    if isinstance(layer_or_model, keras.Model):
        names = [layer_name] if layer_name is not None else []
        names += [layer.name for layer in _recurrent_layers(layer_or_model) if layer.name != layer_name]
        datas = {name: gradient_data(layer_or_model, x, name, scales=scales) for name in names}
    else:
        data = gradient_data(layer_or_model, x, layer_name, mask, scales)
        datas = {data.layer: data}
    return GradientView(datas, sample, scale)


class GradientView(WidgetView):
    """The widget of `gradient_view`: sliders for the sample and the scale, a drop-down for the layer.

    Args:
        datas: dict of `GradientData` by layer name, the first shown first.
        sample: the sample shown first.
        scale: the scale shown first.

    Attributes:
        datas: the precomputed `GradientData` of each layer.
        frame: the drawn frame, with its current `layer`, `sample` and `scale`.
    """

    def __init__(self, datas, sample=0, scale=1.0):
        import ipywidgets as widgets

        if not isinstance(datas, dict) or not datas or not all(isinstance(d, GradientData) for d in datas.values()):
            raise TypeError(f"`datas` must be a dict of layer name -> GradientData, got {describe(datas)}.")
        self.datas = dict(datas)
        self.frame = _GradientFrame(self.datas, None).update(None, sample, scale)
        first = self.datas[self.frame.layer]
        controls = {}
        if len(self.datas) > 1:
            controls["layer"] = widgets.Dropdown(
                options=list(self.datas), value=self.frame.layer, **control_options("layer", slider=False)
            )
        batch_size = first.sensitivity.shape[1]
        controls["sample"] = widgets.IntSlider(
            value=self.frame.sample, min=0, max=batch_size - 1, **control_options("sample")
        )
        options = [(f"{s:.3g}", i) for i, s in enumerate(first.scales)]
        controls["scale"] = widgets.SelectionSlider(
            options=options, value=self.frame.scale_index, **control_options("scale")
        )
        super().__init__(self.frame.canvas, controls, self.update)

    def update(self, _name=None):
        """Bring the frame up to date with the controls; return the frame."""
        layer = self.controls["layer"].value if "layer" in self.controls else self.frame.layer
        data = self.datas[layer]
        return self.frame.update(layer, self.controls["sample"].value, float(data.scales[self.controls["scale"].value]))


class _GradientFrame:
    """Two log-scale panels whose lines (and the title) are the only artists that move."""

    def __init__(self, datas, ax):
        if not isinstance(datas, dict) or not datas or not all(isinstance(d, GradientData) for d in datas.values()):
            raise TypeError(f"`data` must be a GradientData returned by gradient_data(), got {describe(datas)}.")
        self.datas = datas
        self.layer = next(iter(datas))
        self.sample = self.scale = self.scale_index = None
        if ax is None:
            from matplotlib.figure import Figure

            self.figure = Figure(figsize=(10, 3.9), dpi=72, layout="constrained")
            self.axes = self.figure.subplots(1, 2)
        else:
            self.axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
            if len(self.axes) != 2:
                raise ValueError(f"`ax` must be a sequence of two matplotlib Axes, got {describe(ax)}.")
            self.figure = self.axes[0].figure
        timesteps = max(d.step_norm.shape[-1] for d in datas.values())
        sensitivity_axes, step_axes = self.axes
        self.sensitivity_line = sensitivity_axes.plot([], [], color="C3", marker=".", lw=1.5)[0]
        self.step_line = step_axes.plot([], [], color="C0", marker=".", lw=1.5)[0]
        step_axes.axhline(1.0, color="black", lw=0.8, ls="--")
        low, high = _limits([d.sensitivity for d in datas.values()] + [d.step_norm for d in datas.values()])
        for axes in self.axes:
            axes.set_yscale("log")
            axes.set_ylim(low, high)
            axes.set_xlim(-0.5, timesteps + 0.5)
            axes.set_xlabel("step t")
        sensitivity_axes.set_ylabel("‖∂h_T/∂s_t‖ (log scale)")
        sensitivity_axes.set_title("how much h_T depends on the state s_t (h, or (h, c) for an LSTM)", fontsize=10)
        step_axes.set_ylabel("largest singular value of J_t (log)")
        step_axes.set_title("each step's Jacobian J_t = ∂s_t/∂s_(t-1); above 1 it can grow", fontsize=10)
        self.reach = sensitivity_axes.text(0.02, 0.04, "", transform=sensitivity_axes.transAxes, fontsize=9)
        self.title = self.figure.suptitle(" ", fontsize=11)
        moving = [self.sensitivity_line, self.step_line, self.reach, self.title]
        self.canvas = BlitCanvas(self.figure, moving) if ax is None else None
        if ax is None:
            self.figure.get_layout_engine().execute(self.figure)
            self.figure.set_layout_engine("none")  # a fixed layout keeps the cached background valid

    def update(self, layer, sample, scale):
        """Draw `layer` (None: the current one) for `sample` at `scale`; return self."""
        layer = self.layer if layer is None else layer
        if layer not in self.datas:
            raise ValueError(f"`layer` must be one of {', '.join(map(repr, self.datas))}; got {describe(layer)}.")
        data = self.datas[layer]
        sample = check_int("sample", sample, 0, data.sensitivity.shape[1] - 1)
        scale = check_number("scale", scale)
        matches = np.flatnonzero(np.isclose(data.scales, scale, rtol=1e-6))
        if not len(matches):
            raise ValueError(
                f"`scale` must be one of the scales computed ({data.scales.min():.3g} to {data.scales.max():.3g}, "
                f"{len(data.scales)} values: {', '.join(f'{s:.3g}' for s in data.scales[:6])}"
                f"{', ...' if len(data.scales) > 6 else ''}); got {scale}."
            )
        index = int(matches[0])
        self.layer, self.sample, self.scale, self.scale_index = layer, sample, float(data.scales[index]), index
        sensitivity = np.clip(data.sensitivity[index, sample], FLOOR, CEILING)
        steps = np.clip(data.step_norm[index, sample], FLOOR, CEILING)
        self.sensitivity_line.set_data(np.arange(len(sensitivity)), sensitivity)
        self.step_line.set_data(np.arange(1, len(steps) + 1), steps)
        self.reach.set_text(f"at t = 0: {data.sensitivity[index, sample, 0]:.1e}")
        self.title.set_text(_title(data, sample, index))
        return self


def _title(data, sample, index):
    title = f"{data.layer} ({data.kind}), sample {sample}: recurrent kernel × {data.scales[index]:.3g}"
    if data.spectral_radius is not None:
        title += f", spectral radius {data.spectral_radius[index]:.2f}"
    if data.mask is not None and not data.mask[sample].all():
        title += f", {int((~data.mask[sample]).sum())} masked steps"
    return title


def _limits(arrays):
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if not len(values):
        return 0.1, 10.0
    low, high = np.clip([values.min(), values.max()], FLOOR, CEILING)
    return min(low, 1.0) / 3.0, max(high, 1.0) * 3.0


def _jacobians_per_scale(cell, x, mask, scales):
    """Yield (scale, Jacobians of every step) for each scale, running a copy of the cell with scaled weights."""
    kind = KINDS[type(cell).__name__]
    # The weights are copied over next, so the initializers do not matter (and Keras 3.3 cannot rebuild some,
    # e.g. IdentityInitializer, from their config).
    initializers = ("kernel_initializer", "recurrent_initializer", "bias_initializer")
    twin = type(cell).from_config(cell.get_config() | dict.fromkeys(initializers, "zeros"))
    twin.build((None, x.shape[-1]))
    twin.set_weights(cell.get_weights())
    recurrent_kernel = np.asarray(cell.recurrent_kernel)
    recurrent_bias = _recurrent_bias(cell)
    name = _activation_name(cell.activation)
    recurrent_name = _activation_name(getattr(cell, "recurrent_activation", None))
    for scale in scales:
        kernel = recurrent_kernel * np.float32(scale)
        twin.recurrent_kernel.assign(kernel)
        result = reference.trace(twin, x, mask=mask)
        gates = {key: np.asarray(value, dtype=np.float64) for key, value in result.items() if key != "states"}
        gates["h_previous"] = _previous(gates["h"])
        if kind == "LSTM":
            gates["c_previous"] = _previous(gates["c"])
        arguments = (gates, kernel.astype(np.float64), name, recurrent_name)
        if kind == "GRU":
            jacobians = _gru_jacobians(*arguments, recurrent_bias, cell.reset_after)
        else:
            jacobians = _JACOBIANS[kind](*arguments)
        if mask is not None:
            identity = np.eye(jacobians.shape[-1])
            jacobians = np.where(mask[:, :, None, None], jacobians, identity)
        yield scale, jacobians


def _simple_rnn_jacobians(gates, kernel, name, _):
    return _DERIVATIVES[name](gates["h"])[..., None] * kernel.T


def _lstm_jacobians(gates, kernel, name, recurrent_name):
    act, d_act, d_rec = reference.ACTIVATIONS[name], _DERIVATIVES[name], _DERIVATIVES[recurrent_name]
    i, f, g, o, c = (gates[key] for key in ("i", "f", "g", "o", "c"))
    u_i, u_f, u_g, u_o = (block.T for block in np.split(kernel, 4, axis=1))
    dc_dh = (
        (gates["c_previous"] * d_rec(f))[..., None] * u_f
        + (g * d_rec(i))[..., None] * u_i
        + (i * d_act(g))[..., None] * u_g
    )
    squashed = act(c)
    through_c = o * d_act(squashed)
    dh_dh = (squashed * d_rec(o))[..., None] * u_o + through_c[..., None] * dc_dh
    top = np.concatenate([dh_dh, _diagonal(through_c * f)], axis=-1)
    bottom = np.concatenate([dc_dh, _diagonal(f)], axis=-1)
    return np.concatenate([top, bottom], axis=-2)


def _gru_jacobians(gates, kernel, name, recurrent_name, recurrent_bias, reset_after):
    d_act, d_rec = _DERIVATIVES[name], _DERIVATIVES[recurrent_name]
    z, r, candidate, h = gates["z"], gates["r"], gates["candidate"], gates["h_previous"]
    u_z, u_r, u_h = np.split(kernel, 3, axis=1)
    dz_dh = d_rec(z)[..., None] * u_z.T
    dr_dh = d_rec(r)[..., None] * u_r.T
    if reset_after:  # candidate = act(x·W_h + r * (h·U_h + b_h))
        inner = r[..., None] * u_h.T + (h @ u_h + np.split(recurrent_bias, 3)[2])[..., None] * dr_dh
    else:  # candidate = act(x·W_h + (r * h)·U_h)
        inner = u_h.T @ (_diagonal(r) + h[..., None] * dr_dh)
    d_candidate = d_act(candidate)[..., None] * inner
    return _diagonal(z) + (h - candidate)[..., None] * dz_dh + (1.0 - z)[..., None] * d_candidate


_JACOBIANS = {"SimpleRNN": _simple_rnn_jacobians, "LSTM": _lstm_jacobians}


def _sensitivity(jacobians, units):
    """‖∂h_T/∂s_t‖ for t = 0 .. T, multiplying the Jacobians from the last step back.

    Each partial product is rescaled to norm 1 as it goes and its scale kept as a
    logarithm, so no product overflows or underflows; the spectral norms are
    taken at the end, all at once.
    """
    batch_size, timesteps, n, _ = jacobians.shape
    gradient = np.broadcast_to(np.eye(units, n), (batch_size, units, n)).copy()  # ∂h_T/∂s_T: picks h
    products = np.empty((batch_size, timesteps + 1, units, n))
    log_scale = np.zeros((batch_size, timesteps + 1))
    products[:, timesteps] = gradient
    for t in range(timesteps - 1, -1, -1):
        gradient = gradient @ jacobians[:, t]
        size = np.sqrt(np.einsum("bij,bij->b", gradient, gradient))  # Frobenius norm, cheap
        with np.errstate(divide="ignore"):
            log_scale[:, t] = log_scale[:, t + 1] + np.log(size)
        gradient = gradient / np.where(size > 0, size, 1.0)[:, None, None]
        products[:, t] = gradient
    with np.errstate(over="ignore"):
        return np.exp(log_scale) * _spectral_norm(products)


def _spectral_norm(matrices):
    """The largest singular value of each matrix in a stack: the square root of the top eigenvalue of M·Mᵀ."""
    if matrices.shape[-2] > matrices.shape[-1]:
        matrices = np.swapaxes(matrices, -1, -2)
    gram = matrices @ np.swapaxes(matrices, -1, -2)
    return np.sqrt(np.maximum(np.linalg.eigvalsh(gram)[..., -1], 0.0))


def _diagonal(values):
    return values[..., None] * np.eye(values.shape[-1])


def _previous(sequence):
    """The state each step reads: zeros (the initial state), then the states the steps computed."""
    return np.concatenate([np.zeros_like(sequence[:, :1]), sequence[:, :-1]], axis=1)


def _recurrent_bias(cell):
    if type(cell).__name__ == "GRUCell" and cell.use_bias and cell.reset_after:
        return np.asarray(cell.bias, dtype=np.float64)[1]
    return np.zeros(np.asarray(cell.recurrent_kernel).shape[1])


def _activation_name(function):
    name = reference.activation_name(function)
    if name is not None and name not in _DERIVATIVES:
        raise ValueError(f"the activation {name!r} has no derivative here; known: {', '.join(_DERIVATIVES)}.")
    return name


def _cell(layer):
    """(cell, go_backwards) of a built SimpleRNN, GRU or LSTM layer or cell."""
    import keras

    if isinstance(layer, keras.layers.RNN) and type(layer.cell).__name__ in KINDS:
        check_built("layer", layer)
        return layer.cell, bool(layer.go_backwards)
    if type(layer).__name__ in KINDS:
        check_built("layer", layer)
        return layer, False
    raise TypeError(
        f"`layer` must be a keras.layers.SimpleRNN, GRU or LSTM layer or one of their cells, got {describe(layer)}."
    )


def _checked_inputs(cell, x, mask, backwards):
    """x and mask checked and bounded, in the order the layer reads them."""
    if cell.units > MAX_UNITS:
        raise ValueError(f"`layer` has {cell.units} units; the gradient view handles at most {MAX_UNITS}.")
    x = check_sequences("x", x, cell.kernel.shape[0])
    if not np.isfinite(x).all():
        raise ValueError("`x` must hold only finite numbers; it has NaN or infinite values.")
    batch_size, timesteps, _ = x.shape
    check_int("batch_size (the first axis of `x`)", batch_size, 1, MAX_SAMPLES)
    check_int("timesteps (the second axis of `x`)", timesteps, 1, MAX_TIMESTEPS)
    mask = check_mask("mask", mask, shape=(batch_size, timesteps))
    if backwards:
        x, mask = x[:, ::-1], None if mask is None else mask[:, ::-1]
    return x, mask


def _check_scales(scales):
    if isinstance(scales, (str, bytes)) or not hasattr(scales, "__iter__"):
        raise TypeError(f"`scales` must be a sequence of numbers > 0, got {describe(scales)}.")
    scales = [check_number(f"scales[{i}]", s, min_value=1e-6, max_value=1e6) for i, s in enumerate(scales)]
    if not 1 <= len(scales) <= MAX_SCALES:
        raise ValueError(f"`scales` must hold 1 to {MAX_SCALES} numbers, got {len(scales)}.")
    return scales


def _recurrent_layers(model):
    return [layer for layer in model.layers if type(getattr(layer, "cell", None)).__name__ in KINDS]


def _layer_inputs(model, x, layer_name):
    """(layer, its inputs, its mask) for the named recurrent layer of a model, run on `x`."""
    import keras

    recurrent = _recurrent_layers(model)
    if layer_name is None:
        if len(recurrent) != 1:
            names = ", ".join(layer.name for layer in recurrent) or "none"
            raise ValueError(f"`layer_name` is needed: the model has {len(recurrent)} recurrent layers ({names}).")
        target = recurrent[0]
    elif layer_name not in [layer.name for layer in recurrent]:
        names = ", ".join(layer.name for layer in recurrent) or "none"
        raise ValueError(f"`layer_name` {layer_name!r} is not a recurrent layer of the model; those are: {names}.")
    else:
        target = model.get_layer(layer_name)
    if not model.inputs:
        raise ValueError("`layer_or_model` is a model without defined inputs: start it with keras.Input(...).")
    x = np.asarray(x)
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise ValueError("`x` must hold only finite numbers; it has NaN or infinite values.")
    tensors = target.input if isinstance(target.input, list) else [target.input]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    layer_input = keras.Model(inputs, tensors[0])(x)
    mask = getattr(layer_input, "_keras_mask", None)  # set by Keras on eager outputs of a masking layer
    return target, keras.ops.convert_to_numpy(layer_input), None if mask is None else keras.ops.convert_to_numpy(mask)


def _frozen(array):
    array = np.array(array)
    array.flags.writeable = False
    return array
