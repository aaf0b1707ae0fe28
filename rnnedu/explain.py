"""Explain where a layer's parameter count and output shapes come from.

`explain_params` lists every weight with its shape, its count and the formula
behind it in the layer's own terms; `explain_shapes` names every axis of every
output; `draw_unrolled` draws a recurrent layer unrolled in time;
`draw_encoder_decoder`, `draw_nested_states` and `draw_mask_flow` draw the pictures of notebooks 03,
08 and 10; `explain_fast_path` says whether an LSTM or GRU runs on the fused cuDNN kernel
(it is defined in `rnnedu.cudnn`, beside the rules it reads, and listed here
with the other explainers).
"""

import math

import pandas as pd

from rnnedu._validate import check_built, check_choice, check_int, check_model_inputs, describe
from rnnedu.cudnn import explain_fast_path
from rnnedu.reference import KERNEL_BLOCKS

__all__ = [
    "CELL_KINDS",
    "draw_cell",
    "draw_encoder_decoder",
    "draw_mask_flow",
    "draw_nested_states",
    "draw_unrolled",
    "explain_fast_path",
    "explain_params",
    "explain_shapes",
    "layer_totals",
]

COLUMNS = ["layer", "weight", "shape", "count", "formula", "arithmetic"]
STEP, ROW = 3.0, 3.2  # drawing: distance between timesteps and between layers
GATES = {
    **{kind: (f"{len(names)} gates ({', '.join(names)})", len(names)) for kind, names in KERNEL_BLOCKS.items()},
    "SimpleRNNCell": (None, 1),
}


def explain_params(layer_or_model, input_shape=None):
    """Tabulate every weight of a layer or model, with the formula for its size.

    Args:
        layer_or_model: a `keras.layers.Layer` or `keras.Model`.
        input_shape: tuple, only for a layer or model that is not built yet:
            the shape to build it with, batch axis included, e.g.
            `(None, timesteps, features)`.

    Returns:
        pandas.DataFrame with one row per weight (columns layer, weight,
        shape, count, formula, arithmetic) and a last row "total", whose
        count equals `layer_or_model.count_params()`. Jupyter shows it as an
        HTML table; `print(table.to_string(index=False))` in a terminal.

    Example:
    >>> import keras
    >>> table = explain_params(keras.layers.LSTM(128), input_shape=(None, 5, 64))
    >>> table.loc[0, "weight"], table.loc[0, "arithmetic"]
    ('kernel', '4 × 64 × 128 = 32,768')
    >>> int(table["count"].iloc[-1])
    98816
    """
    layer = _built_layer(layer_or_model, input_shape)
    rows, explained = [], set()
    for sublayer in _top_layers(layer):
        rows.extend(_rows(sublayer, sublayer.name, explained))
    for variable in layer.weights:  # anything the walk did not reach still gets its row
        if id(variable) not in explained:
            rows.append(_row(layer.name, variable, None))
    total = sum(row["count"] for row in rows)
    rows.append(dict.fromkeys(COLUMNS, "") | {"layer": "total", "count": total, "formula": "sum of the rows above"})
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs["count_params"] = layer.count_params()
    return table


def layer_totals(table):
    """Sum an `explain_params` table per top-level layer.

    Args:
        table: a DataFrame returned by `explain_params`.

    Returns:
        pandas.Series of parameter counts indexed by layer name, in model
        order; a Bidirectional layer's two directions count as one layer.

    Example:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((5, 10)), keras.layers.Bidirectional(keras.layers.LSTM(64))])
    >>> layer_totals(explain_params(model)).tolist()
    [38400]
    """
    if not isinstance(table, pd.DataFrame) or list(table.columns) != COLUMNS:
        raise TypeError(f"`table` must be a table returned by explain_params, got {describe(table)}.")
    rows = table[table["layer"] != "total"]
    return rows.groupby(rows["layer"].str.split(" › ").str[0], sort=False)["count"].sum()


def _built_layer(layer_or_model, input_shape):
    import keras

    if not isinstance(layer_or_model, keras.layers.Layer):
        raise TypeError(f"`layer_or_model` must be a Keras layer or model, got {describe(layer_or_model)}.")
    if layer_or_model.built:
        _check_has_weights(layer_or_model)
        if input_shape is not None:
            raise ValueError(
                f"`input_shape` is only for unbuilt layers; {layer_or_model.name} is already built. Leave it out."
            )
        return layer_or_model
    if input_shape is None:
        raise ValueError(
            f"`layer_or_model` {layer_or_model.name} is not built yet, so its weights do not exist. Pass "
            "input_shape=(batch_size, timesteps, features), e.g. input_shape=(None, 10, 8), or call it on data first."
        )
    if not isinstance(input_shape, tuple) or not all(d is None or isinstance(d, int) for d in input_shape):
        raise TypeError(f"`input_shape` must be a tuple of ints or None, got {describe(input_shape)}.")
    layer_or_model.build(input_shape)
    _check_has_weights(layer_or_model)
    return layer_or_model


