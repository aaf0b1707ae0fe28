"""NumPy reference implementations of SimpleRNN, GRU and LSTM that record every gate.

Keras returns only a recurrent layer's outputs and final states. `trace` reads
the weights of a built Keras layer or cell and runs the same computation in
NumPy, one timestep at a time, keeping every intermediate value: the input
projections, each gate, the candidate, the cell state and h. Its outputs equal
the layer's own within float32 precision. `keras_mask` reads the mask Keras
attaches to a tensor, the one place rnnedu reads it.
"""

import numpy as np

from rnnedu._validate import check_built, check_finite, check_mask, check_sequences, describe

__all__ = ["ACTIVATIONS", "GATE_NAMES", "KERNEL_BLOCKS", "activation_name", "keras_mask", "trace"]

ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "hard_sigmoid": lambda z: np.clip(z / 6.0 + 0.5, 0.0, 1.0),
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
    "softsign": lambda z: z / (1.0 + np.abs(z)),
    "softplus": lambda z: np.logaddexp(0.0, z),
}
GATE_NAMES = {
    "SimpleRNNCell": ("pre_activation",),
    "LSTMCell": ("i", "f", "g", "o", "c"),
    "GRUCell": ("z", "r", "candidate"),
}
# The course's one set of gate names (prose, explain_params, the gate explorer): what `trace` records per
# cell above, and here the blocks of columns of a cell's kernel, recurrent_kernel and bias, in Keras's order.
# rnnedu.parallel's minGRU and minLSTM cells have a kernel and a bias only, their gates read the input alone.
KERNEL_BLOCKS = {
    "LSTMCell": ("i", "f", "g", "o"),
    "GRUCell": ("z", "r", "candidate"),
    "MinGRUCell": ("z", "candidate"),
    "MinLSTMCell": ("f", "i", "candidate"),
}


def trace(layer, x, initial_state=None, mask=None):
    """Run a Keras SimpleRNN, GRU or LSTM step by step in NumPy, recording every gate.

    Args:
        layer: a built `keras.layers.SimpleRNN`, `GRU` or `LSTM` (or one of
            their cells), whose weights are read.
        x: array of shape (batch_size, timesteps, features).
        initial_state: None (zeros), or a list of arrays of shape
            (batch_size, units): [h] for SimpleRNN and GRU, [h, c] for LSTM.
        mask: None, or a boolean array of shape (batch_size, timesteps);
            at a masked step the state is carried over unchanged, as Keras does.

    Returns:
        dict of float arrays. Per timestep, shape (batch_size, timesteps, n):
        "projection" (the inputs times the kernel, plus the input bias, for
        all gates side by side), each gate ("i", "f", "g", "o", "c" for LSTM;
        "z", "r", "candidate" for GRU; "pre_activation" for SimpleRNN), and
        "h". Also "outputs" (what the layer returns: the sequence with
        return_sequences=True, else the last output) and "states" (the final
        states, [h] or [h, c]). Steps are in the order the layer reads them,
        so with go_backwards=True step 0 is the last timestep.

    Example:
    >>> import keras
    >>> layer = keras.layers.GRU(4)
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    >>> keras_output = layer(x)  # calling the layer builds it
    >>> result = trace(layer, x)
    >>> result["z"].shape, bool(np.allclose(result["outputs"], keras_output, atol=1e-5))
    ((2, 5, 4), True)
    """
    cell, rnn = _cell_and_layer(layer)
    kind = type(cell).__name__
    x = check_sequences("x", x, cell.kernel.shape[0])
    batch_size, timesteps, _ = x.shape
    units = cell.units
    states = _initial_states(initial_state, kind, batch_size, units)
    mask = check_mask("mask", mask, shape=(batch_size, timesteps))
    go_backwards = bool(rnn is not None and rnn.go_backwards)
    if go_backwards:
        x = x[:, ::-1]
        mask = None if mask is None else mask[:, ::-1]
    kernel, recurrent_kernel, input_bias, recurrent_bias = _weights(cell, kind)
    projection = x @ kernel + input_bias  # every timestep at once; only the loop below is sequential
    step = _STEPS[kind]
    activation = _activation(cell.activation, "activation")
    recurrent_activation = _activation(getattr(cell, "recurrent_activation", None), "recurrent_activation")
    record = {name: [] for name in (*GATE_NAMES[kind], "h")}
    outputs, previous_output = [], np.zeros((batch_size, units), dtype=x.dtype)
    for t in range(timesteps):
        new_states, gates = step(
            projection[:, t], states, recurrent_kernel, recurrent_bias, activation, recurrent_activation, cell
        )
        if mask is not None:
            keep = mask[:, t][:, None]
            new_states = [np.where(keep, new, old) for new, old in zip(new_states, states)]
            if kind == "LSTMCell":
                gates["c"] = new_states[1]  # the carried-over cell state
            output = np.where(keep, new_states[0], previous_output)
        else:
            output = new_states[0]
        states, previous_output = new_states, output
        gates["h"] = states[0]
        for name in record:
            record[name].append(gates[name])
        outputs.append(output)
    result = {name: np.stack(values, axis=1) for name, values in record.items()}
    result["projection"] = projection
    sequence = np.stack(outputs, axis=1)
    result["outputs"] = sequence if rnn is not None and rnn.return_sequences else sequence[:, -1]
    result["states"] = states
    return result