def _check_has_weights(layer):
    if not layer.weights:
        raise ValueError(
            f"`layer_or_model` {layer.name} ({type(layer).__name__}) has no weights, so there is nothing to "
            "explain: it has 0 parameters."
        )


def _top_layers(layer):
    import keras

    return [sub for sub in layer.layers if sub.weights] if isinstance(layer, keras.Model) else [layer]


def _rows(layer, label, explained):
    import keras

    if isinstance(layer, keras.layers.Bidirectional):
        return _rows(layer.forward_layer, f"{label} › forward", explained) + _rows(
            layer.backward_layer, f"{label} › backward", explained
        )
    if isinstance(layer, keras.layers.TimeDistributed):
        return _rows(layer.layer, f"{label} › {layer.layer.name}", explained)
    if isinstance(layer, keras.layers.RNN):
        return _rows(layer.cell, label, explained)
    if isinstance(layer, keras.layers.StackedRNNCells):
        return [row for i, cell in enumerate(layer.cells) for row in _rows(cell, f"{label} › cell {i}", explained)]
    formulas = _formulas(layer)
    rows = []
    for variable in layer.weights:
        explained.add(id(variable))
        rows.append(_row(label, variable, formulas.get(variable.name)))
    return rows


def _row(label, variable, formula):
    shape = tuple(int(d) for d in variable.shape)
    if formula is None:
        words, arithmetic = f"no formula known for {variable.path}; count = product of its shape", ""
    else:
        words, factors = formula
        arithmetic = " × ".join(str(f) for f in factors) + f" = {math.prod(factors):,}"
    return {
        "layer": label,
        "weight": variable.name,
        "shape": shape,
        "count": math.prod(shape),
        "formula": words,
        "arithmetic": arithmetic,
    }


def _formulas(layer):
    """Formulas in the layer's own terms, from its config: {weight name: (words, factors)}."""
    kind = type(layer).__name__
    shapes = {v.name: tuple(int(d) for d in v.shape) for v in layer.weights}
    if kind in GATES:
        return _recurrent_formulas(layer, kind, shapes["kernel"][0])
    if kind == "ConvLSTMCell":
        return _conv_lstm_formulas(layer, shapes["kernel"][-2])
    if kind == "Dense":
        return {
            "kernel": ("input_dim × units", [shapes["kernel"][0], layer.units]),
            "bias": ("units", [layer.units]),
        }
    if kind == "Embedding":
        return {"embeddings": ("input_dim (vocab_size) × output_dim (embed_dim)", [layer.input_dim, layer.output_dim])}
    return {}


def _recurrent_formulas(cell, kind, input_dim):
    gates, n = GATES[kind]
    units = cell.units

    def times(words, factors):
        return (f"{gates} × {words}", [n, *factors]) if gates else (words, factors)

    formulas = {
        "kernel": times("input_dim × units", [input_dim, units]),
        "recurrent_kernel": times("units × units", [units, units]),
        "bias": times("units", [units]),
    }
    if kind == "GRUCell" and cell.reset_after:
        formulas["bias"] = (f"2 biases (input, recurrent) × {gates} × units", [2, n, units])
    return formulas


def _conv_lstm_formulas(cell, channels):
    size, filters = list(cell.kernel_size), cell.filters
    size_words = " × ".join(["kernel_size"] * len(size))
    return {
        "kernel": (f"{size_words} × input_channels × 4 gates × filters", [*size, channels, 4, filters]),
        "recurrent_kernel": (f"{size_words} × filters × 4 gates × filters", [*size, filters, 4, filters]),
        "bias": ("4 gates × filters", [4, filters]),
    }


def explain_shapes(model):
    """Name every axis of every layer's output in a model.

    Args:
        model: a `keras.Model` whose inputs are defined (start it with
            `keras.Input`, or build a functional model).

    Returns:
        pandas.DataFrame with one row per output tensor: layer, output (which
        output it is: "output", "state h", "forward state c", ...), shape,
        and axes (each axis with its name, e.g.
        "batch_size=None × timesteps=5 × units=128").

    Example:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((5, 10)), keras.layers.LSTM(128, return_sequences=True)])
    >>> explain_shapes(model)["axes"].iloc[-1]
    'batch_size=None × timesteps=5 × units=128'
    """
    import keras

    check_model_inputs("model", model)
    rows = []
    if isinstance(model, keras.Sequential):  # its input layer is not among model.layers
        shape = model.inputs[0].shape
        rows.append(_shape_row("input", "output", shape, _input_axes(len(shape))))
    for layer in model.layers:
        outputs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
        for name, tensor in zip(_output_names(layer, len(outputs)), outputs):
            axes = _axis_names(layer, name, len(tensor.shape))
            rows.append(_shape_row(layer.name, name, tensor.shape, axes))
    return pd.DataFrame(rows, columns=["layer", "output", "shape", "axes"])


def _shape_row(layer_name, output_name, shape, axes):
    shape = tuple(shape)
    return {
        "layer": layer_name,
        "output": output_name,
        "shape": shape,
        "axes": " × ".join(f"{axis}={size}" for axis, size in zip(axes, shape)),
    }


def _input_axes(rank):
    return ["batch_size", *(["timesteps"] * (rank - 2)), "features" if rank > 2 else "timesteps"][:rank]


def _state_names(layer):
    import keras

    if isinstance(layer, keras.layers.Bidirectional):
        forward, backward = _state_names(layer.forward_layer), _state_names(layer.backward_layer)
        return [f"forward {s}" for s in forward] + [f"backward {s}" for s in backward]
    if isinstance(layer, keras.layers.LSTM) or isinstance(getattr(layer, "cell", None), keras.layers.LSTMCell):
        return ["state h", "state c"]
    return ["state h"] if isinstance(layer, keras.layers.RNN) else []


def _output_names(layer, count):
    import keras

    main = ["output"]
    if isinstance(layer, keras.layers.Bidirectional) and layer.merge_mode is None:
        main = ["forward output", "backward output"]
    names = main + (_state_names(layer) if count > len(main) else [])
    return names if len(names) == count else [f"output {i}" for i in range(count)]


def _axis_names(layer, output_name, rank):
    import keras

    middle = ["timesteps"] * max(rank - 2, 0)
    if isinstance(layer, keras.layers.InputLayer):
        return _input_axes(rank)
    if isinstance(layer, keras.layers.Embedding):
        return ["batch_size", *middle, "embed_dim"]
    if isinstance(layer, keras.layers.Bidirectional):
        merged = layer.merge_mode == "concat" and output_name == "output"
        last = "units (forward ‖ backward)" if merged else "units"
        return ["batch_size", *middle, last]
    if isinstance(layer, (keras.layers.RNN, keras.layers.Dense, keras.layers.TimeDistributed)):
        return ["batch_size", *middle, "units"][:rank]
    return ["batch_size", *middle, "features"][:rank]


def draw_unrolled(layer_or_model, timesteps=4):
    """Draw recurrent layers unrolled in time, with the shape on every arrow.

    One row of boxes per recurrent layer (two for a Bidirectional layer),
    one box per timestep: inputs enter from below, the state passes from
    step to step, and the outputs the layer returns are drawn in colour
    (every step with return_sequences=True, else the last one; the final
    states too with return_state=True). Steps that are computed but not
    returned are grey.

    Args:
        layer_or_model: a built recurrent layer (SimpleRNN, GRU, LSTM, RNN or
            Bidirectional), or a model with defined inputs that contains some.
        timesteps: int 1-12, how many steps to draw.

    Returns:
        matplotlib.figure.Figure.

    Example:
    >>> import keras
    >>> layer = keras.layers.LSTM(16, return_sequences=True)
    >>> layer.build((None, 7, 3))
    >>> draw_unrolled(layer, timesteps=3).axes[0].get_title()
    'LSTM(16, return_sequences=True): every step returns its output'
    """
    import keras
    from matplotlib.figure import Figure

    timesteps = check_int("timesteps", timesteps, min_value=1, max_value=12)
    rows = _drawing_rows(layer_or_model)
    fig = Figure(figsize=(2.4 * timesteps + 2.5, 2.6 * len(rows) + 0.8))
    ax = fig.subplots()
    for level, (layer, direction, features) in enumerate(rows):
        _draw_row(ax, layer, direction, features, timesteps, y=level * ROW)
    ax.set_xlim(-2.0, STEP * timesteps + 0.6)
    ax.set_ylim(-1.4, ROW * len(rows) - 0.6)
    ax.axis("off")
    if isinstance(layer_or_model, keras.Model):
        title = f"{layer_or_model.name} unrolled: coloured outputs are returned, grey ones are computed and dropped"
    else:
        title = _title(rows[-1][0])
    ax.set_title(title)
    return fig


def _drawing_rows(layer_or_model):
    """[(recurrent layer, direction or None, features)] from bottom to top."""
    import keras

    if not isinstance(layer_or_model, keras.layers.Layer):
        raise TypeError(f"`layer_or_model` must be a Keras layer or model, got {describe(layer_or_model)}.")
    if isinstance(layer_or_model, keras.Model):
        recurrent = (keras.layers.RNN, keras.layers.Bidirectional)
        candidates = [sub for sub in layer_or_model.layers if isinstance(sub, recurrent) and not _is_conv(sub)]
    else:
        candidates = [layer_or_model]
    rows = []
    for layer in candidates:
        if not isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional)) or _is_conv(layer):
            raise TypeError(
                "`layer_or_model` must be a recurrent layer (SimpleRNN, GRU, LSTM, RNN, Bidirectional; not ConvLSTM) "
                f"or a model "
                f"containing one, got {describe(layer)}."
            )
        check_built("layer_or_model", layer)
        if isinstance(layer, keras.layers.Bidirectional):
            rows.append((layer.forward_layer, "forward", _features(layer.forward_layer)))
            rows.append((layer.backward_layer, "backward", _features(layer.backward_layer)))
        else:
            rows.append((layer, None, _features(layer)))
    if not rows:
        raise ValueError("`layer_or_model` contains no recurrent layer to draw.")
    return rows


def _is_conv(layer):
    import keras

    inner = layer.forward_layer if isinstance(layer, keras.layers.Bidirectional) else layer
    return isinstance(inner, keras.layers.RNN) and type(inner.cell).__name__ == "ConvLSTMCell"