def keras_mask(tensor):
    """Return the mask Keras attached to a tensor, as a NumPy bool array, or None.

    A layer that makes a mask (`Embedding(mask_zero=True)`, `Masking`) or
    passes one on attaches it to the tensor it returns, when called eagerly;
    Keras keeps it in the tensor's `_keras_mask` attribute.

    Args:
        tensor: any value; a tensor returned by a Keras layer may carry a mask.

    Returns:
        bool array of shape (batch_size, timesteps), True where a timestep is real; or None.

    Example:
    >>> import keras
    >>> embedded = keras.layers.Embedding(10, 2, mask_zero=True)(np.array([[4, 0]]))
    >>> keras_mask(embedded).tolist(), keras_mask(np.zeros(2))
    ([[True, False]], None)
    """
    mask = getattr(tensor, "_keras_mask", None)
    if mask is None:
        return None
    import keras

    return keras.ops.convert_to_numpy(mask).astype(bool)


def _cell_and_layer(layer):
    import keras

    if isinstance(layer, keras.layers.RNN) and type(layer.cell).__name__ in GATE_NAMES:
        cell, rnn = layer.cell, layer
    elif type(layer).__name__ in GATE_NAMES:
        cell, rnn = layer, None
    else:
        raise TypeError(
            f"`layer` must be a keras.layers.SimpleRNN, GRU or LSTM layer or one of their cells, got {describe(layer)}."
        )
    check_built("layer", layer)
    return cell, rnn


def _initial_states(initial_state, kind, batch_size, units):
    count = 2 if kind == "LSTMCell" else 1
    if initial_state is None:
        return [np.zeros((batch_size, units), dtype=np.float32) for _ in range(count)]
    states = (
        [check_finite("initial_state", s) for s in initial_state] if isinstance(initial_state, (list, tuple)) else []
    )
    if len(states) != count or any(s.shape != (batch_size, units) for s in states):
        expected = "[h, c]" if count == 2 else "[h]"
        raise ValueError(
            f"`initial_state` must be a list {expected} of arrays of shape {(batch_size, units)}, "
            f"got {describe(initial_state)}."
        )
    return states


def _weights(cell, kind):
    kernel = np.asarray(cell.kernel)
    recurrent_kernel = np.asarray(cell.recurrent_kernel)
    width = kernel.shape[1]
    if not cell.use_bias:
        return kernel, recurrent_kernel, np.zeros(width, np.float32), np.zeros(width, np.float32)
    bias = np.asarray(cell.bias)
    if kind == "GRUCell" and cell.reset_after:
        return kernel, recurrent_kernel, bias[0], bias[1]
    return kernel, recurrent_kernel, bias, np.zeros(width, np.float32)


def activation_name(function):
    """The name of a Keras activation function, as `ACTIVATIONS` (and Keras's serialization) spells it.

    Args:
        function: an activation, e.g. a cell's `activation`; or None.

    Returns:
        str, e.g. "tanh"; None for None.

    Example:
    >>> import keras
    >>> activation_name(keras.activations.hard_sigmoid)
    'hard_sigmoid'
    """
    if function is None:
        return None
    if not callable(function):
        raise TypeError(f"`function` must be an activation function or None, got {describe(function)}.")
    import keras

    name = keras.activations.serialize(function)
    return name if isinstance(name, str) else getattr(function, "__name__", str(function))


def _activation(function, argument):
    if function is None:
        return None
    name = activation_name(function)
    if name not in ACTIVATIONS:
        raise ValueError(f"`{argument}` {name!r} has no NumPy reference here; known: {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[name]


def _simple_rnn_step(projection, states, recurrent_kernel, _, activation, __, ___):
    pre_activation = projection + states[0] @ recurrent_kernel
    h = activation(pre_activation)
    return [h], {"pre_activation": pre_activation}


def _lstm_step(projection, states, recurrent_kernel, _, activation, recurrent_activation, __):
    h, c = states
    z = projection + h @ recurrent_kernel
    i, f, g, o = np.split(z, 4, axis=-1)
    i, f, g, o = recurrent_activation(i), recurrent_activation(f), activation(g), recurrent_activation(o)
    c = f * c + i * g
    return [o * activation(c), c], {"i": i, "f": f, "g": g, "o": o, "c": c}


def _gru_step(projection, states, recurrent_kernel, recurrent_bias, activation, recurrent_activation, cell):
    h = states[0]
    x_z, x_r, x_h = np.split(projection, 3, axis=-1)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=-1)
    b_z, b_r, b_h = np.split(recurrent_bias, 3)
    z = recurrent_activation(x_z + h @ u_z + b_z)
    r = recurrent_activation(x_r + h @ u_r + b_r)
    if cell.reset_after:
        candidate = activation(x_h + r * (h @ u_h + b_h))
    else:
        candidate = activation(x_h + (r * h) @ u_h)
    return [z * h + (1.0 - z) * candidate], {"z": z, "r": r, "candidate": candidate}


_STEPS = {"SimpleRNNCell": _simple_rnn_step, "LSTMCell": _lstm_step, "GRUCell": _gru_step}