def _features(layer):
    kernels = [v for v in layer.weights if v.name == "kernel"]
    return int(kernels[0].shape[0]) if kernels else None


def _units(layer):
    import keras

    cell = layer.cell
    if isinstance(cell, keras.layers.StackedRNNCells):
        cell = cell.cells[-1]
    return getattr(cell, "units", None)


def _describe_layer(layer):
    return f"{type(layer).__name__}({_units(layer)}, return_sequences={layer.return_sequences})"


def _title(layer):
    if layer.return_sequences:
        return f"{_describe_layer(layer)}: every step returns its output"
    return f"{_describe_layer(layer)}: only the last step's output is returned"


def _draw_row(ax, layer, direction, features, timesteps, y):
    import keras

    units = _units(layer)
    lstm = isinstance(layer.cell, keras.layers.LSTMCell)
    state = "h, c" if lstm else "h"
    label = f"{layer.name}{f' ({direction})' if direction else ''}: {_describe_layer(layer)}"
    if layer.go_backwards:
        label += ", go_backwards=True (reads the last step first)"
    ax.text(-1.9, y + 1.75, label, fontsize=8, ha="left", va="center")
    for step in range(timesteps):
        x = STEP * step
        t = timesteps - 1 - step if layer.go_backwards else step
        colour = "tab:blue" if layer.return_sequences or step == timesteps - 1 else "0.6"
        ax.add_patch(_box(x, y, colour))
        ax.text(x + 0.45, y + 0.5, type(layer.cell).__name__.replace("Cell", ""), fontsize=8, ha="center", va="center")
        _arrow(ax, (x + 0.45, y - 0.9), (x + 0.45, y - 0.05), "black")
        ax.text(x + 0.55, y - 0.75, f"x[{t}]\n(batch_size, {features})", fontsize=7, ha="left")
        _arrow(ax, (x + 0.45, y + 1.05), (x + 0.45, y + 1.5), colour)
        ax.text(x + 0.55, y + 1.15, f"y[{t}]  (batch_size, {units})", fontsize=7, ha="left", color=colour)
        start = x - STEP + 0.95 if step else x - 1.3
        _arrow(ax, (start, y + 0.5), (x - 0.05, y + 0.5), "tab:orange")
        text = f"{state}\n(batch_size, {units})" if step else f"initial\n{state}"
        ax.text((start + x) / 2, y + 0.58, text, fontsize=7, ha="center", va="bottom", color="tab:orange")
    if layer.return_state:
        end = STEP * (timesteps - 1) + 0.95
        _arrow(ax, (end, y + 0.5), (end + 1.0, y + 0.5), "tab:red")
        ax.text(end + 0.1, y + 0.58, f"returned\nstate {state}", fontsize=7, va="bottom", color="tab:red")


def _arrow(ax, start, end, colour):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": colour})


def _box(x, y, colour):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((x, y), 0.9, 1.0, boxstyle="round,pad=0.05", fill=False, edgecolor=colour, lw=1.5)


def _new_axes(ax, figsize):
    """The Axes to draw into: `ax` itself, or one of a new Figure (never pyplot's)."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").add_subplot()


def draw_encoder_decoder(source_steps=4, target_steps=3, states=("h", "c"), ax=None):
    """Draw an encoder-decoder unrolled: the encoder's final states become the decoder's initial state.

    The encoder (green) reads the source one step at a time and returns only
    its final states; they are handed over (red) as the decoder's
    `initial_state`. The decoder (blue) reads the target shifted right by
    one (teacher forcing: a start token, then the previous true token) and
    returns an output at every step.

    Args:
        source_steps: int 1-8, encoder steps to draw.
        target_steps: int 1-8, decoder steps to draw.
        states: the names of the states handed over: ("h", "c") for an LSTM,
            ("h",) for a GRU or SimpleRNN.
        ax: a matplotlib Axes to draw into, or None for a new Figure.

    Returns:
        matplotlib.figure.Figure.

    Example:
    >>> figure = draw_encoder_decoder(source_steps=3, target_steps=2)
    >>> figure.axes[0].get_title()
    "The decoder starts from the encoder's final [h, c]: all it knows of the source"
    """
    from matplotlib.patches import FancyBboxPatch

    source_steps = check_int("source_steps", source_steps, min_value=1, max_value=8)
    target_steps = check_int("target_steps", target_steps, min_value=1, max_value=8)
    if not (isinstance(states, (tuple, list)) and 1 <= len(states) <= 2 and all(isinstance(s, str) for s in states)):
        raise ValueError(f"`states` must be one or two state names, e.g. ('h', 'c'), got {describe(states)}.")
    ax = _new_axes(ax, (1.6 * (source_steps + target_steps) + 2.0, 3.0))
    handed = f"[{', '.join(states)}]"
    gap = 1.6  # between the last encoder step and the first decoder step
    for step in range(source_steps + target_steps):
        encoder = step < source_steps
        x = 1.6 * step + (0 if encoder else gap)
        colour = "tab:green" if encoder else "tab:blue"
        box = FancyBboxPatch((x, 0), 0.9, 1.0, boxstyle="round,pad=0.05", fill=False, edgecolor=colour, lw=1.5)
        box.set_gid("encoder" if encoder else "decoder")
        ax.add_patch(box)
        ax.text(x + 0.45, 0.5, "encoder" if encoder else "decoder", fontsize=7, ha="center", va="center")
        t = step if encoder else step - source_steps
        token = f"source[{t}]" if encoder else ("start token" if t == 0 else f"target[{t - 1}]")
        _arrow(ax, (x + 0.45, -0.8), (x + 0.45, -0.05), "black")
        ax.text(x + 0.45, -0.95, token, fontsize=7, ha="center", va="top")
        if not encoder:
            _arrow(ax, (x + 0.45, 1.05), (x + 0.45, 1.6), colour)
            ax.text(x + 0.45, 1.65, f"predicts\ntarget[{t}]", fontsize=7, ha="center", va="bottom", color=colour)
        if step not in (0, source_steps):
            _arrow(ax, (x - 0.65, 0.5), (x - 0.05, 0.5), "tab:orange")
    first_decoder = 1.6 * source_steps + gap
    _arrow(ax, (1.6 * (source_steps - 1) + 0.95, 0.5), (first_decoder - 0.05, 0.5), "tab:red")
    ax.text(
        (1.6 * source_steps + first_decoder) / 2 - 0.9,
        0.62,
        f"final {handed}\n= initial_state",
        fontsize=7,
        ha="center",
        va="bottom",
        color="tab:red",
    )
    ax.set_xlim(-0.6, first_decoder + 1.6 * target_steps)
    ax.set_ylim(-1.6, 2.5)
    ax.axis("off")
    ax.set_title(f"The decoder starts from the encoder's final {handed}: all it knows of the source")
    return ax.figure


def draw_nested_states(vector_features, matrix_shape, vector_units, state_matrix_shape, timesteps=3, ax=None):
    """Draw a cell with a vector state and a matrix state, unrolled, with every step packed into one tensor.

    Each step's input, a vector and a matrix, is packed into one row
    (the vector, then the matrix row by row) because `keras.layers.RNN`
    steps through one tensor; the cell unpacks it, updates its two states
    (drawn as two lanes, each with its shape) and returns them packed the
    same way.

    Args:
        vector_features: int >= 1, the size of each step's vector (i1).
        matrix_shape: (i2, i3), the shape of each step's matrix.
        vector_units: int >= 1, the size of the vector state (unit_1).
        state_matrix_shape: (unit_2, unit_3), the shape of the matrix state.
        timesteps: int 1-6, steps to draw.
        ax: a matplotlib Axes to draw into, or None for a new Figure.

    Returns:
        matplotlib.figure.Figure.

    Example:
    >>> figure = draw_nested_states(32, (8, 8), 10, (20, 30), timesteps=2)
    >>> [t.get_text() for t in figure.axes[0].texts if t.get_text().startswith("packed")][0]
    'packed step: 32 + 8×8 = 96'
    """
    from matplotlib.patches import FancyBboxPatch

    vector_features = check_int("vector_features", vector_features, min_value=1, max_value=100_000)
    vector_units = check_int("vector_units", vector_units, min_value=1, max_value=100_000)
    i2, i3 = _pair("matrix_shape", matrix_shape)
    u2, u3 = _pair("state_matrix_shape", state_matrix_shape)
    timesteps = check_int("timesteps", timesteps, min_value=1, max_value=6)
    ax = _new_axes(ax, (2.6 * timesteps + 3.5, 3.6))
    lanes = {
        "vector state": (0.75, "tab:orange", f"({vector_units},)"),
        "matrix state": (0.25, "tab:purple", f"({u2}, {u3}), kept flat as {u2 * u3}"),
    }
    for step in range(timesteps):
        x = 2.6 * step
        box = FancyBboxPatch((x, 0), 1.0, 1.0, boxstyle="round,pad=0.05", fill=False, edgecolor="tab:blue", lw=1.5)
        ax.add_patch(box)
        ax.text(x + 0.5, 0.5, "cell:\nunpack,\nupdate", fontsize=7, ha="center", va="center")
        _arrow(ax, (x + 0.5, -0.8), (x + 0.5, -0.05), "black")
        ax.text(
            x + 0.5,
            -0.85,
            f"packed step: {vector_features} + {i2}×{i3} = {vector_features + i2 * i3}",
            fontsize=7,
            ha="center",
            va="top",
        )
        _arrow(ax, (x + 0.5, 1.05), (x + 0.5, 1.5), "tab:blue")
        ax.text(
            x + 0.5, 1.55, f"output: {vector_units} + {u2 * u3}", fontsize=7, ha="center", va="bottom", color="tab:blue"
        )
        start = x - 1.55 if step else x - 2.6
        for name, (height, colour, shape) in lanes.items():
            _arrow(ax, (start, height), (x - 0.05, height), colour)
            label = f"{name} {shape}" if step == 0 else name
            ax.text((start + x) / 2, height + 0.04, label, fontsize=6.5, ha="center", va="bottom", color=colour)
    ax.text(
        -2.6,
        -1.45,
        f"each step: a vector of {vector_features} and a {i2}×{i3} matrix, read row by row",
        fontsize=7,
        ha="left",
        va="top",
    )
    ax.set_xlim(-2.7, 2.6 * timesteps)
    ax.set_ylim(-1.8, 2.2)
    ax.axis("off")
    ax.set_title("Two states, one tensor per step: the cell packs and unpacks its structure")
    return ax.figure


def _pair(name, value):
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise ValueError(f"`{name}` must be a pair of ints (rows, columns), got {describe(value)}.")
    return tuple(check_int(f"{name}[{i}]", v, min_value=1, max_value=10_000) for i, v in enumerate(value))


def draw_mask_flow(stages, ax=None):
    """Draw a mask as it travels through layers: made, passed on, cut, ended.

    Args:
        stages: list of (label, mask) pairs in the order the data flows, up
            to 8: `label` a str naming the layer's output, `mask` a boolean
            array (batch_size, timesteps) that output carries (True: a real
            step), or None where the output carries no mask.
        ax: a matplotlib Axes to draw into, or None for a new Figure.

    Returns:
        matplotlib.figure.Figure: one grid per stage (rows: samples, columns:
        timesteps; dark: real, light: masked), an arrow between stages.

    Example:
    >>> import numpy as np
    >>> mask = np.array([[True, True, False]])
    >>> figure = draw_mask_flow([("embedding", mask), ("pooling", None)])
    >>> figure.axes[0].get_title()
    'The mask from embedding to pooling'
    """
    import numpy as np
    from matplotlib.patches import Rectangle

    if not isinstance(stages, (list, tuple)) or not 1 <= len(stages) <= 8:
        raise ValueError(f"`stages` must be a list of 1 to 8 (label, mask) pairs, got {describe(stages)}.")
    masks = []
    for i, stage in enumerate(stages):
        if not (isinstance(stage, (list, tuple)) and len(stage) == 2 and isinstance(stage[0], str)):
            raise ValueError(f"`stages[{i}]` must be a (label, mask) pair, got {describe(stage)}.")
        mask = None if stage[1] is None else np.asarray(stage[1])
        if mask is not None and (mask.dtype != bool or mask.ndim != 2 or mask.size > 400):
            raise ValueError(
                f"`stages[{i}]` mask must be None or a boolean array (batch_size, timesteps) of at most 400 "
                f"values, got {describe(stage[1])}."
            )
        masks.append(mask)
    width = max([m.shape[1] for m in masks if m is not None] + [2]) + 2.0
    ax = _new_axes(ax, (min(2.2 * len(stages) + 1.0, 16.0), 2.8))
    for i, ((label, _), mask) in enumerate(zip(stages, masks)):
        left = i * width
        ax.text(left, 0.6, label, fontsize=8, ha="left", va="bottom")
        if mask is None:
            ax.text(left, -1.0, "no mask", fontsize=8, ha="left", va="center", color="0.4")
        else:
            for (row, step), real in np.ndenumerate(mask):
                cell = Rectangle((left + step, -row - 1.0), 0.9, 0.9, color="tab:blue" if real else "0.85")
                cell.set_gid("real" if real else "masked")
                ax.add_patch(cell)
        if i:
            _arrow(ax, (left - 1.8, -1.0), (left - 0.2, -1.0), "black")
    rows = max([m.shape[0] for m in masks if m is not None] + [1])
    ax.set_xlim(-0.5, len(stages) * width)
    ax.set_ylim(-rows - 0.6, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"The mask from {stages[0][0]} to {stages[-1][0]}")
    return ax.figure


CELL_KINDS = ("LSTM", "GRU", "SimpleRNN")
_BOX = {"facecolor": "#fde9c9", "edgecolor": "#b35806"}  # a layer with weights: a gate or the candidate
_OPERATOR = {"facecolor": "#e0ecf8", "edgecolor": "#2c5d8f"}  # a pointwise operation, no weights
_STATE_COLOUR, _INPUT_COLOUR = "#2c5d8f", "0.35"
_VALUE_LABELS = {"c_previous": "c(t-1)", "h_previous": "h(t-1)", "c": "c(t)", "h": "h(t)"}

# One step of each cell as data flow, in the gate names of rnnedu.reference. Coordinates in a 10 × 6 box:
# boxes (name, x, y, activation), operators (role, symbol, x, y), lines (name, points, colour, arrow at the end).
_CELLS = {
    "LSTM": {
        "boxes": [("f", 2.4, 2.7, "σ"), ("i", 3.9, 2.7, "σ"), ("g", 5.1, 2.7, "tanh"), ("o", 6.6, 2.7, "σ")],
        "operators": [
            ("forget", "×", 2.4, 5.0),
            ("write", "×", 5.1, 3.95),
            ("add", "+", 5.1, 5.0),
            ("squash", "tanh", 7.8, 3.95),
            ("output", "×", 7.8, 2.7),
        ],
        "lines": [
            ("c", [(0.2, 5.0), (9.8, 5.0)], _STATE_COLOUR, True),
            ("h_in", [(0.2, 1.0), (6.6, 1.0)], _STATE_COLOUR, False),
            ("x", [(1.3, 0.1), (1.3, 1.0)], _INPUT_COLOUR, False),
            ("to_f", [(2.4, 1.0), (2.4, 2.35)], _STATE_COLOUR, True),
            ("to_i", [(3.9, 1.0), (3.9, 2.35)], _STATE_COLOUR, True),
            ("to_g", [(5.1, 1.0), (5.1, 2.35)], _STATE_COLOUR, True),
            ("to_o", [(6.6, 1.0), (6.6, 2.35)], _STATE_COLOUR, True),
            ("f_out", [(2.4, 3.05), (2.4, 4.72)], _STATE_COLOUR, True),
            ("i_out", [(3.9, 3.05), (3.9, 3.95), (4.82, 3.95)], _STATE_COLOUR, True),
            ("g_out", [(5.1, 3.05), (5.1, 3.67)], _STATE_COLOUR, True),
            ("write_out", [(5.1, 4.23), (5.1, 4.72)], _STATE_COLOUR, True),
            ("c_branch", [(7.8, 5.0), (7.8, 4.25)], _STATE_COLOUR, True),
            ("squash_out", [(7.8, 3.65), (7.8, 2.98)], _STATE_COLOUR, True),
            ("o_out", [(6.95, 2.7), (7.52, 2.7)], _STATE_COLOUR, True),
            ("h", [(7.8, 2.42), (7.8, 1.6), (9.8, 1.6)], _STATE_COLOUR, True),
        ],
        "labels": [
            ("c(t-1)", 0.2, 5.3, "left"),
            ("c(t)", 9.8, 5.3, "right"),
            ("h(t-1)", 0.2, 1.3, "left"),
            ("x(t)", 1.45, 0.2, "left"),
            ("h(t)", 9.8, 1.9, "right"),
        ],
        "title": "LSTM: c(t) = f·c(t-1) + i·g,  h(t) = o·tanh(c(t))",
    },
    "GRU": {
        "boxes": [("z", 2.4, 2.7, "σ"), ("r", 3.9, 2.7, "σ"), ("candidate", 6.2, 2.7, "tanh")],
        "operators": [
            ("keep", "×", 2.4, 5.0),
            ("one_minus", "1−", 4.2, 4.0),
            ("write", "×", 6.2, 4.0),
            ("add", "+", 6.2, 5.0),
            ("reset", "×", 5.1, 1.8),
        ],
        "lines": [
            ("h_state", [(0.2, 5.0), (9.8, 5.0)], _STATE_COLOUR, True),
            ("h_in", [(0.2, 1.0), (3.9, 1.0)], _STATE_COLOUR, False),
            ("x", [(1.3, 0.1), (1.3, 1.0)], _INPUT_COLOUR, False),
            ("to_z", [(2.4, 1.0), (2.4, 2.35)], _STATE_COLOUR, True),
            ("to_r", [(3.9, 1.0), (3.9, 2.35)], _STATE_COLOUR, True),
            ("z_out", [(2.4, 3.05), (2.4, 4.72)], _STATE_COLOUR, True),
            ("z_branch", [(2.4, 4.0), (3.9, 4.0)], _STATE_COLOUR, True),
            ("one_minus_out", [(4.5, 4.0), (5.92, 4.0)], _STATE_COLOUR, True),
            ("r_out", [(3.9, 3.05), (3.9, 3.3), (4.6, 3.3), (4.6, 1.8), (4.82, 1.8)], _STATE_COLOUR, True),
            ("h_to_reset", [(0.6, 5.0), (0.6, 0.55), (5.1, 0.55), (5.1, 1.52)], _STATE_COLOUR, True),
            ("x_to_candidate", [(1.3, 0.4), (6.2, 0.4), (6.2, 2.35)], _INPUT_COLOUR, True),
            ("reset_out", [(5.38, 1.8), (5.9, 1.8), (5.9, 2.35)], _STATE_COLOUR, True),
            ("candidate_out", [(6.2, 3.05), (6.2, 3.72)], _STATE_COLOUR, True),
            ("write_out", [(6.2, 4.28), (6.2, 4.72)], _STATE_COLOUR, True),
        ],
        "labels": [
            ("h(t-1)", 0.2, 5.3, "left"),
            ("h(t)", 9.8, 5.3, "right"),
            ("h(t-1)", 0.2, 1.3, "left"),
            ("x(t)", 1.45, 0.2, "left"),
            ("r·(h(t-1)·U + b)", 5.45, 1.35, "left"),
        ],
        "title": "GRU: h(t) = z·h(t-1) + (1 − z)·candidate",
    },
    "SimpleRNN": {
        "boxes": [("pre_activation", 5.0, 2.7, "tanh")],
        "operators": [],
        "lines": [
            ("h_in", [(0.2, 1.0), (5.0, 1.0)], _STATE_COLOUR, False),
            ("x", [(1.3, 0.1), (1.3, 1.0)], _INPUT_COLOUR, False),
            ("to_pre_activation", [(5.0, 1.0), (5.0, 2.35)], _STATE_COLOUR, True),
            ("h", [(5.0, 3.05), (5.0, 4.2), (9.8, 4.2)], _STATE_COLOUR, True),
        ],
        "labels": [("h(t-1)", 0.2, 1.3, "left"), ("x(t)", 1.45, 0.2, "left"), ("h(t)", 9.8, 4.5, "right")],
        "title": "SimpleRNN: h(t) = tanh(x(t)·W + h(t-1)·U + b), no gate",
    },
}


def draw_cell(kind, ax=None, values=None):
    """Draw one step of an LSTM, GRU or SimpleRNN cell as data flow.

    Boxes are layers with weights (a gate, or the candidate), each reading
    [h(t-1), x(t)] and labelled with its activation and its name; circles are
    pointwise operations without weights (×, +, 1−, tanh); lines carry the
    states from left to right. The LSTM's cell state c runs along the top,
    touched only by a product with f and a sum; the GRU's state runs along the
    top the same way, kept by z. Names are those of `rnnedu.reference`: i, f,
    g, o and c; z, r and candidate.

    Every drawn part has a gid saying what it is: "box:NAME" for a box,
    "operator:ROLE" for an operation, "line:NAME" for a line ("line:c" is
    the LSTM's cell-state line), "value:NAME" for a number from `values`.

    Args:
        kind: "LSTM", "GRU" or "SimpleRNN".
        ax: a matplotlib Axes to draw into, or None for a new Figure.
        values: None, or a dict from a box's name (or "c", "h", "c_previous",
            "h_previous") to a number, written beside it (the gate explorer
            shows the values of one unit at one step this way).

    Returns:
        the matplotlib Figure.

    Example:
    >>> figure = draw_cell("LSTM")
    >>> sorted(p.get_gid() for p in figure.axes[0].patches if p.get_gid().startswith("box:"))
    ['box:f', 'box:g', 'box:i', 'box:o']
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, FancyBboxPatch

    kind = check_choice("kind", kind, CELL_KINDS)
    if values is not None and not isinstance(values, dict):
        raise TypeError(f"`values` must be None or a dict of numbers by name, got {describe(values)}.")
    if ax is None:
        from matplotlib.figure import Figure

        figure = Figure(figsize=(8.0, 4.8))
        ax = figure.add_subplot()
    layout = _CELLS[kind]
    for name, points, colour, arrow in layout["lines"]:
        xs, ys = zip(*points)
        ax.add_line(Line2D(xs, ys, color=colour, lw=2.2 if name in ("c", "h_state") else 1.4, gid=f"line:{name}"))
        if arrow:
            ax.annotate("", points[-1], points[-2], arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.2})
    for name, x, y, activation in layout["boxes"]:
        width = {"candidate": 1.1, "pre_activation": 1.5}.get(name, 0.7)
        patch = FancyBboxPatch(
            (x - width / 2, y - 0.35),
            width,
            0.7,
            boxstyle="round,pad=0.02",
            lw=1.4,
            zorder=3,
            gid=f"box:{name}",
            **_BOX,
        )
        ax.add_patch(patch)
        ax.text(x, y + 0.1, activation, ha="center", va="center", fontsize=10, zorder=4, gid=f"activation:{name}")
        ax.text(x, y - 0.18, name, ha="center", va="center", fontsize=8, style="italic", zorder=4, gid=f"name:{name}")
    for role, symbol, x, y in layout["operators"]:
        radius = 0.3 if len(symbol) > 1 else 0.28
        ax.add_patch(Circle((x, y), radius, lw=1.4, zorder=3, gid=f"operator:{role}", **_OPERATOR))
        size = 9 if len(symbol) > 1 else 12
        ax.text(x, y, symbol, ha="center", va="center", fontsize=size, zorder=4, gid=f"symbol:{role}")
    for text, x, y, align in layout["labels"]:
        ax.text(x, y, text, ha=align, va="bottom", fontsize=9, color=_STATE_COLOUR)
    for name, value in (values or {}).items():
        x, y = _value_position(layout, name)
        text = f"{_VALUE_LABELS[name]} = {value:+.3f}" if name in _VALUE_LABELS else f"{value:+.3f}"
        ax.text(x, y, text, ha="left", va="top", fontsize=7, color="#7f2704", zorder=4, gid=f"value:{name}")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(layout["title"], fontsize=9)
    return ax.figure


def _value_position(layout, name):
    """Where the value of `name` is written: under its box, or beside the state it names."""
    for box, x, y, _ in layout["boxes"]:
        if box == name:
            return x + 0.06, y - 0.4
    places = {"c_previous": (0.9, 4.85), "c": (9.2, 4.85), "h_previous": (0.9, 0.85)}
    places["h"] = (9.2, 1.45) if "c" in [line[0] for line in layout["lines"]] else (9.2, 4.05)
    if layout is _CELLS["GRU"]:
        places |= {"h_previous": (0.9, 4.85), "h": (9.2, 4.85)}
    if name not in places:
        raise ValueError(f"`values` has {name!r}, which this cell does not draw; it draws {', '.join(places)}.")
    return places[name]
